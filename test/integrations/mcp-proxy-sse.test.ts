import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { wrapRemoteEntry } from '../../src-main/integrations/mcp-proxy/wrap-entry.js';
import { BIN, cleanEnv, connectWrapped, eventually, NODE, startServer, type LiveServer } from './helpers.js';
import { RawProxy, requestBody } from './mcp-raw.js';

/**
 * `gatehouse mcp-proxy --url` in front of a server on the HTTP+SSE transport of 2024-11-05 (a GET
 * opens an SSE stream whose first event, `endpoint`, names where to POST; answers come back as
 * `message` events). The proxy tries Streamable HTTP first and falls back when the first POST is
 * refused with 400/404/405 (MCP spec, transports, backwards compatibility). One server is
 * hand-written (known bytes), one is the SDK's own SSEServerTransport.
 */

let server: LiveServer;
let legacy: Server;
let other: Server;
let sdkSse: Server;
let base: string;
let otherBase: string;
let sdkUrl: string;
/** Every request the hand-written server saw: method, path, its X-Api-Key header. */
const hits: { method: string; path: string; key: string }[] = [];
/** The exact bodies POSTed to its message endpoint. */
const received: string[] = [];
/** Requests that reached the server on another origin (must stay 0). */
let otherHits = 0;
let notesWritten = 0;
let sdkWrites = 0;
const procs: RawProxy[] = [];
const clients: Client[] = [];

const TOOLS =
  '{"tools":[{"inputSchema":{"type":"object","properties":{"path":{"type":"string"}}},"name":"write_note","description":"writes a note"},' +
  '{"inputSchema":{"type":"object"},"name":"echo"},{"name":"hang","inputSchema":{"type":"object"}},{"name":"broken","inputSchema":{"type":"object"}}]}';

async function listen(s: Server): Promise<string> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

interface Session {
  res: ServerResponse;
  /** At /dies/sse: the stream ends when a call of `hang` comes. */
  dies: boolean;
}

/** What the hand-written server answers, on the session's stream. */
function answer(s: Session, text: string): void {
  const m = JSON.parse(text) as { id?: unknown; method?: string; params?: { name?: string } };
  if (m.id === undefined) return;
  const id = JSON.stringify(m.id); // the proxy's own requests have string ids
  const send = (json: string) => s.res.write(`event: message\ndata: ${json}\n\n`);
  if (m.method === 'initialize')
    send(
      `{"jsonrpc":"2.0","id":${id},"result":{"protocolVersion":"2024-11-05","capabilities":{"tools":{}},"serverInfo":{"name":"legacy-sse","version":"1"}}}`,
    );
  else if (m.method === 'tools/list') send(`{"jsonrpc":"2.0","id":${id},"result":${TOOLS}}`);
  else if (m.method === 'tools/call') {
    const name = m.params?.name;
    if (name === 'write_note') notesWritten++;
    if (name === 'hang') {
      if (s.dies) s.res.end();
      return;
    }
    send(
      `{"jsonrpc":"2.0","id":${id},"result":{"z":0,"content":[{"type":"text","text":"ran ${name}"}],"n":12345678901234567890,"a":{"y":1,"x":2},"f":1.0}}`,
    );
  } else send(`{"jsonrpc":"2.0","id":${id},"result":{}}`);
}

