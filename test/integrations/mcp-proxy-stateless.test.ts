import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, eventually, NODE, startServer, type LiveServer } from './helpers.js';

/**
 * The stateless 2026-07-28 revision end to end with the official SDK v2 on both sides: the SDK's
 * client pinned to 2026-07-28 (it negotiates with `server/discover` and sends its version in every
 * request's `_meta`) → `gatehouse mcp-proxy` → an SDK v2 server. A tool that answers
 * `input_required` is retried by the client with the user's input; the proxy binds the retry to
 * the call that was approved, so one approval covers it and the action is settled once.
 */

const V2_SERVER = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'mcp-v2-server.mjs');

let server: LiveServer;
const clients: Client[] = [];
let elicited = 0;

let http: HttpServer | undefined;
const seenHeaders: Record<string, string | undefined>[] = [];

/** The SDK v2 web-standard handler on node:http (the stateless revision over Streamable HTTP). */
async function startHttpServer(): Promise<string> {
  const handler = createMcpHandler(() => {
    const s = new McpServer({ name: 'v2-http-server', version: '2.0.0' }, { capabilities: { tools: {} } });
    s.registerTool('shout', { description: 'Upper-cases.', inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
      content: [{ type: 'text', text: text.toUpperCase() }],
    }));
    return s;
  });
  http = createServer((req: IncomingMessage, res: ServerResponse) => {
    seenHeaders.push({
      version: req.headers['mcp-protocol-version'] as string | undefined,
      method: req.headers['mcp-method'] as string | undefined,
      name: req.headers['mcp-name'] as string | undefined,
    });
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const response = await handler.fetch(new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers, body }));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) Readable.fromWeb(response.body as import('node:stream/web').ReadableStream).pipe(res);
      else res.end();
    })();
  });
  await new Promise<void>((r) => http!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
}

async function connect(serverId: string, target: string[] = ['--', NODE, V2_SERVER]): Promise<Client> {
  const client = new Client(
    { name: 'stateless-client', version: '1' },
    { capabilities: { elicitation: {} }, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  client.setRequestHandler('elicitation/create', async () => {
    elicited++;
    return { action: 'accept', content: { confirm: true } };
  });
  await client.connect(
    new StdioClientTransport({
      command: NODE,
      args: [BIN, 'mcp-proxy', '--server-id', serverId, ...target],
      env: cleanEnv({ GATEHOUSE_HOME: server.dataDir }),
      stderr: 'pipe',
    }),
  );
  clients.push(client);
  return client;
}

const text = (r: { content?: unknown }) => ((r.content ?? []) as { type: string; text?: string }[]).map((c) => c.text ?? '').join('');

async function actions(serverId: string) {
  const page = await server.admin<{ items: { action_id: string; status: string; mcp: { server_id: string; tool?: string } | null }[] }>(
    'GET',
    '/api/v1/actions?agent_id=mcp-client&limit=200',
  );
  return page.items.filter((a) => a.mcp?.server_id === serverId);
}

beforeAll(async () => {
  server = await startServer();
  await server.admin('POST', '/api/v1/policies', {
    id: 'deploys-need-approval',
    name: 'deploys need approval',
    effect: 'require_approval',
    priority: 600,
    when: { 'mcp.server_id': 'stateless-sdk', 'mcp.tool': 'deploy' },
  });
  await server.admin('POST', '/api/v1/policies', {
    id: 'no-secret-echo',
    name: 'no secrets',
    effect: 'deny',
    priority: 600,
    when: { 'mcp.server_id': 'stateless-sdk', 'parameters.text': 'secret' },
  });
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await server?.stop();
  http?.closeAllConnections();
  await new Promise((r) => (http ? http.close(r) : r(null)));
});

describe('2026-07-28 with the SDK v2 client and server', { timeout: 60_000 }, () => {
  it('negotiates the stateless revision through the proxy, registers on server/discover, decides calls', async () => {
    const client = await connect('stateless-sdk');
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['deploy', 'echo']);
    const registered = await eventually(async () => {
      const page = await server.admin<{ items: { server_id: string; name: string | null; tool_pins: { tool: string }[] }[] }>(
        'GET',
        '/mcp/servers',
      );
      return page.items.find((s) => s.server_id === 'stateless-sdk' && s.tool_pins.length === 2);
    });
    expect(registered.name).toBe('v2-stateless-server');

    expect(text(await client.callTool({ name: 'echo', arguments: { text: 'stateless hello' } }))).toBe('stateless hello');
    const denied = await client.callTool({ name: 'echo', arguments: { text: 'secret' } });
    expect(denied.isError).toBe(true);
    expect(text(denied)).toMatch(/^Blocked by Gatehouse: .*no-secret-echo/);
  });

  it('one approval covers a call and its input_required retry; the action is settled once', async () => {
    const client = await connect('stateless-sdk');
    const before = elicited;
    const [result, actionId] = await Promise.all([
      client.callTool({ name: 'deploy', arguments: { env: 'prod' } }, { timeout: 30_000 }),
      server.resolveWhenPending((a) => (a.mcp as { tool?: string } | null)?.tool === 'deploy', 'approve'),
    ]);
    expect(text(result)).toBe('deployed to prod');
    expect(elicited).toBe(before + 1); // the server asked, the client answered, the retry went through
    const deploys = (await actions('stateless-sdk')).filter((a) => a.mcp?.tool === 'deploy');
    expect(deploys.map((a) => a.action_id)).toEqual([actionId]);
    await eventually(
      async () => (await server.admin<{ status: string }>('GET', `/api/v1/actions/${actionId}/status`)).status === 'completed',
    );
  });

  it('over Streamable HTTP too (--url): the stateless request headers go with each request', async () => {
    const url = await startHttpServer();
    const client = await connect('stateless-http', ['--url', url]);
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    expect(text(await client.callTool({ name: 'shout', arguments: { text: 'quiet' } }))).toBe('QUIET');
    const call = seenHeaders.find((h) => h.method === 'tools/call');
    expect(call).toEqual({ version: '2026-07-28', method: 'tools/call', name: 'shout' });
    await eventually(async () => (await actions('stateless-http')).some((a) => a.mcp?.tool === 'shout' && a.status === 'completed'));
    // The proxy's own tools/list went over HTTP with the same headers, so the server is registered and pinned.
    await eventually(async () => {
      const page = await server.admin<{ items: { server_id: string; name: string | null; tool_pins: { tool: string }[] }[] }>(
        'GET',
        '/mcp/servers',
      );
      const s = page.items.find((x) => x.server_id === 'stateless-http');
      return s?.name === 'v2-http-server' && s.tool_pins.map((p) => p.tool).join() === 'shout';
    });
    expect(seenHeaders.some((h) => h.method === 'tools/list' && h.version === '2026-07-28')).toBe(true);
  });
});
