import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, eventually, startServer, type LiveServer } from './helpers.js';
import { linesAnswering, RawProxy, requestBody } from './mcp-raw.js';

/**
 * `gatehouse mcp-proxy --url` when the remote Streamable HTTP server refuses a POST with an HTTP
 * error status (MCP spec, transports: e.g. 400 for a protocol version or header it does not take,
 * 404 for a session it no longer knows). A body that is the server's own JSON-RPC error answer to
 * the request the POST carried is that request's answer and passes byte for byte (SPEC 9.2: every
 * message the proxy does not produce); any other refusal gets the proxy's generic error. Either way
 * a request gets exactly one answer, and an allowed call is settled as failed.
 */

let server: LiveServer;
let http: Server;
let base: string;
const gets = new Map<string, number>();
const procs: RawProxy[] = [];

/** The server's own error for a request: keys out of the usual order, a space, and a 20-digit integer no double holds. */
const ownError = (id: string) =>
  `{"error":{"message":"Unsupported protocol version", "data":{"supported":["2025-06-18"],"trace":12345678901234567890},"code":-32602},"id":${id},"jsonrpc":"2.0"}`;
const expired = (id: string) => `{"jsonrpc":"2.0","id":${id},"error":{"code":-32001,"message":"Session not found"}}`;

const TOOLS = ['own', 'expired', 'html', 'empty', 'null_id', 'other_id', 'result'];

