import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, eventually, NODE, startServer, type LiveServer } from './helpers.js';

/**
 * The proxy in front of the reference `@modelcontextprotocol/server-everything`, driven by the
 * SDK's client with every client capability: tools, progress, large content, sampling and
 * elicitation requests from the server, resources and prompts (with `--govern-reads`), tasks, and
 * the registration of a tool list that changes right after initialisation.
 */

const EVERYTHING = join(
  createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/package.json'),
  '..',
  'dist',
  'index.js',
);

let server: LiveServer;
const clients: Client[] = [];

async function connect(serverId: string, extra: string[] = []): Promise<Client> {
  const transport = new StdioClientTransport({
    command: NODE,
    args: [BIN, 'mcp-proxy', '--server-id', serverId, ...extra, '--', NODE, EVERYTHING, 'stdio'],
    env: cleanEnv({ GATEHOUSE_HOME: server.dataDir }),
    stderr: 'pipe',
  });
  const client = new Client(
    { name: 'everything-test', version: '1' },
    {
      capabilities: {
        sampling: {},
        elicitation: {},
        roots: { listChanged: true },
        tasks: { requests: { elicitation: { create: {} }, sampling: { createMessage: {} } } },
      },
    },
  );
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({
    role: 'assistant',
    model: 'fake',
    content: { type: 'text', text: 'sampled!' },
  }));
  client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { interpretation: 'the first one' } }));
  client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///tmp', name: 'tmp' }] }));
  await client.connect(transport);
  clients.push(client);
  return client;
}

