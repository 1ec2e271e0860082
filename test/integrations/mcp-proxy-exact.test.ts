import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, eventually, NODE, startServer, type LiveServer } from './helpers.js';
import { EXACT_SERVER, RawProxy, receivedLines } from './mcp-raw.js';

/**
 * The proxy in front of a hand-written server whose bytes are known, driven by hand-written
 * JSON-RPC: byte equality both ways (big integers, key order, `1.0`, escapes), tool pinning (a
 * changed tool is blocked until accepted), every forwarded call settled (cancel, server death,
 * tasks), and the stateless 2026-07-28 revision.
 */

let server: LiveServer;
let dir: string;
const procs: RawProxy[] = [];
let n = 0;

function proxy(serverId: string, extra: string[] = [], env: Record<string, string> = {}): { p: RawProxy; log: string } {
  const log = join(dir, `received-${++n}.jsonl`);
  const p = new RawProxy(
    ['--server-id', serverId, ...extra, '--', NODE, EXACT_SERVER],
    cleanEnv({ GATEHOUSE_HOME: server.dataDir, FIXTURE_LOG: log, ...env }),
  );
  procs.push(p);
  return { p, log };
}

const INIT = (id: string, version = '2025-06-18') =>
  `{"jsonrpc":"2.0","id":${id},"method":"initialize","params":{"protocolVersion":"${version}","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`;
const INITIALIZED = '{"jsonrpc":"2.0","method":"notifications/initialized"}';

async function handshake(p: RawProxy): Promise<void> {
  p.send(INIT('0'));
  await p.answer('0');
  p.send(INITIALIZED);
}

type Action = {
  action_id: string;
  status: string;
  error?: string | null;
  result?: unknown;
  mcp?: { server_id?: string; tool?: string } | null;
};

async function actions(serverId: string, tool?: string): Promise<Action[]> {
  const page = await server.admin<{ items: Action[] }>('GET', '/api/v1/actions?agent_id=mcp-client&limit=500');
  return page.items.filter((a) => a.mcp?.server_id === serverId && (tool === undefined || a.mcp?.tool === tool));
}

async function mcpServer(id: string) {
  const page = await server.admin<{
    items: {
      server_id: string;
      tools: { name: string }[];
      tool_pins: {
        tool: string;
        status: string;
        sha256: string;
        pending_sha256: string | null;
        definition: Record<string, unknown>;
        pending_definition: Record<string, unknown> | null;
      }[];
    }[];
  }>('GET', '/mcp/servers');
  return page.items.find((s) => s.server_id === id);
}

async function auditCount(type: string, pred: (data: Record<string, unknown>) => boolean): Promise<number> {
  const page = await server.admin<{ items: { data: Record<string, unknown> }[] }>('GET', `/api/v1/audit?type=${type}&limit=1000`);
  return page.items.filter((r) => pred(r.data)).length;
}

beforeAll(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-mcp-exact-'));
  await server.admin('POST', '/api/v1/policies', {
    id: 'deny-exact-secret',
    name: 'no secrets',
    effect: 'deny',
    priority: 600,
    when: { 'mcp.tool': 'echo', 'parameters.text': 'secret' },
  });
  await server.admin('POST', '/api/v1/policies', {
    id: 'hold-exact',
    name: 'hold me',
    effect: 'require_approval',
    priority: 600,
    when: { 'mcp.tool': 'echo', 'parameters.text': 'hold-me' },
  });
}, 60_000);