beforeAll(async () => {
  server = await startServer();
  // A hand-written Streamable HTTP server: JSON answers; each tool's call is refused its own way.
  http = createServer((req, res) => {
    void requestBody(req).then((text) => {
      const path = req.url ?? '';
      if (req.method !== 'POST') {
        gets.set(path, (gets.get(path) ?? 0) + 1);
        res.writeHead(405).end();
        return;
      }
      const m = JSON.parse(text) as { id?: number | string; method?: string; params?: { name?: string } };
      if (m.id === undefined) {
        res.writeHead(202).end();
        return;
      }
      const id = JSON.stringify(m.id);
      const json = { 'content-type': 'application/json' };
      if (m.method === 'initialize') {
        // At /refuse-init the first message is refused with the server's own error, at /html-init with a page.
        if (path === '/refuse-init') res.writeHead(400, json).end(ownError(id));
        else if (path === '/html-init') res.writeHead(400, { 'content-type': 'text/html' }).end('<html><body>Bad Request</body></html>');
        else
          res
            .writeHead(200, { ...json, 'mcp-session-id': 'refusing-session' })
            .end(
              `{"jsonrpc":"2.0","id":${id},"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"refusing","version":"1"}}}`,
            );
      } else if (m.method === 'tools/list') {
        const tools = TOOLS.map((name) => `{"name":"${name}","inputSchema":{"type":"object"}}`).join(',');
        res.writeHead(200, json).end(`{"jsonrpc":"2.0","id":${id},"result":{"tools":[${tools}]}}`);
      } else if (m.method === 'ping') {
        res.writeHead(200, json).end(`{"jsonrpc":"2.0","id":${id},"result":{}}`);
      } else {
        switch (m.params?.name) {
          case 'own':
            res.writeHead(400, json).end(`${ownError(id)}\n`);
            break;
          case 'expired':
            res.writeHead(404, json).end(expired(id));
            break;
          case 'html':
            res.writeHead(500, { 'content-type': 'text/html' }).end('<html><body><h1>500 Internal Server Error</h1></body></html>');
            break;
          case 'empty':
            res.writeHead(400).end();
            break;
          case 'null_id':
            res.writeHead(400, json).end('{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Bad Request"}}');
            break;
          case 'other_id':
            res.writeHead(400, json).end('{"jsonrpc":"2.0","id":999,"error":{"code":-32602,"message":"someone else"}}');
            break;
          case 'result':
            res.writeHead(400, json).end(`{"jsonrpc":"2.0","id":${id},"result":{"content":[]}}`);
            break;
          default:
            res.writeHead(200, json).end(`{"jsonrpc":"2.0","id":${id},"result":{"content":[]}}`);
        }
      }
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  for (const p of procs) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
  await server?.stop();
  http?.closeAllConnections();
  await new Promise((r) => http?.close(r));
});

const INIT =
  '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}';

async function session(serverId: string, path = '/mcp'): Promise<RawProxy> {
  const p = new RawProxy(['--server-id', serverId, '--url', `${base}${path}`], cleanEnv({ GATEHOUSE_HOME: server.dataDir }));
  procs.push(p);
  p.send(INIT);
  await p.answer('1');
  p.send('{"jsonrpc":"2.0","method":"notifications/initialized"}');
  return p;
}

const call = (id: string, name: string) => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"${name}","arguments":{}}}`;

/** Every line the proxy wrote that answers `id`: once its first answer is in and a later request has been answered (a second answer would be in by then). */
async function answersTo(p: RawProxy, id: string, probe: string): Promise<string[]> {
  await p.answer(id);
  p.send(`{"jsonrpc":"2.0","id":"${probe}","method":"ping"}`);
  await p.answer(`"${probe}"`);
  await new Promise((r) => setTimeout(r, 300));
  return linesAnswering(p, id);
}

type Action = { status: string; error: string | null; mcp?: { server_id?: string; tool?: string } | null };
const failedCall = (serverId: string, tool: string) =>
  eventually(async () => {
    const page = await server.admin<{ items: Action[] }>('GET', '/api/v1/actions?agent_id=mcp-client&limit=500');
    return page.items.find((a) => a.mcp?.server_id === serverId && a.mcp.tool === tool && a.status === 'failed');
  });

describe('gatehouse mcp-proxy --url: a POST the remote server refuses', () => {
  it('with its own JSON-RPC error for the call: that error reaches the client byte for byte, once, and the call is settled failed with it', async () => {
    const p = await session('refusing-own');
    p.send(call('2', 'own'));
    expect(await answersTo(p, '2', 'probe-own')).toEqual([ownError('2')]);
    const failed = await failedCall('refusing-own', 'own');
    expect(failed.error).toBe('MCP error -32602: Unsupported protocol version');

    // A 404 for a session the server no longer knows, with the request's id: the server's answer too.
    p.send(call('"x-3"', 'expired'));
    expect(await answersTo(p, '"x-3"', 'probe-expired')).toEqual([expired('"x-3"')]);
    expect((await failedCall('refusing-own', 'expired')).error).toBe('MCP error -32001: Session not found');
    await p.close();
  });

  it('tells the server’s own answer from everything else: a page, no body, an id-less error, another id or a result get the generic error, once', async () => {
    const p = await session('refusing-other');
    const generic = ['html', 'empty', 'null_id', 'other_id', 'result'];
    generic.forEach((name, i) => p.send(call(String(10 + i), name)));
    p.send(call('20', 'own')); // and, among them, the one that is the server's answer
    for (const [i, name] of generic.entries()) {
      const id = String(10 + i);
      const got = await answersTo(p, id, `probe-${name}`);
      expect(got, name).toHaveLength(1);
      expect(JSON.parse(got[0]!), name).toMatchObject({
        jsonrpc: '2.0',
        id: 10 + i,
        error: { code: -32603, message: expect.stringContaining('MCP server unavailable') },
      });
      expect((await failedCall('refusing-other', name)).error, name).toContain('MCP server unavailable');
    }
    expect(await answersTo(p, '20', 'probe-20')).toEqual([ownError('20')]);
    await p.close();
  });

  it('a batch of calls refused one by one with the server’s own errors: one answer array of their exact texts', async () => {
    const p = await session('refusing-batch');
    p.send(`[${call('"a"', 'own')},${call('"b"', 'expired')}]`);
    const line = await p.next((l) => l.startsWith('['));
    expect([`[${ownError('"a"')},${expired('"b"')}]`, `[${expired('"b"')},${ownError('"a"')}]`]).toContain(line);
    await new Promise((r) => setTimeout(r, 300));
    expect(p.lines.filter((l) => l.includes('"id":"a"') || l.includes('"id":"b"'))).toEqual([line]);
    await p.close();
  });

  it('the first message refused with the server’s own error is its answer (no HTTP+SSE fallback); with a page, the fallback is still tried', async () => {
    const own = new RawProxy(
      ['--server-id', 'refusing-init', '--url', `${base}/refuse-init`],
      cleanEnv({ GATEHOUSE_HOME: server.dataDir }),
    );
    procs.push(own);
    own.send(INIT);
    expect(await answersTo(own, '1', 'probe-init')).toEqual([ownError('1')]);
    expect(gets.get('/refuse-init') ?? 0).toBe(0);
    await own.close();

    const page = new RawProxy(['--server-id', 'refusing-html', '--url', `${base}/html-init`], cleanEnv({ GATEHOUSE_HOME: server.dataDir }));
    procs.push(page);
    page.send(INIT);
    const got = await answersTo(page, '1', 'probe-html');
    expect(got).toHaveLength(1);
    expect(JSON.parse(got[0]!)).toMatchObject({ id: 1, error: { code: -32603, message: expect.stringContaining('HTTP+SSE') } });
    expect(gets.get('/html-init')).toBeGreaterThan(0);
    await page.close();
  });
});