const text = (r: unknown) => ((r as CallToolResult).content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('');

async function actions(serverId: string) {
  const page = await server.admin<{
    items: {
      action_id: string;
      action_type: string;
      status: string;
      resource: string | null;
      mcp: { server_id: string; tool?: string } | null;
      result?: unknown;
    }[];
  }>('GET', '/api/v1/actions?agent_id=mcp-client&limit=500');
  return page.items.filter((a) => a.mcp?.server_id === serverId);
}

beforeAll(async () => {
  server = await startServer();
  await server.admin('POST', '/api/v1/policies', {
    id: 'no-everything-env',
    name: 'no env dumps',
    effect: 'deny',
    priority: 600,
    when: { 'mcp.server_id': 'everything*', 'mcp.tool': 'get-env' },
  });
  await server.admin('POST', '/api/v1/policies', {
    id: 'no-static-docs',
    name: 'no reading the static documents',
    effect: 'deny',
    priority: 600,
    when: { action_type: 'mcp.resource_read', resource: 'demo://resource/static/document/*' },
  });
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await server?.stop();
});

describe('gatehouse mcp-proxy in front of server-everything', { timeout: 90_000 }, () => {
  it('relays tools, progress, large content and the server’s own requests; refuses a denied tool', async () => {
    const client = await connect('everything');
    expect(client.getServerVersion()?.name).toMatch(/everything/i);
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toEqual(expect.arrayContaining(['echo', 'get-sum', 'get-tiny-image', 'trigger-long-running-operation']));

    expect(text(await client.callTool({ name: 'echo', arguments: { message: 'hi there' } }))).toContain('hi there');
    expect(text(await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 40 } }))).toContain('42');
    const image = (await client.callTool({ name: 'get-tiny-image', arguments: {} })) as CallToolResult;
    expect(image.content.some((c) => c.type === 'image' && c.data.length > 100)).toBe(true);

    const progress: number[] = [];
    await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.6, steps: 3 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    // All three are relayed in order before the result; the SDK client dispatches a progress
    // notification a microtask late, so when the last one and the result arrive in one read it
    // drops that one (the same happens without the proxy). The first two always arrive.
    expect(progress.slice(0, 2)).toEqual([1, 2]);
    expect([
      [1, 2],
      [1, 2, 3],
    ]).toContainEqual(progress);

    // The server asks the client's model (sampling) in the middle of a call: relayed both ways.
    expect(text(await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'x', maxTokens: 5 } }))).toContain(
      'sampled!',
    );

    const denied = await client.callTool({ name: 'get-env', arguments: {} });
    expect(denied.isError).toBe(true);
    expect(text(denied)).toMatch(/^Blocked by Gatehouse: .*no-everything-env/);

    await eventually(async () => (await actions('everything')).filter((a) => a.status === 'completed').length >= 4);
  });

  it('registers the tools it ends up with, serially, without a duplicate registration or alert', async () => {
    await connect('everything-reg');
    const s = await eventually(async () => {
      const page = await server.admin<{ items: { server_id: string; tools: { name: string }[]; tool_pins: { status: string }[] }[] }>(
        'GET',
        '/mcp/servers',
      );
      const x = page.items.find((i) => i.server_id === 'everything-reg');
      return x && x.tools.some((t) => t.name === 'simulate-research-query') ? x : null;
    });
    expect(s.tool_pins.every((p) => p.status === 'pinned')).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    const page = await server.admin<{ items: { type: string; data: Record<string, unknown> }[] }>('GET', '/api/v1/audit?limit=1000');
    const mine = page.items.filter((r) => r.data.server_id === 'everything-reg');
    expect(mine.filter((r) => r.type === 'mcp.server_registered')).toHaveLength(1);
    expect(mine.filter((r) => r.type === 'alert.triggered')).toHaveLength(0);

    // A second session of the same server writes nothing at all.
    await connect('everything-reg');
    await new Promise((r) => setTimeout(r, 1_500));
    const again = await server.admin<{ items: { type: string; data: Record<string, unknown> }[] }>('GET', '/api/v1/audit?limit=1000');
    expect(again.items.filter((r) => r.data.server_id === 'everything-reg')).toHaveLength(mine.length);
  });

  it('with --govern-reads decides resources/read and prompts/get', async () => {
    const client = await connect('everything-reads', ['--govern-reads']);
    const { resources } = await client.listResources();
    const doc = resources.find((r) => r.uri.startsWith('demo://resource/static/document/'));
    expect(doc).toBeDefined();
    await expect(client.readResource({ uri: doc!.uri })).rejects.toThrow(/Blocked by Gatehouse: .*no-static-docs/);

    const { prompts } = await client.listPrompts();
    const simple = prompts.find((p) => !p.arguments?.length)!;
    const got = await client.getPrompt({ name: simple.name });
    expect(got.messages.length).toBeGreaterThan(0);

    const recorded = await eventually(async () => {
      const a = await actions('everything-reads');
      return a.some((x) => x.action_type === 'mcp.prompt_get' && x.status === 'completed') ? a : null;
    });
    expect(recorded.find((x) => x.action_type === 'mcp.resource_read')).toMatchObject({ status: 'denied', resource: doc!.uri });
  });

  it('settles a task-based tool call with the task’s real result when it ends', async () => {
    const client = await connect('everything-tasks');
    const { tools } = await client.listTools();
    const research = tools.find((t) => t.name === 'simulate-research-query');
    expect(research).toBeDefined();
    const seen: string[] = [];
    let final: CallToolResult | undefined;
    for await (const m of client.experimental.tasks.callToolStream(
      { name: 'simulate-research-query', arguments: { topic: 'governance' } },
      CallToolResultSchema,
      {
        task: { ttl: 60_000 },
      },
    )) {
      seen.push(m.type);
      if (m.type === 'taskCreated') {
        const open = await eventually(async () =>
          (await actions('everything-tasks')).find((a) => a.mcp?.tool === 'simulate-research-query'),
        );
        expect(open.status).toBe('allowed'); // the task is working: not completed yet
      }
      if (m.type === 'result') final = m.result as CallToolResult;
    }
    expect(seen[0]).toBe('taskCreated');
    expect(final).toBeDefined();
    const done = await eventually(async () =>
      (await actions('everything-tasks')).find((a) => a.mcp?.tool === 'simulate-research-query' && a.status !== 'allowed'),
    );
    expect(done.status).toBe('completed');
    expect(JSON.stringify(done.result)).toContain(JSON.stringify(text(final)).slice(1, 30));
  });
});