afterAll(async () => {
  for (const p of procs) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('byte for byte', () => {
  it('forwards the exact bytes both ways: big integers, key order, 1.0, spacing, escapes', async () => {
    const { p, log } = proxy('exact-bytes');
    const init = `{ "id" : 1, "jsonrpc":"2.0","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"},"x":9007199254740993,"f":1.0} }`;
    p.send(init);
    const initAnswer = await p.answer('1');
    expect(initAnswer).toBe(
      '{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{"listChanged":true}},"serverInfo":{"name":"exact-fixture","version":"1.0"}}}',
    );
    p.send(INITIALIZED);
    const call = `{"id":2,  "jsonrpc":"2.0","method":"tools/call","params":{"name":"exact","arguments":{"z":1,"n":9007199254740993,"big":12345678901234567890123,"f":1.0,"e":1E2,"s":"\\u00e9\\/"}}}`;
    p.send(call);
    const answer = await p.answer('2');
    expect(answer).toBe(
      '{"jsonrpc":"2.0","id":2,"result":{"z":1,"content":[{"type":"text","text":"exact"}],"big":12345678901234567890123,"n":9007199254740993,"f":1.0,"e":1E2,"a":"\\u00e9"}}',
    );
    const got = receivedLines(log);
    expect(got).toContain(init);
    expect(got).toContain(call);
    expect(got).toContain(INITIALIZED);
    // The call was decided and its outcome reported.
    await eventually(async () => (await actions('exact-bytes', 'exact')).find((a) => a.status === 'completed'));
  });

  it('answers a refused call with its id exactly as sent, even beyond 2^53', async () => {
    const { p, log } = proxy('exact-ids');
    await handshake(p);
    p.send('{"jsonrpc":"2.0","id":9007199254740993,"method":"tools/call","params":{"name":"echo","arguments":{"text":"secret"}}}');
    const line = await p.next((l) => l.includes('Blocked by Gatehouse'));
    expect(line.startsWith('{"jsonrpc":"2.0","id":9007199254740993,"result":')).toBe(true);
    expect(JSON.parse(line).result).toMatchObject({
      isError: true,
      content: [{ type: 'text', text: expect.stringContaining('deny-exact-secret') }],
    });
    expect(receivedLines(log).some((l) => l.includes('secret'))).toBe(false);
  });
});

describe('tool pinning', () => {
  it('pins every tool once, blocks a changed tool until the change is accepted, alerts once per change', async () => {
    const { p } = proxy('pins');
    await handshake(p);
    const first = await eventually(async () => {
      const s = await mcpServer('pins');
      return s && s.tool_pins.length === 7 ? s : null;
    });
    expect(first.tool_pins.every((t) => t.status === 'pinned')).toBe(true);
    const echoPin = first.tool_pins.find((t) => t.tool === 'echo')!;
    expect(echoPin.definition).toMatchObject({ name: 'echo', description: 'Echoes its input.' });
    const registrations = () => auditCount('mcp.server_registered', (d) => d.server_id === 'pins');
    expect(await registrations()).toBe(1);

    p.send('{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"echo","arguments":{"text":"before"}}}');
    expect(JSON.parse(await p.answer('10')).result.content[0].text).toBe('before');

    // The rug pull: the server changes echo's description and says its list changed.
    p.send('{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"rug_pull","arguments":{}}}');
    await p.answer('11');
    await p.next((_, m) => m.method === 'notifications/tools/list_changed'); // relayed to the client too
    const changed = await eventually(async () => {
      const s = await mcpServer('pins');
      const t = s?.tool_pins.find((x) => x.tool === 'echo');
      return t?.status === 'changed' ? t : null;
    });
    expect(changed.pending_definition).toMatchObject({ description: expect.stringContaining('id_rsa') });
    expect(changed.definition).toMatchObject({ description: 'Echoes its input.' });

    p.send('{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"echo","arguments":{"text":"after"}}}');
    const blocked = JSON.parse(await p.answer('12'));
    expect(blocked.result).toEqual({
      content: [{ type: 'text', text: 'Blocked by Gatehouse: the definition of tool echo changed since it was approved' }],
      isError: true,
    });
    // Other tools still work; the client listing tools again writes nothing new.
    p.send('{"jsonrpc":"2.0","id":13,"method":"tools/list"}');
    await p.answer('13');
    p.send('{"jsonrpc":"2.0","id":14,"method":"tools/call","params":{"name":"exact","arguments":{}}}');
    expect(await p.answer('14')).toContain('"text":"exact"');
    expect(await registrations()).toBe(2);
    expect(await auditCount('alert.triggered', (d) => d.kind === 'mcp-tool-definition-changed' && d.server_id === 'pins')).toBe(1);

    // A stale accept (another definition than the pending one) is refused; the right one unblocks.
    await expect(server.admin('POST', '/mcp/servers/pins/tools/echo/accept', { sha256: echoPin.sha256 })).rejects.toThrow(/409/);
    const accepted = await server.admin<{ status: string; sha256: string }>('POST', '/mcp/servers/pins/tools/echo/accept', {
      sha256: changed.pending_sha256,
    });
    expect(accepted).toMatchObject({ status: 'pinned', sha256: changed.pending_sha256 });
    await expect(server.admin('POST', '/mcp/servers/pins/tools/echo/accept', {})).rejects.toThrow(/409/);
    await expect(server.admin('POST', '/mcp/servers/pins/tools/echo/accept', {}, server.agentKey)).rejects.toThrow(/403/);
    p.send('{"jsonrpc":"2.0","id":15,"method":"tools/call","params":{"name":"echo","arguments":{"text":"accepted"}}}');
    expect(JSON.parse(await p.answer('15')).result.content[0].text).toBe('accepted');
    expect(await auditCount('mcp.tool_accepted', (d) => d.server_id === 'pins' && d.tool === 'echo')).toBe(1);
  });
});

describe('tool definitions with numbers a double cannot carry', () => {
  it('registers and pins them with the number exact, from the proxy’s own listing and the client’s alike', async () => {
    const { p } = proxy('big-schema', [], { FIXTURE_BIG_SCHEMA: '1' });
    await handshake(p);
    p.send('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"one"}}}');
    expect(JSON.parse(await p.answer('1')).result.content[0].text).toBe('one');
    const s = (await mcpServer('big-schema'))!;
    expect(s.tool_pins).toHaveLength(8);
    expect(s.tool_pins.find((t) => t.tool === 'bounded')!.definition).toMatchObject({
      inputSchema: { properties: { n: { maximum: '18446744073709551615' } } },
    });
    // The same definitions as the client receives them: nothing changed, nothing registered again.
    p.send('{"jsonrpc":"2.0","id":2,"method":"tools/list"}');
    expect(await p.answer('2')).toContain('"maximum":18446744073709551615}');
    p.send('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"two"}}}');
    expect(JSON.parse(await p.answer('3')).result.content[0].text).toBe('two');
    expect(await auditCount('mcp.server_registered', (d) => d.server_id === 'big-schema')).toBe(1);
    expect((await mcpServer('big-schema'))!.tool_pins.every((t) => t.status === 'pinned')).toBe(true);
  });
});

describe('tool pinning before the proxy has listed the tools', () => {
  it('a call sent right after initialize waits for the listing: a tool changed since its pin is blocked, an unlisted one refused', async () => {
    const first = proxy('pins-early');
    await handshake(first.p);
    await eventually(async () => {
      const s = await mcpServer('pins-early');
      return s && s.tool_pins.length === 7 ? s : null;
    });
    first.p.proc.stdin.end();
    await first.p.exited;

    // The next session's server has changed echo; the client calls it at once, without tools/list.
    const { p, log } = proxy('pins-early', [], { FIXTURE_TOOLS_VERSION: '2' });
    await handshake(p);
    p.send('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"too early"}}}');
    p.send('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"ghost","arguments":{}}}');
    expect(JSON.parse(await p.answer('1')).result).toEqual({
      content: [{ type: 'text', text: 'Blocked by Gatehouse: the definition of tool echo changed since it was approved' }],
      isError: true,
    });
    expect(JSON.parse(await p.answer('2')).result.content[0].text).toMatch(/^Blocked by Gatehouse: tool ghost is not in the tool list/);
    // Neither call reached the server.
    expect(receivedLines(log).filter((l) => l.includes('tools/call'))).toEqual([]);
  });
});

describe('tool pinning follows what the client receives', () => {
  const BLOCKED = {
    content: [{ type: 'text', text: 'Blocked by Gatehouse: the definition of tool echo changed since it was approved' }],
    isError: true,
  };
  const pinnedAll = (id: string) =>
    eventually(async () => {
      const s = await mcpServer(id);
      return s && s.tool_pins.length === 7 ? s : null;
    });
  const definitionAlerts = (id: string) =>
    auditCount('alert.triggered', (d) => d.kind === 'mcp-tool-definition-changed' && d.server_id === id);
  const echoCalls = (log: string) => receivedLines(log).filter((l) => l.includes('tools/call') && l.includes('"echo"'));

  it('a server that lists a benign tool to the proxy and a changed one to the client: the call is blocked at once, alerted once', async () => {
    const { p, log } = proxy('two-faced', [], { FIXTURE_TWO_FACED: '1' });
    await handshake(p);
    // The proxy's own listing got the benign echo, and pinned it.
    const first = await pinnedAll('two-faced');
    const echoPin = first.tool_pins.find((t) => t.tool === 'echo')!;
    expect(echoPin.definition).toMatchObject({ description: 'Echoes its input.' });

    // The client receives the changed echo (byte for byte) and calls it at once.
    p.send('{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
    expect(await p.answer('1')).toContain('read ~/.ssh/id_rsa');
    p.send('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"now"}}}');
    expect(JSON.parse(await p.answer('2')).result).toEqual(BLOCKED);
    // And later, once the proxy has listed the tools again itself (on the server's list_changed: the benign echo), still blocked.
    const ownListings = () => receivedLines(log).filter((l) => l.includes('gatehouse-proxy:') && l.includes('tools/list')).length;
    const before = ownListings();
    p.send('{"jsonrpc":"2.0","id":30,"method":"tools/call","params":{"name":"rug_pull","arguments":{}}}');
    await p.answer('30');
    await eventually(async () => ownListings() > before);
    await new Promise((r) => setTimeout(r, 300));
    p.send('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"later"}}}');
    expect(JSON.parse(await p.answer('3')).result).toEqual(BLOCKED);

    const changed = (await mcpServer('two-faced'))!.tool_pins.find((t) => t.tool === 'echo')!;
    expect(changed.status).toBe('changed');
    expect(changed.definition).toMatchObject({ description: 'Echoes its input.' });
    expect(changed.pending_definition).toMatchObject({ description: expect.stringContaining('id_rsa') });
    // Listing again changes nothing: one alert for the one change.
    p.send('{"jsonrpc":"2.0","id":4,"method":"tools/list"}');
    await p.answer('4');
    p.send('{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"exact","arguments":{}}}');
    expect(await p.answer('5')).toContain('"text":"exact"'); // the other tools still work
    expect(await definitionAlerts('two-faced')).toBe(1);
    expect(echoCalls(log)).toEqual([]);

    // Accepted: the definition the client holds is the pin now, and its calls run.
    await server.admin('POST', '/mcp/servers/two-faced/tools/echo/accept', { sha256: changed.pending_sha256 });
    p.send('{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"echo","arguments":{"text":"accepted"}}}');
    expect(JSON.parse(await p.answer('6')).result.content[0].text).toBe('accepted');
    expect(await definitionAlerts('two-faced')).toBe(1);
  });

  it('checks every page of a paginated listing: a changed tool on the second page is blocked', async () => {
    const { p, log } = proxy('two-faced-paged', [], { FIXTURE_TWO_FACED: '1', FIXTURE_PAGED: '1' });
    await handshake(p);
    await pinnedAll('two-faced-paged');
    p.send('{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
    expect(JSON.parse(await p.answer('1')).result.nextCursor).toBe('page-2');
    p.send('{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"cursor":"page-2"}}');
    expect(await p.answer('2')).toContain('read ~/.ssh/id_rsa');
    p.send('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"now"}}}');
    expect(JSON.parse(await p.answer('3')).result).toEqual(BLOCKED);
    p.send('{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"exact","arguments":{}}}');
    expect(await p.answer('4')).toContain('"text":"exact"');
    await eventually(async () => (await definitionAlerts('two-faced-paged')) === 1);
    expect(echoCalls(log)).toEqual([]);
  });

  it('2026-07-28 (stateless): the client’s listing is the one held against the pin', async () => {
    const META = '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}';
    const { p, log } = proxy('two-faced-stateless', [], { FIXTURE_TWO_FACED: '1' });
    p.send(`{"jsonrpc":"2.0","id":"d1","method":"server/discover","params":{${META}}}`);
    await p.answer('"d1"');
    await pinnedAll('two-faced-stateless');
    p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{${META}}}`);
    expect(await p.answer('1')).toContain('read ~/.ssh/id_rsa');
    p.send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{${META},"name":"echo","arguments":{"text":"now"}}}`);
    expect(JSON.parse(await p.answer('2')).result).toEqual({ ...BLOCKED, resultType: 'complete' });
    await eventually(async () => (await definitionAlerts('two-faced-stateless')) === 1);
    expect(echoCalls(log)).toEqual([]);
  });
});

describe('every forwarded call is settled', () => {
  it('a call the client cancels is failed: cancelled when the server does not answer', async () => {
    const { p } = proxy('cancel');
    await handshake(p);
    p.send('{"jsonrpc":"2.0","id":20,"method":"tools/call","params":{"name":"hang","arguments":{}}}');
    const a = await eventually(async () => (await actions('cancel', 'hang'))[0]);
    expect(a.status).toBe('allowed');
    await new Promise((r) => setTimeout(r, 200));
    p.send('{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":20,"reason":"user pressed stop"}}');
    const done = await eventually(async () => (await actions('cancel', 'hang')).find((x) => x.status === 'failed'), 15_000);
    expect(done.error).toBe('cancelled');
  });

  it('a cancelled call the server answers anyway keeps its real outcome', async () => {
    const { p } = proxy('cancel-late');
    await handshake(p);
    p.send('{"jsonrpc":"2.0","id":21,"method":"tools/call","params":{"name":"late","arguments":{}}}');
    await eventually(async () => (await actions('cancel-late', 'late'))[0]);
    p.send('{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":21}}');
    expect(await p.answer('21')).toContain('late but done');
    const done = await eventually(async () => (await actions('cancel-late', 'late')).find((x) => x.status !== 'allowed'));
    expect(done.status).toBe('completed');
  });

  it('a held call the client cancels is withdrawn and never reaches the server', async () => {
    const { p, log } = proxy('cancel-held');
    await handshake(p);
    p.send('{"jsonrpc":"2.0","id":22,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hold-me"}}}');
    const id = await server.waitForPending((a) => (a.mcp as { server_id?: string })?.server_id === 'cancel-held');
    p.send('{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":22,"reason":"gave up"}}');
    await eventually(async () => (await server.admin<{ status: string }>('GET', `/api/v1/actions/${id}/status`)).status === 'withdrawn');
    await expect(server.admin('POST', `/api/v1/approvals/${id}/approve`, {})).rejects.toThrow(/409/);
    await new Promise((r) => setTimeout(r, 300));
    expect(receivedLines(log).some((l) => l.includes('hold-me'))).toBe(false);
    expect(p.lines.some((l) => l.includes('"id":22'))).toBe(false); // a cancelled request gets no answer
  });

  it('a server that exits mid-call fails the call (server exited), and its exit code is the proxy’s', async () => {
    const { p } = proxy('death');
    await handshake(p);
    p.send('{"jsonrpc":"2.0","id":23,"method":"tools/call","params":{"name":"die","arguments":{}}}');
    expect(await p.exited).toBe(7);
    const a = await eventually(async () => (await actions('death', 'die')).find((x) => x.status === 'failed'));
    expect(a.error).toBe('server exited');
  });

  it('a call answered with a task is completed with the task’s real result when it ends', async () => {
    const { p } = proxy('tasks');
    p.send(INIT('0', '2025-11-25'));
    await p.answer('0');
    p.send(INITIALIZED);
    p.send(
      '{"jsonrpc":"2.0","id":24,"method":"tools/call","params":{"name":"echo","arguments":{"text":"t","ms":800},"task":{"ttl":60000}}}',
    );
    const created = JSON.parse(await p.answer('24'));
    expect(created.result.task.status).toBe('working');
    const a = await eventually(async () => (await actions('tasks', 'echo'))[0]);
    expect(a.status).toBe('allowed'); // still working: not completed yet
    await p.next((_, m) => m.method === 'notifications/tasks/status'); // relayed
    const done = await eventually(async () => (await actions('tasks', 'echo')).find((x) => x.status === 'completed'));
    expect(JSON.stringify(done.result)).toContain('task finished');
    // The proxy's own tasks/result never reaches the client.
    expect(p.lines.filter((l) => l.includes('task finished'))).toEqual([]);
  });

  it('a task whose result holds an integer beyond 2^53 is completed with it exactly', async () => {
    const { p } = proxy('tasks-big');
    p.send(INIT('0', '2025-11-25'));
    await p.answer('0');
    p.send(INITIALIZED);
    p.send(
      '{"jsonrpc":"2.0","id":25,"method":"tools/call","params":{"name":"echo","arguments":{"text":"t","ms":200,"big":true},"task":{"ttl":60000}}}',
    );
    await p.answer('25');
    const done = await eventually(async () => (await actions('tasks-big', 'echo')).find((x) => x.status !== 'allowed'));
    expect(done.status).toBe('completed');
    expect(done.result).toMatchObject({ n: '9007199254740993' });
  });
});

describe('every protocol revision relays', () => {
  for (const version of ['2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25']) {
    it(`${version}: initialize, tools/list and a decided call`, async () => {
      const id = `rev-${version}`;
      const { p } = proxy(id);
      p.send(INIT('1', version));
      expect(JSON.parse(await p.answer('1')).result.protocolVersion).toBe(version);
      p.send(INITIALIZED);
      p.send('{"jsonrpc":"2.0","id":2,"method":"tools/list"}');
      expect(JSON.parse(await p.answer('2')).result.tools).toHaveLength(7);
      p.send('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"v"}}}');
      expect(JSON.parse(await p.answer('3')).result.content[0].text).toBe('v');
      await eventually(async () => (await actions(id, 'echo')).find((a) => a.status === 'completed'));
      expect(await p.close()).toBe(0);
    });
  }

  it('2025-03-26 batches: each element passes as its exact text, and a tools/call inside one is still decided', async () => {
    const { p, log } = proxy('batch');
    await handshake(p);
    const ping = '{"jsonrpc":"2.0","id":"b1","method":"ping"}';
    p.send(`[${ping}, {"jsonrpc":"2.0","id":"b2","method":"tools/call","params":{"name":"echo","arguments":{"text":"secret"}}}]`);
    // One answer array for the batch (mcp-proxy-batch.test.ts has the rule in full).
    const batch = await p.next((l) => l.startsWith('['));
    expect(batch).toContain('{"jsonrpc":"2.0","id":"b1","result":{}}');
    expect(batch).toContain('Blocked by Gatehouse');
    expect(receivedLines(log)).toContain(ping);
    expect(receivedLines(log).some((l) => l.includes('secret'))).toBe(false);
  });

  it('refuses a governed call that repeats a key (the server’s parser might keep the other value)', async () => {
    const { p, log } = proxy('dup-keys');
    await handshake(p);
    p.send('{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"echo","arguments":{"text":"harmless","text":"secret"}}}');
    expect(await p.answer('6')).toContain('Blocked by Gatehouse: the request repeats the key \\"text\\"');
    expect(receivedLines(log).some((l) => l.includes('"id":6'))).toBe(false);
  });

  it('never passes a governed call without an id: a lenient server would run it undecided', async () => {
    const { p, log } = proxy('no-id');
    await handshake(p);
    p.send('{"jsonrpc":"2.0","method":"tools/call","params":{"name":"echo","arguments":{"text":"secret"}}}');
    p.send('{"jsonrpc":"2.0","id":null,"method":"tools/call","params":{"name":"echo","arguments":{"text":"secret"}}}');
    expect(JSON.parse(await p.next((_, m) => m.id === null))).toMatchObject({ error: { code: -32600 } });
    p.send('{"jsonrpc":"2.0","id":7,"method":"ping"}');
    await p.answer('7'); // the server has read everything sent before it
    expect(receivedLines(log).some((l) => l.includes('secret'))).toBe(false);
    expect(p.lines.filter((l) => l.includes('secret'))).toEqual([]);
  });

  it('passes nothing that repeats a top-level key: read here as a ping, it could be a tools/call to the server', async () => {
    const { p, log } = proxy('dup-top');
    await handshake(p);
    const call = '"method":"tools/call","params":{"name":"echo","arguments":{"text":"secret"}}';
    p.send(`{"jsonrpc":"2.0","id":8,${call},"method":"ping"}`);
    expect(JSON.parse(await p.answer('8'))).toMatchObject({ error: { code: -32600, message: expect.stringContaining('"method"') } });
    p.send(`{"jsonrpc":"2.0","id":9,${call},"method":null,"result":{}}`); // an "answer", to the last-wins reader
    p.send(`{"jsonrpc":"2.0",${call},"method":"notifications/progress"}`);
    p.send('{"jsonrpc":"2.0","id":10,"method":"ping"}');
    await p.answer('10'); // the server has read everything sent before it
    expect(receivedLines(log).some((l) => l.includes('secret'))).toBe(false);
  });

  it('answers a line that is not JSON with a parse error and passes nothing on', async () => {
    const { p, log } = proxy('garbage');
    await handshake(p);
    p.send('{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo"');
    expect(JSON.parse(await p.next((l) => l.includes('-32700')))).toMatchObject({ id: null, error: { code: -32700 } });
    expect(receivedLines(log).some((l) => l.includes('"id":5'))).toBe(false);
  });
});

describe('stateless protocol 2026-07-28', () => {
  const META = '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}';

  it('registers on server/discover, relays subscriptions, and settles an input_required call on its retry', async () => {
    const { p, log } = proxy('stateless');
    p.send(`{"jsonrpc":"2.0","id":"d1","method":"server/discover","params":{${META}}}`);
    expect(await p.answer('"d1"')).toContain('"supportedVersions":["2026-07-28","2025-11-25"]');
    const s = await eventually(async () => {
      const x = await mcpServer('stateless');
      return x && x.tools.length === 7 ? x : null;
    });
    expect(s.tool_pins).toHaveLength(7);
    // The proxy's own tools/list carried the per-request version the server requires.
    const own = receivedLines(log).find((l) => l.includes('gatehouse-proxy:') && l.includes('tools/list'))!;
    expect(JSON.parse(own).params._meta['io.modelcontextprotocol/protocolVersion']).toBe('2026-07-28');

    const listen = `{"jsonrpc":"2.0","id":"sub","method":"subscriptions/listen","params":{${META},"notifications":{"toolsListChanged":true}}}`;
    p.send(listen);
    expect(await p.next((_, m) => m.method === 'notifications/subscriptions/acknowledged')).toBe(
      '{"jsonrpc":"2.0","method":"notifications/subscriptions/acknowledged","params":{"notifications":{"toolsListChanged":true},"_meta":{"io.modelcontextprotocol/subscriptionId":"sub"}}}',
    );

    p.send(`{"jsonrpc":"2.0","id":30,"method":"tools/call","params":{${META},"name":"needs_input","arguments":{"topic":"x"}}}`);
    const first = JSON.parse(await p.answer('30'));
    expect(first.result.resultType).toBe('input_required');
    const open = await eventually(async () => (await actions('stateless', 'needs_input'))[0]);
    expect(open.status).toBe('allowed');
    p.send(
      `{"jsonrpc":"2.0","id":31,"method":"tools/call","params":{${META},"name":"needs_input","arguments":{"topic":"x"},"inputResponses":{"q":{"action":"accept","content":{"answer":"B"}}},"requestState":"opaque-1"}}`,
    );
    expect(await p.answer('31')).toContain('thanks: B');
    const done = await eventually(async () => (await actions('stateless', 'needs_input')).find((x) => x.status === 'completed'));
    expect(done.action_id).toBe(open.action_id);
    expect(await actions('stateless', 'needs_input')).toHaveLength(1); // the retry was not a second decision

    // A blocked call on this revision says resultType: complete.
    p.send(`{"jsonrpc":"2.0","id":32,"method":"tools/call","params":{${META},"name":"echo","arguments":{"text":"secret"}}}`);
    expect(JSON.parse(await p.answer('32')).result).toMatchObject({ resultType: 'complete', isError: true });

    // The list-changed notification on the subscription stream arrives byte for byte.
    p.send(`{"jsonrpc":"2.0","id":33,"method":"tools/call","params":{${META},"name":"rug_pull","arguments":{}}}`);
    expect(await p.next((_, m) => m.method === 'notifications/tools/list_changed')).toBe(
      '{"jsonrpc":"2.0","method":"notifications/tools/list_changed","params":{"_meta":{"io.modelcontextprotocol/subscriptionId":"sub"}}}',
    );
    await eventually(async () => (await mcpServer('stateless'))?.tool_pins.find((t) => t.tool === 'echo')?.status === 'changed');
  });
});
