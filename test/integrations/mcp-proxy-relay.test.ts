import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CreateMessageRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError, UnreachableError, type GatehouseApi } from '../../src-shared/client.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { RawLink } from '../../src-main/integrations/mcp-proxy/links.js';
import { McpGovernanceProxy } from '../../src-main/integrations/mcp-proxy/proxy.js';
import { toolSha256 } from '../../src-main/integrations/mcp-proxy/registration.js';

/** An SDK transport as a raw link (the in-memory pair carries objects; the proxy carries text). */
export class TransportLink implements RawLink {
  onmessage?: (raw: string) => void;
  onclose?: (why: string) => void;
  onerror?: (e: Error) => void;
  constructor(private readonly t: Transport) {
    t.onmessage = (m) => this.onmessage?.(JSON.stringify(m));
    t.onclose = () => this.onclose?.('closed');
    t.onerror = (e) => this.onerror?.(e);
  }
  start = () => this.t.start();
  send = (raw: string) => this.t.send(JSON.parse(raw) as JSONRPCMessage);
  close = () => this.t.close();
}

/**
 * The relay itself, in memory: an SDK McpServer behind the proxy, an SDK Client in front, and a
 * scripted Gatehouse. Shows that everything besides tools/call passes through unchanged —
 * progress, sampling requests from the server, list changes, cancellation — and how tools/call is
 * decided.
 */

type Verdict = 'allowed' | 'denied' | 'pending' | 'unreachable';

class FakeGatehouse {
  verdict: Verdict = 'allowed';
  submits: Record<string, unknown>[] = [];
  completes: { id: string; body: Record<string, unknown> }[] = [];
  withdrawals: { id: string; body: Record<string, unknown> }[] = [];
  registrations: { server_id: string; name?: string; tools?: { name: string }[] }[] = [];
  release: ((d: string) => void) | null = null;
  /** When set, submit waits for it (a slow Gatehouse). */
  submitGate: Promise<void> | null = null;
  submitting = 0;
  /** Registrations that fail (Gatehouse not up yet) before one succeeds. */
  registerFailures = 0;
  /** Pinned hashes by tool. */
  readonly pins = new Map<string, string>();
  private n = 0;

  private body(decision: string, id: string, status = decision) {
    return {
      action_id: id,
      decision,
      status,
      reason: status === 'rejected' ? 'Rejected by user' : decision === 'denied' ? 'Matched policy no-way' : 'ok',
      requires_approval: decision === 'pending',
      approval_id: null,
    };
  }
  api(): GatehouseApi {
    return this.fake;
  }
  private readonly fake = ((self: FakeGatehouse) =>
    ({
      async submit(a: Record<string, unknown>) {
        if (self.verdict === 'unreachable') throw new UnreachableError('connect ECONNREFUSED');
        self.submitting++;
        if (self.submitGate) await self.submitGate;
        self.submits.push(a);
        return self.body(self.verdict, `act_${++self.n}`);
      },
      async status(id: string) {
        const decision = await new Promise<string>((r) => (self.release = r));
        return self.body(decision === 'approved' ? 'allowed' : 'denied', id, decision);
      },
      async complete(id: string, body: Record<string, unknown>) {
        self.completes.push({ id, body });
        return {};
      },
      async withdraw(id: string, body: Record<string, unknown>) {
        self.withdrawals.push({ id, body });
        return {};
      },
      async registerMcpServer(b: FakeGatehouse['registrations'][number]) {
        if (self.registerFailures > 0) {
          self.registerFailures--;
          throw new UnreachableError('connect ECONNREFUSED');
        }
        self.registrations.push(b);
        // Like Gatehouse: a tool seen for the first time is pinned as the server sent it.
        for (const t of b.tools ?? []) if (!self.pins.has(t.name)) self.pins.set(t.name, toolSha256(t));
        return { tool_pins: [...self.pins].map(([tool, sha256]) => ({ tool, sha256 })) };
      },
      async mcpToolPin(_serverId: string, tool: string) {
        const sha256 = self.pins.get(tool);
        if (!sha256) throw new ApiError(404, { error: { code: 'not_found', message: `MCP tool '${tool}' not found`, details: [] } });
        return { tool, sha256 };
      },
    }) as unknown as GatehouseApi)(this);
}

