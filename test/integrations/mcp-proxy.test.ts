import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ListRootsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, eventually, FS_SERVER, NODE, startServer, type LiveServer } from './helpers.js';

/** The MCP governance proxy (SPEC 9.2) in front of the real filesystem server, driven by a real MCP client. */

let server: LiveServer;
let root: string;
const clients: Client[] = [];

async function connect(
  o: { serverId?: string; env?: Record<string, string>; roots?: () => void; extraArgs?: string[] } = {},
): Promise<Client> {
  const transport = new StdioClientTransport({
    command: NODE,
    args: [BIN, 'mcp-proxy', '--server-id', o.serverId ?? 'fs', ...(o.extraArgs ?? []), '--', NODE, FS_SERVER, root],
    env: o.env ?? cleanEnv({ GATEHOUSE_HOME: server.dataDir }),
    stderr: 'pipe',
  });
  const client = new Client(
    { name: 'gatehouse-test', version: '1.0.0' },
    { capabilities: o.roots ? { roots: { listChanged: true } } : {} },
  );
  if (o.roots) {
    const seen = o.roots;
    client.setRequestHandler(ListRootsRequestSchema, () => {
      seen();
      return { roots: [{ uri: `file://${root}`, name: 'test root' }] };
    });
  }
  await client.connect(transport);
  clients.push(client);
  return client;
}

