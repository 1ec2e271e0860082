import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, eventually, startServer, type LiveServer } from './helpers.js';
import { linesAnswering, RawProxy, requestBody } from './mcp-raw.js';

/**
 * `gatehouse mcp-proxy --url` when the remote Streamable HTTP server ends the session (MCP spec,
 * transports, session management): it answers the session's id with 404, and a client that gets
 * that must start a new session with a new `initialize` sent without the id. The proxy's link
 * starts one whenever the client sends `initialize` while it holds a session id: the new
 * `initialize` goes out without the old `Mcp-Session-Id`, and the id the server returns is the one
 * every later POST and GET carries. Calls stay governed; every request gets exactly one answer.
 */

let server: LiveServer;
let http: Server;
let base: string;

interface Seen {
  path: string;
  method: string;
  session: string | null;
  rpc?: string;
  tool?: string;
}

const seen: Seen[] = [];
/** The sessions the server knows, per path (a path is a server of its own). */
const known = new Map<string, Set<string>>();
let issued = 0;
/** Open GET streams, per session. */
const streams = new Map<string, ServerResponse>();
/** `slow` calls held without an answer, per session. */
const held = new Map<string, { id: string; res: ServerResponse }[]>();

const json = { 'content-type': 'application/json' };
const notFound = '{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}}';

/** The server restarts: it forgets every session on `path` and its GET streams break. */
function forget(path: string): void {
  for (const sid of known.get(path) ?? []) {
    streams.get(sid)?.destroy();
    streams.delete(sid);
  }
  known.set(path, new Set());
}