beforeAll(async () => {
  server = await startServer();
  await server.admin('POST', '/api/v1/policies', {
    id: 'no-sse-notes',
    name: 'no notes over sse',
    effect: 'deny',
    priority: 600,
    when: { 'mcp.tool': 'write_note' },
  });

  other = createServer((_req, res) => {
    otherHits++;
    res.writeHead(202).end();
  });
  otherBase = await listen(other);

  // A hand-written HTTP+SSE server behind an API key. POST to the SSE URL: 405 (a GET-only route).
  const sessions = new Map<string, Session>();
  let seq = 0;
  legacy = createServer((req, res) => {
    void requestBody(req).then((text) => {
      const u = new URL(req.url ?? '/', 'http://x');
      hits.push({ method: req.method ?? '', path: u.pathname, key: String(req.headers['x-api-key']) });
      if (req.headers['x-api-key'] !== 'k3y') {
        res.writeHead(401).end();
        return;
      }
      if (u.pathname.endsWith('/sse')) {
        if (req.method !== 'GET') {
          res.writeHead(405, { 'content-type': 'text/plain' }).end('Method Not Allowed');
          return;
        }
        const sid = String(++seq);
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const endpoint = u.pathname === '/evil/sse' ? `${otherBase}/messages?session=${sid}` : `/messages?session=${sid}`;
        res.write(`: hello\n\nevent: endpoint\ndata: ${endpoint}\n\n`);
        sessions.set(sid, { res, dies: u.pathname === '/dies/sse' });
        return;
      }
      const s = u.pathname === '/messages' && req.method === 'POST' ? sessions.get(u.searchParams.get('session') ?? '') : undefined;
      if (!s) {
        res.writeHead(404).end();
        return;
      }
      received.push(text);
      if (text.includes('"name":"broken"')) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
        return;
      }
      res.writeHead(202).end('Accepted');
      answer(s, text);
    });
  });
  base = await listen(legacy);

  // The SDK's own (deprecated) HTTP+SSE server transport: a real legacy server.
  const transports = new Map<string, SSEServerTransport>();
  sdkSse = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && u.pathname === '/sse') {
      const t = new SSEServerTransport('/messages', res);
      transports.set(t.sessionId, t);
      const s = new McpServer({ name: 'sdk-sse-server', version: '1.0.0' });
      s.registerTool('echo', { description: 'echo text', inputSchema: { text: z.string() } }, async ({ text }) => ({
        content: [{ type: 'text', text }],
      }));
      s.registerTool('write_note', { description: 'writes a note', inputSchema: { path: z.string() } }, async () => {
        sdkWrites++;
        return { content: [{ type: 'text', text: 'written' }] };
      });
      void s.connect(t);
      return;
    }
    const t = req.method === 'POST' && u.pathname === '/messages' ? transports.get(u.searchParams.get('sessionId') ?? '') : undefined;
    if (t) void t.handlePostMessage(req, res);
    else res.writeHead(404).end('Not Found');
  });
  sdkUrl = `${await listen(sdkSse)}/sse`;
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  for (const p of procs) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
  await server?.stop();
  for (const s of [legacy, other, sdkSse]) {
    s?.closeAllConnections();
    await new Promise((r) => s?.close(r));
  }
});

const INIT =
  '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}';

function proxy(serverId: string, path: string): RawProxy {
  const p = new RawProxy(
    ['--server-id', serverId, '--url', `${base}${path}`, '--header', 'X-Api-Key: k3y'],
    cleanEnv({ GATEHOUSE_HOME: server.dataDir }),
  );
  procs.push(p);
  return p;
}

type Action = { status: string; error: string | null; mcp?: { server_id?: string; tool?: string } | null };
const actionOf = (serverId: string, status: string) =>
  eventually(async () => {
    const page = await server.admin<{ items: Action[] }>('GET', '/api/v1/actions?agent_id=mcp-client&limit=500');
    return page.items.find((a) => a.mcp?.server_id === serverId && a.status === status);
  });