const until = async (f: () => boolean, ms = 3_000) => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};
const text = (r: unknown) => ((r as CallToolResult).content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('');

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers) await c().catch(() => undefined);
  closers = [];
});

async function setup(waitS = 30, extra: { progressIntervalMs?: number; registrationRetryMs?: number } = {}, registerFailures = 0) {
  const gh = new FakeGatehouse();
  gh.registerFailures = registerFailures;
  const server = new McpServer({ name: 'relay-test-server', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
  let ran = 0;
  server.registerTool('echo', { description: 'echo text', inputSchema: { text: z.string() } }, async ({ text: t }, extra) => {
    ran++;
    const token = extra._meta?.progressToken;
    if (token !== undefined) {
      for (let i = 1; i <= 3; i++)
        await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: 3 } });
    }
    return { content: [{ type: 'text', text: t }] };
  });
  server.registerTool('ask_model', { description: 'samples the client model' }, async () => {
    const r = await server.server.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'hi?' } }], maxTokens: 10 });
    return { content: [{ type: 'text', text: `model said: ${(r.content as { text: string }).text}` }] };
  });
  server.registerTool('fail', { description: 'always fails' }, async () => ({ content: [{ type: 'text', text: 'nope' }], isError: true }));

  const [clientSide, proxyUp] = InMemoryTransport.createLinkedPair();
  const [proxyDown, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const proxy = new McpGovernanceProxy(new TransportLink(proxyUp), new TransportLink(proxyDown), {
    serverId: 'mem',
    agentId: 'tester',
    waitS,
    api: () => gh.api(),
    log: () => undefined,
    commandLine: 'in-memory',
    ...extra,
  });
  await proxy.start();
  const client = new Client({ name: 'relay-client', version: '1' }, { capabilities: { sampling: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({
    role: 'assistant',
    model: 'fake',
    content: { type: 'text', text: 'hello from the client' },
  }));
  await client.connect(clientSide);
  closers.push(
    () => client.close(),
    () => server.close(),
  );
  return { gh, server, client, proxy, ran: () => ran };
}

describe('McpGovernanceProxy relay', () => {
  it('registers the server with its tools after initialize', async () => {
    const { gh } = await setup();
    await until(() => gh.registrations.some((r) => (r.tools?.length ?? 0) > 0));
    const last = gh.registrations.at(-1)!;
    expect(last).toMatchObject({ server_id: 'mem', name: 'relay-test-server', command: 'in-memory' });
    expect(last.tools!.map((t) => t.name).sort()).toEqual(['ask_model', 'echo', 'fail']);
  });

  it('re-registers on notifications/tools/list_changed, and relays the notification', async () => {
    const { gh, server, client } = await setup();
    await until(() => gh.registrations.some((r) => (r.tools?.length ?? 0) === 3));
    let notified = 0;
    client.setNotificationHandler((await import('@modelcontextprotocol/sdk/types.js')).ToolListChangedNotificationSchema, () => {
      notified++;
    });
    server.registerTool('late', { description: 'added later' }, async () => ({ content: [] }));
    await until(() => gh.registrations.some((r) => r.tools?.some((t) => t.name === 'late')));
    await until(() => notified > 0);
  });

  it('forwards an allowed call with its progress notifications and reports success', async () => {
    const { gh, client, ran } = await setup();
    const progress: number[] = [];
    const r = await client.callTool({ name: 'echo', arguments: { text: 'hi', path: '/srv/x' } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(text(r)).toBe('hi');
    expect(progress).toEqual([1, 2, 3]);
    expect(ran()).toBe(1);
    expect(gh.submits[0]).toMatchObject({
      agent_id: 'tester',
      action_type: 'mcp.tool_call',
      tool_name: 'echo',
      mcp: { server_id: 'mem', tool: 'echo' },
      resource: '/srv/x',
      parameters: { text: 'hi', path: '/srv/x' },
    });
    await until(() => gh.completes.length === 1);
    expect(gh.completes[0]).toMatchObject({
      id: 'act_1',
      body: { status: 'success', result: { content: [{ type: 'text', text: 'hi' }] } },
    });
  });

  it('relays the server’s sampling request to the client and back', async () => {
    const { client } = await setup();
    const r = await client.callTool({ name: 'ask_model', arguments: {} });
    expect(text(r)).toBe('model said: hello from the client');
  });

  it('uses mcp://SERVER/TOOL when no path/uri/url/file argument names the resource', async () => {
    const { gh, client } = await setup();
    await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    expect(gh.submits[0]!.resource).toBe('mcp://mem/echo');
  });

  it('reports an isError result as a failure', async () => {
    const { gh, client } = await setup();
    const r = await client.callTool({ name: 'fail', arguments: {} });
    expect(r.isError).toBe(true);
    expect(text(r)).toBe('nope');
    await until(() => gh.completes.length === 1);
    expect(gh.completes[0]!.body).toMatchObject({ status: 'failure', error: 'nope' });
  });

  it('answers a denied call itself and never calls the server', async () => {
    const { gh, client, ran } = await setup();
    gh.verdict = 'denied';
    const r = await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    expect(r).toEqual({
      content: [{ type: 'text', text: 'Blocked by Gatehouse: Matched policy no-way' }],
      isError: true,
    });
    expect(ran()).toBe(0);
  });

  it('fails closed when Gatehouse is unreachable', async () => {
    const { gh, client, ran } = await setup();
    gh.verdict = 'unreachable';
    const r = await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/^Blocked by Gatehouse: Gatehouse is unreachable/);
    expect(ran()).toBe(0);
  });

  it('holds a pending call until the approval, while other messages keep flowing', async () => {
    const { gh, client, ran } = await setup();
    gh.verdict = 'pending';
    const call = client.callTool({ name: 'echo', arguments: { text: 'held' } });
    await until(() => gh.release !== null);
    await client.ping(); // not blocked by the held call
    expect((await client.listTools()).tools.length).toBe(3);
    expect(ran()).toBe(0);
    gh.release!('approved');
    expect(text(await call)).toBe('held');
    expect(ran()).toBe(1);
  });

  it('blocks a pending call that is rejected', async () => {
    const { gh, client, ran } = await setup();
    gh.verdict = 'pending';
    const call = client.callTool({ name: 'echo', arguments: { text: 'held' } });
    await until(() => gh.release !== null);
    gh.release!('rejected');
    expect(text(await call)).toBe('Blocked by Gatehouse: Rejected by user');
    expect(ran()).toBe(0);
  });

  it('withdraws a held call the client cancels: the server never sees it', async () => {
    const { gh, client, ran } = await setup();
    gh.verdict = 'pending';
    const ac = new AbortController();
    const call = client.callTool({ name: 'echo', arguments: { text: 'cancel me' } }, undefined, { signal: ac.signal });
    await until(() => gh.release !== null);
    ac.abort('changed my mind');
    await expect(call).rejects.toThrow();
    await until(() => gh.withdrawals.length === 1);
    expect(gh.withdrawals[0]).toMatchObject({ id: 'act_1', body: { reason: expect.stringContaining('cancelled') } });
    gh.release!('approved'); // an approval racing the withdrawal is settled as cancelled, never run
    await until(() => gh.completes.length === 1);
    expect(gh.completes[0]!.body).toMatchObject({ status: 'failure', error: 'cancelled' });
    expect(ran()).toBe(0);
  });

  it('keeps a client with a request timeout waiting: notifications/progress while a call with a progressToken is held', async () => {
    const { gh, client, ran } = await setup(30, { progressIntervalMs: 100 });
    gh.verdict = 'pending';
    const progress: { progress: number; message?: string }[] = [];
    const call = client.callTool({ name: 'echo', arguments: { text: 'slow approval' } }, undefined, {
      timeout: 400, // far shorter than the wait for the person: only the progress keeps it alive
      resetTimeoutOnProgress: true,
      onprogress: (p) => progress.push(p),
    });
    await until(() => gh.release !== null);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(ran()).toBe(0);
    gh.release!('approved');
    expect(text(await call)).toBe('slow approval');
    const waiting = progress.filter((p) => p.message?.startsWith('Waiting for approval in Gatehouse (action act_1)'));
    expect(waiting.length).toBeGreaterThanOrEqual(5);
    expect(waiting.map((p) => p.progress)).toEqual([...waiting.keys()].map((i) => i + 1)); // increasing
    expect(progress.slice(waiting.length).map((p) => p.progress)).toEqual([1, 2, 3]); // then the server's own, relayed
  });

  it('sends no progress for a held call that did not ask for it', async () => {
    const { gh, client } = await setup(30, { progressIntervalMs: 50 });
    gh.verdict = 'pending';
    let notified = 0;
    client.fallbackNotificationHandler = async () => void notified++;
    const call = client.callTool({ name: 'echo', arguments: { text: 'quiet' } });
    await until(() => gh.release !== null);
    await new Promise((r) => setTimeout(r, 300));
    gh.release!('approved');
    await call;
    expect(notified).toBe(0);
  });

  it('withdraws a call cancelled while its submit was still in flight, once the pending action exists', async () => {
    const { gh, client, ran } = await setup();
    gh.verdict = 'pending';
    let open!: () => void;
    gh.submitGate = new Promise((r) => (open = r));
    const ac = new AbortController();
    const call = client.callTool({ name: 'echo', arguments: { text: 'early cancel' } }, undefined, { signal: ac.signal });
    await until(() => gh.submitting === 1);
    ac.abort('too slow');
    await expect(call).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 50));
    expect(gh.withdrawals).toHaveLength(0); // no action yet
    open();
    await until(() => gh.withdrawals.length === 1);
    expect(gh.withdrawals[0]!.id).toBe('act_1');
    expect(ran()).toBe(0);
  });

  it('registers once Gatehouse is back when the first registrations fail', async () => {
    const { gh } = await setup(30, { registrationRetryMs: 50 }, 2);
    await until(() => gh.registrations.length === 1);
    expect(gh.registrations[0]!.tools!.map((t) => t.name).sort()).toEqual(['ask_model', 'echo', 'fail']);
    await new Promise((r) => setTimeout(r, 300));
    expect(gh.registrations).toHaveLength(1); // and not again once it worked
  });

  it('refuses a call of a listed tool whose definition Gatehouse could not register (fail closed): it never runs', async () => {
    const { client, ran } = await setup(30, { registrationRetryMs: 60_000 }, 1_000);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('echo');
    const r = await client.callTool({ name: 'echo', arguments: { text: 'unchecked' } });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/^Blocked by Gatehouse: Gatehouse is unreachable, so tool calls are refused/);
    expect(ran()).toBe(0);
  });

  it('a client whose request timeout ends the wait cancels the call, and the approval is withdrawn', async () => {
    const { gh, client, ran } = await setup();
    gh.verdict = 'pending';
    // Registered first: a first call waits for the tool list (its pin check), which would use up the 300 ms.
    await until(() => gh.registrations.length === 1);
    const call = client.callTool({ name: 'echo', arguments: { text: 'too slow' } }, undefined, { timeout: 300 });
    await expect(call).rejects.toThrow(/timed out/i);
    await until(() => gh.withdrawals.length === 1);
    expect(gh.withdrawals[0]!.body.reason).toMatch(/cancelled/);
    expect(ran()).toBe(0);
  });
});