const text = (r: unknown) => ((r as CallToolResult).content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('');

async function actionsFor(tool: string) {
  const page = await server.admin<{ items: Record<string, unknown>[] }>('GET', '/api/v1/actions?agent_id=mcp-client&limit=200');
  return page.items.filter((a) => (a.mcp as { tool?: string } | null)?.tool === tool);
}

beforeAll(async () => {
  server = await startServer();
  root = mkdtempSync(join(tmpdir(), 'gatehouse-fs-'));
  writeFileSync(join(root, 'hello.txt'), 'hello from the filesystem server\n');
  await server.admin('POST', '/api/v1/policies', {
    id: 'mcp-deny-write',
    name: 'no writes',
    effect: 'deny',
    priority: 600,
    when: { action_type: 'mcp.tool_call', 'mcp.tool': 'write_file' },
  });
  await server.admin('POST', '/api/v1/policies', {
    id: 'mcp-approve-mkdir',
    name: 'mkdir needs approval',
    effect: 'require_approval',
    priority: 600,
    when: { 'mcp.tool': 'create_directory' },
  });
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await server?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('gatehouse mcp-proxy with a real MCP client and server', () => {
  it('relays initialize, tools/list and server-to-client requests (roots/list)', async () => {
    let rootsAsked = 0;
    const client = await connect({ roots: () => rootsAsked++ });
    expect(client.getServerVersion()?.name).toBe('secure-filesystem-server');
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['read_text_file', 'write_file', 'create_directory', 'list_directory']));
    await eventually(() => rootsAsked > 0); // the filesystem server asks the client for its roots, through the proxy
    await client.ping();
  });

  it('registers the server and its tool list', async () => {
    await connect();
    const fs = await eventually(async () => {
      const page = await server.admin<{
        items: { server_id: string; name: string | null; command: string | null; tools: { name: string }[] }[];
      }>('GET', '/mcp/servers');
      const s = page.items.find((x) => x.server_id === 'fs');
      return s && s.tools.length > 0 ? s : null;
    });
    expect(fs.name).toBe('secure-filesystem-server');
    expect(fs.command).toContain(FS_SERVER);
    expect(fs.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['read_text_file', 'write_file']));
  });

  it('forwards an allowed call and reports its completion', async () => {
    const client = await connect();
    const file = join(root, 'hello.txt');
    const r = await client.callTool({ name: 'read_text_file', arguments: { path: file } });
    expect(r.isError).toBeFalsy();
    expect(text(r)).toContain('hello from the filesystem server');
    const a = await eventually(async () =>
      (await actionsFor('read_text_file')).find((x) => x.status === 'completed' && x.resource === file),
    );
    expect(a).toMatchObject({
      action_type: 'mcp.tool_call',
      tool_name: 'read_text_file',
      mcp: { server_id: 'fs', tool: 'read_text_file' },
      parameters: { path: file },
    });
  });

  it('reports a tool error as a failed action', async () => {
    const client = await connect();
    const missing = join(root, 'missing.txt');
    const r = await client.callTool({ name: 'read_text_file', arguments: { path: missing } });
    expect(r.isError).toBe(true);
    expect(text(r)).not.toContain('Blocked by Gatehouse');
    await eventually(async () => (await actionsFor('read_text_file')).find((x) => x.resource === missing && x.status === 'failed'));
  });

  it('blocks a denied write without calling the server', async () => {
    const client = await connect();
    const file = join(root, 'denied.txt');
    const r = await client.callTool({ name: 'write_file', arguments: { path: file, content: 'should not exist' } });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/^Blocked by Gatehouse: /);
    expect(text(r)).toContain('mcp-deny-write');
    expect(existsSync(file)).toBe(false);
  });

  it('holds a call for approval and forwards it once approved', async () => {
    const client = await connect();
    const dir = join(root, 'approved-dir');
    const [r, id] = await Promise.all([
      client.callTool({ name: 'create_directory', arguments: { path: dir } }, undefined, { timeout: 30_000 }),
      server.resolveWhenPending((a) => a.resource === dir, 'approve'),
    ]);
    expect(r.isError).toBeFalsy();
    expect(existsSync(dir)).toBe(true);
    await eventually(async () => (await server.admin<{ status: string }>('GET', `/api/v1/actions/${id}/status`)).status === 'completed');
  });

  it('blocks a call whose approval is rejected', async () => {
    const client = await connect();
    const dir = join(root, 'rejected-dir');
    const [r] = await Promise.all([
      client.callTool({ name: 'create_directory', arguments: { path: dir } }, undefined, { timeout: 30_000 }),
      server.resolveWhenPending((a) => a.resource === dir, 'deny', { comment: 'no new folders' }),
    ]);
    expect(r.isError).toBe(true);
    expect(text(r)).toBe('Blocked by Gatehouse: Rejected by user — “no new folders”');
    expect(existsSync(dir)).toBe(false);
  });

  it('blocks a pending call when no decision arrives within --wait', async () => {
    const client = await connect({ extraArgs: ['--wait', '1'] });
    const dir = join(root, 'slow-dir');
    const t0 = Date.now();
    const r = await client.callTool({ name: 'create_directory', arguments: { path: dir } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/no decision within 1 s/);
    expect(existsSync(dir)).toBe(false);
  });

  it('exits when the client closes, stopping the server', async () => {
    const p = spawn(NODE, [BIN, 'mcp-proxy', '--server-id', 'fs-exit', '--', NODE, FS_SERVER, root], {
      env: cleanEnv({ GATEHOUSE_HOME: server.dataDir }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })}\n`,
    );
    await eventually(() => out.includes('"id":1'));
    for (const line of out.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow(); // only MCP messages on stdout
    const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
    p.stdin.end();
    expect(await exited).toBe(0);
  });

  it("propagates the server's exit code", async () => {
    const p = spawn(NODE, [BIN, 'mcp-proxy', '--server-id', 'crash', '--', NODE, '-e', 'process.exit(3)'], {
      env: cleanEnv({ GATEHOUSE_HOME: server.dataDir }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const code = await new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
    expect(code).toBe(3);
  });
});

describe('gatehouse mcp-proxy when the console is unreachable', () => {
  it('refuses tool calls (fail closed) but keeps relaying the rest', async () => {
    const client = await connect({
      serverId: 'fs-down',
      env: cleanEnv({ GATEHOUSE_URL: 'http://127.0.0.1:9', GATEHOUSE_API_KEY: 'gk_agent_x' }),
    });
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    const r = await client.callTool({ name: 'read_text_file', arguments: { path: join(root, 'hello.txt') } });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/^Blocked by Gatehouse: Gatehouse is unreachable/);
  });

  it('refuses once the server has stopped', async () => {
    const client = await connect({ serverId: 'fs-stop' });
    const ok = await client.callTool({ name: 'read_text_file', arguments: { path: join(root, 'hello.txt') } });
    expect(ok.isError).toBeFalsy();
    await server.stop();
    const r = await client.callTool({ name: 'read_text_file', arguments: { path: join(root, 'hello.txt') } });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/^Blocked by Gatehouse: Gatehouse is unreachable/);
  });
});