const text = (r: unknown) => ((r as CallToolResult).content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('');

describe('gatehouse mcp-proxy --url on an HTTP+SSE server (2024-11-05)', () => {
  it('relays byte for byte both ways, decides each call, and sends --header on the GET and every POST', async () => {
    const from = hits.length;
    const p = proxy('sse-raw', '/sse');
    p.send(INIT);
    expect(await p.answer('1')).toBe(
      '{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2024-11-05","capabilities":{"tools":{}},"serverInfo":{"name":"legacy-sse","version":"1"}}}',
    );
    expect(received).toContain(INIT);
    p.send('{"jsonrpc":"2.0","method":"notifications/initialized"}');
    p.send('{"jsonrpc":"2.0","id":2,"method":"tools/list"}');
    expect(await p.answer('2')).toBe(`{"jsonrpc":"2.0","id":2,"result":${TOOLS}}`);

    // Allowed: reaches the server as the exact text the client wrote; its answer comes back as the server wrote it.
    const call = '{"id":3,"jsonrpc":"2.0","method":"tools/call","params":{"arguments":{"big":98765432109876543210,"f":1.0},"name":"echo"}}';
    p.send(call);
    expect(await p.answer('3')).toBe(
      '{"jsonrpc":"2.0","id":3,"result":{"z":0,"content":[{"type":"text","text":"ran echo"}],"n":12345678901234567890,"a":{"y":1,"x":2},"f":1.0}}',
    );
    expect(received).toContain(call);

    // Denied: answered by the proxy, never sent.
    p.send('{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"write_note","arguments":{"path":"/tmp/n"}}}');
    const denied = JSON.parse(await p.answer('4')) as { result: CallToolResult };
    expect(denied.result.isError).toBe(true);
    expect(text(denied.result)).toMatch(/^Blocked by Gatehouse: .*no-sse-notes/);
    expect(notesWritten).toBe(0);
    expect(received.some((r) => r.includes('"write_note"') && r.includes('tools/call'))).toBe(false);

    const mine = hits.slice(from);
    expect(mine.filter((h) => h.method === 'GET')).toHaveLength(1);
    expect(mine.filter((h) => h.path === '/messages').length).toBeGreaterThanOrEqual(4);
    expect(mine.every((h) => h.key === 'k3y')).toBe(true);
    await actionOf('sse-raw', 'completed');
    await p.close();
  });

  it('tries Streamable HTTP first: the POST answered 405 makes it GET the same URL and carry on over HTTP+SSE', async () => {
    const from = hits.length;
    const p = proxy('sse-fallback', '/sse');
    p.send(INIT);
    await p.answer('1');
    expect(hits.slice(from, from + 3).map((h) => `${h.method} ${h.path}`)).toEqual(['POST /sse', 'GET /sse', 'POST /messages']);
    expect(p.stderr).toMatch(/HTTP\+SSE transport \(2024-11-05\)/);
    await p.close();
  });

  it('refuses a message endpoint on another origin: nothing is sent there, the request is answered with an error', async () => {
    const p = proxy('sse-evil', '/evil/sse');
    p.send(INIT);
    const err = (JSON.parse(await p.answer('1')) as { error: { code: number; message: string } }).error;
    expect(err.code).toBe(-32603);
    expect(err.message).toMatch(/MCP server unavailable: .*another origin/);
    p.send('{"jsonrpc":"2.0","id":2,"method":"tools/list"}');
    expect(JSON.parse(await p.answer('2')).error).toMatchObject({ code: -32603 });
    expect(otherHits).toBe(0);
    await p.close();
  });

  it('the stream ending mid-call answers the call with an error and settles it as failed', async () => {
    const p = proxy('sse-dies', '/dies/sse');
    p.send(INIT);
    await p.answer('1');
    p.send('{"jsonrpc":"2.0","method":"notifications/initialized"}');
    p.send('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"hang","arguments":{}}}');
    expect(JSON.parse(await p.answer('2')).error).toMatchObject({
      code: -32603,
      message: expect.stringContaining('closed the stream before answering'),
    });
    const failed = await actionOf('sse-dies', 'failed');
    expect(failed.mcp?.tool).toBe('hang');
    await p.exited;
  });

  it('a message the server refuses (HTTP 500 on its POST) is answered with an error and its call settled as failed', async () => {
    const p = proxy('sse-broken', '/sse');
    p.send(INIT);
    await p.answer('1');
    p.send('{"jsonrpc":"2.0","method":"notifications/initialized"}');
    p.send('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"broken","arguments":{}}}');
    expect(JSON.parse(await p.answer('2')).error).toMatchObject({
      code: -32603,
      message: expect.stringMatching(/MCP server unavailable: .*HTTP 500: boom/),
    });
    expect((await actionOf('sse-broken', 'failed')).error).toContain('MCP server unavailable');
    await p.close();
  });

  it('runs the SDK’s HTTP+SSE server for an SDK stdio client, as an entry wrapped by `mcp wrap` (type "sse")', async () => {
    const entry = wrapRemoteEntry('sdk sse', { type: 'sse', url: sdkUrl }, { node: NODE, bin: BIN, dataDir: server.dataDir });
    const client = await connectWrapped(entry, 'stdio-only-client');
    clients.push(client);
    expect(client.getServerVersion()?.name).toBe('sdk-sse-server');
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['echo', 'write_note']);
    expect(text(await client.callTool({ name: 'echo', arguments: { text: 'over sse' } }))).toBe('over sse');
    const denied = await client.callTool({ name: 'write_note', arguments: { path: '/tmp/x' } });
    expect(text(denied)).toMatch(/^Blocked by Gatehouse: /);
    expect(sdkWrites).toBe(0);
    await eventually(async () => {
      const page = await server.admin<{ items: { server_id: string; tool_pins: unknown[] }[] }>('GET', '/mcp/servers');
      return page.items.find((s) => s.server_id === 'sdk-sse' && s.tool_pins.length === 2);
    });
  });
});