beforeAll(async () => {
  server = await startServer();
  for (const id of ['sess-restart', 'sess-inflight'])
    await server.admin('POST', '/api/v1/policies', {
      id: `no-notes-${id}`,
      name: 'no notes',
      effect: 'deny',
      priority: 600,
      when: { 'mcp.server_id': id, 'mcp.tool': 'write_note' },
    });

  // A hand-written Streamable HTTP server with sessions: JSON answers, a GET stream per session, 404 for an id it does not know.
  http = createServer((req, res) => {
    void requestBody(req).then((text) => {
      const path = req.url ?? '';
      const sessions = known.get(path) ?? new Set<string>();
      known.set(path, sessions);
      const sidHeader = req.headers['mcp-session-id'];
      const sid = typeof sidHeader === 'string' ? sidHeader : null;
      const m = text ? (JSON.parse(text) as { id?: unknown; method?: string; params?: { name?: string } }) : {};
      seen.push({ path, method: req.method ?? '', session: sid, rpc: m.method, tool: m.params?.name });
      if (sid !== null && !sessions.has(sid)) {
        res.writeHead(404, json).end(notFound);
        return;
      }
      if (req.method === 'GET') {
        if (sid === null) return void res.writeHead(400).end();
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': open\n\n');
        streams.set(sid, res);
        return;
      }
      if (req.method === 'DELETE') {
        if (sid === null) return void res.writeHead(400).end();
        sessions.delete(sid);
        streams.get(sid)?.end();
        // A late answer to a call held on the ended session: the proxy must not pass it on (its request was answered).
        for (const h of held.get(sid) ?? [])
          h.res.writeHead(200, json).end(`{"jsonrpc":"2.0","id":${h.id},"result":{"content":[{"type":"text","text":"late"}]}}`);
        held.delete(sid);
        return void res.writeHead(200).end();
      }
      if (m.method === 'initialize') {
        if (sid !== null)
          return void res
            .writeHead(400, json)
            .end(`{"jsonrpc":"2.0","id":${JSON.stringify(m.id)},"error":{"code":-32600,"message":"Server already initialized"}}`);
        const fresh = `s-${++issued}`;
        sessions.add(fresh);
        res
          .writeHead(200, { ...json, 'mcp-session-id': fresh })
          .end(
            `{"jsonrpc":"2.0","id":${JSON.stringify(m.id)},"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"forgetful","version":"1"}}}`,
          );
        return;
      }
      if (sid === null)
        return void res
          .writeHead(400, json)
          .end('{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Bad Request: No valid session ID provided"}}');
      if (m.id === undefined) return void res.writeHead(202).end();
      const id = JSON.stringify(m.id);
      if (m.method === 'tools/list') {
        const tools = ['echo', 'write_note', 'slow'].map((name) => `{"name":"${name}","inputSchema":{"type":"object"}}`).join(',');
        res.writeHead(200, json).end(`{"jsonrpc":"2.0","id":${id},"result":{"tools":[${tools}]}}`);
      } else if (m.method === 'tools/call' && m.params?.name === 'slow') {
        held.set(sid, [...(held.get(sid) ?? []), { id, res }]);
      } else if (m.method === 'tools/call') {
        res.writeHead(200, json).end(`{"jsonrpc":"2.0","id":${id},"result":{"content":[{"type":"text","text":"${sid}"}]}}`);
      } else {
        res.writeHead(200, json).end(`{"jsonrpc":"2.0","id":${id},"result":{}}`);
      }
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}, 60_000);

const procs: RawProxy[] = [];
afterAll(async () => {
  for (const p of procs) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
  await server?.stop();
  http?.closeAllConnections();
  await new Promise((r) => http?.close(r));
});

const init = (id: string) =>
  `{"jsonrpc":"2.0","id":${id},"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`;
const INITIALIZED = '{"jsonrpc":"2.0","method":"notifications/initialized"}';
const call = (id: string, name: string) => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"${name}","arguments":{}}}`;

type Action = { status: string; error: string | null; mcp?: { server_id?: string; tool?: string } | null };
const actions = async (serverId: string, tool: string): Promise<Action[]> => {
  const page = await server.admin<{ items: Action[] }>('GET', '/api/v1/actions?agent_id=mcp-client&limit=500');
  return page.items.filter((a) => a.mcp?.server_id === serverId && a.mcp.tool === tool);
};

async function open(serverId: string, path: string): Promise<RawProxy> {
  const p = new RawProxy(['--server-id', serverId, '--url', `${base}${path}`], cleanEnv({ GATEHOUSE_HOME: server.dataDir }));
  procs.push(p);
  p.send(init('1'));
  await p.answer('1');
  p.send(INITIALIZED);
  return p;
}

describe('gatehouse mcp-proxy --url: a remote server that ends the session', () => {
  it('after a restart (404 for the old id), the client’s new initialize starts a new session without the old id; calls work and stay governed', async () => {
    const p = await open('sess-restart', '/restart');
    p.send(call('2', 'echo'));
    expect(JSON.parse(await p.answer('2'))).toMatchObject({ result: { content: [{ text: 's-1' }] } });
    const first = [...known.get('/restart')!][0]!;
    await eventually(() => streams.has(first)); // the SDK's GET stream, on the first session

    forget('/restart');
    p.send(call('3', 'echo'));
    expect(JSON.parse(await p.answer('3'))).toMatchObject({ id: 3, error: { code: -32603 } });

    const before = seen.length;
    p.send(init('4'));
    expect(JSON.parse(await p.answer('4'))).toMatchObject({ result: { serverInfo: { name: 'forgetful' } } });
    const reinit = seen.slice(before).find((s) => s.path === '/restart' && s.rpc === 'initialize')!;
    expect(reinit.session).toBeNull();
    const second = [...known.get('/restart')!][0]!;
    expect(second).not.toBe(first);

    p.send(INITIALIZED);
    p.send(call('5', 'echo'));
    expect(JSON.parse(await p.answer('5'))).toMatchObject({ result: { content: [{ text: second }] } });
    p.send(call('6', 'write_note'));
    expect(JSON.parse(await p.answer('6'))).toMatchObject({
      result: { isError: true, content: [{ text: expect.stringMatching(/^Blocked by Gatehouse: /) }] },
    });
    await eventually(() => streams.has(second)); // the GET stream follows the new session

    const after = seen.slice(before).filter((s) => s.path === '/restart' && s.method === 'POST');
    expect(after.filter((s) => s.rpc !== 'initialize').every((s) => s.session === second)).toBe(true);
    expect(seen.filter((s) => s.path === '/restart' && s.tool === 'write_note')).toEqual([]);
    const echoes = await eventually(async () => {
      const a = await actions('sess-restart', 'echo');
      return a.filter((x) => x.status === 'completed').length === 2 && a;
    });
    expect(echoes.filter((x) => x.status === 'failed')).toHaveLength(1); // the call refused with 404, settled
    expect((await actions('sess-restart', 'write_note')).map((a) => a.status)).toEqual(['denied']);

    await new Promise((r) => setTimeout(r, 300));
    for (const id of ['1', '2', '3', '4', '5', '6']) expect(linesAnswering(p, id), id).toHaveLength(1);
    await p.close();
  });

  it('a call in flight on the old session when the client re-initializes gets one answer, and the old session is ended', async () => {
    const p = await open('sess-inflight', '/inflight');
    const first = [...known.get('/inflight')!][0]!;
    p.send(call('"slow-1"', 'slow'));
    await eventually(() => (held.get(first) ?? []).length === 1);

    p.send(init('2'));
    expect(JSON.parse(await p.answer('2'))).toMatchObject({ result: { protocolVersion: '2025-06-18' } });
    expect(JSON.parse(await p.answer('"slow-1"'))).toMatchObject({ id: 'slow-1', error: { code: -32603 } });
    // The old session is told it ended (DELETE with its id); the late answer that then comes is not passed on.
    await eventually(() => seen.some((s) => s.path === '/inflight' && s.method === 'DELETE' && s.session === first));
    expect(known.get('/inflight')!.has(first)).toBe(false);

    p.send(INITIALIZED);
    p.send(call('3', 'echo'));
    const second = [...known.get('/inflight')!][0]!;
    expect(JSON.parse(await p.answer('3'))).toMatchObject({ result: { content: [{ text: second }] } });
    const slow = await eventually(async () => (await actions('sess-inflight', 'slow')).find((a) => a.status === 'failed'));
    expect(slow.error).toContain('the MCP session ended');

    await new Promise((r) => setTimeout(r, 300));
    expect(p.lines.some((l) => l.includes('late'))).toBe(false);
    for (const id of ['1', '"slow-1"', '2', '3']) expect(linesAnswering(p, id), id).toHaveLength(1);
    await p.close();
  });
});
