import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverIdFor } from '../../src-main/integrations/mcp-proxy/wrap-entry.js';
import { BIN, cleanEnv, connectWrapped, eventually, FS_SERVER, NODE, runCli, startServer, type LiveServer } from './helpers.js';

const ORIGINAL = 'GATEHOUSE_MCP_ORIGINAL';

/** A wrapped entry without the original it carries (and without an env left empty by that). */
function withoutOriginal(e: { env?: Record<string, string> }): object {
  const { [ORIGINAL]: _o, ...env } = e.env ?? {};
  const { env: _e, ...rest } = e;
  return Object.keys(env).length ? { ...rest, env } : rest;
}

/** `gatehouse mcp wrap --config FILE [--unwrap]` on a Claude Desktop style config. */

let server: LiveServer;
let dir: string;
/** The data dir a wrap without --data-dir or $GATEHOUSE_HOME names in each entry. */
const HOME_DIR = join(homedir(), '.gatehouse');

beforeAll(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-wrap-'));
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const config = () => ({
  globalShortcut: 'Ctrl+Space',
  mcpServers: {
    filesystem: { command: NODE, args: [FS_SERVER, dir], env: { DEBUG: '1' } },
    'My Notes': { command: 'npx', args: ['-y', 'notes-mcp'] },
    remote: { url: 'https://mcp.example.com/mcp' },
    'claude-code-remote': { type: 'http', url: 'https://api.example.com/mcp', headers: { Authorization: 'Bearer t0k' } },
    legacy: { type: 'sse', url: 'https://old.example.com/sse' },
    bare: { command: 'uvx' },
  },
});

describe('gatehouse mcp wrap', () => {
  it('wraps local and remote servers (HTTP+SSE ones too), keeps the rest; idempotent; --unwrap restores', async () => {
    const file = join(dir, 'claude_desktop_config.json');
    const original = config();
    const originalText = JSON.stringify(original, null, 2);
    writeFileSync(file, originalText);
    const env = cleanEnv();
    const r1 = await runCli(['mcp', 'wrap', '--config', file], null, env);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stdout).toMatch(/wrapped legacy \(remote, HTTP\+SSE, server id legacy\)/);
    const wrappedText = readFileSync(file, 'utf8');
    const w = JSON.parse(wrappedText);
    // Each wrapped entry carries its original, exactly; the rest of each entry is compared without it.
    for (const name of ['filesystem', 'My Notes', 'remote', 'claude-code-remote', 'legacy', 'bare']) {
      expect(w.mcpServers[name].env[ORIGINAL], name).toMatch(/^[A-Za-z0-9+/]+=*$/);
      w.mcpServers[name] = withoutOriginal(w.mcpServers[name]);
    }
    expect(w.globalShortcut).toBe('Ctrl+Space');
    // A server on the HTTP+SSE transport (2024-11-05): behind the proxy like any remote one, its `type` kept for --unwrap.
    expect(w.mcpServers.legacy).toEqual({
      type: 'stdio',
      command: NODE,
      args: [BIN, 'mcp-proxy', '--server-id', 'legacy', '--data-dir', HOME_DIR, '--url', 'https://old.example.com/sse'],
      env: { GATEHOUSE_MCP_REMOTE: JSON.stringify({ type: 'sse', env: false }) },
    });
    expect(w.mcpServers.remote).toEqual({
      command: NODE,
      args: [BIN, 'mcp-proxy', '--server-id', 'remote', '--data-dir', HOME_DIR, '--url', 'https://mcp.example.com/mcp'],
    });
    // A remote entry's headers go to the proxy through its env, never onto its command line.
    expect(w.mcpServers['claude-code-remote']).toEqual({
      type: 'stdio',
      command: NODE,
      args: [BIN, 'mcp-proxy', '--server-id', 'claude-code-remote', '--data-dir', HOME_DIR, '--url', 'https://api.example.com/mcp'],
      env: { GATEHOUSE_MCP_REMOTE: JSON.stringify({ type: 'http', headers: { Authorization: 'Bearer t0k' }, env: false }) },
    });
    expect(JSON.stringify(w.mcpServers['claude-code-remote'].args)).not.toContain('t0k');
    expect(w.mcpServers.filesystem).toEqual({
      command: NODE,
      args: [BIN, 'mcp-proxy', '--server-id', 'filesystem', '--data-dir', HOME_DIR, '--', NODE, FS_SERVER, dir],
      env: { DEBUG: '1' },
    });
    expect(w.mcpServers['My Notes'].args).toEqual([
      BIN,
      'mcp-proxy',
      '--server-id',
      'My-Notes',
      '--data-dir',
      HOME_DIR,
      '--',
      'npx',
      '-y',
      'notes-mcp',
    ]);
    expect(w.mcpServers.bare.args).toEqual([BIN, 'mcp-proxy', '--server-id', 'bare', '--data-dir', HOME_DIR, '--', 'uvx']);
    expect(readFileSync(`${file}.gatehouse.bak`, 'utf8')).toBe(originalText);

    const r2 = await runCli(['mcp', 'wrap', '--config', file], null, env);
    expect(r2.stdout).toMatch(/already behind Gatehouse/);
    expect(readFileSync(file, 'utf8')).toBe(wrappedText);

    const r3 = await runCli(['mcp', 'wrap', '--config', file, '--unwrap'], null, env);
    expect(r3.code, r3.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(originalText);
    // The backup of the original is still the original (unwrap kept the wrapped version elsewhere).
    expect(readFileSync(`${file}.gatehouse.bak`, 'utf8')).toBe(originalText);
  });

  it('the wrapped entry runs the server behind Gatehouse', async () => {
    const file = join(dir, 'cursor-mcp.json');
    writeFileSync(file, JSON.stringify(config()));
    expect((await runCli(['mcp', 'wrap', '--config', file, '--data-dir', server.dataDir], null, cleanEnv())).code).toBe(0);
    // The client's own environment, without GATEHOUSE_HOME: the entry names the data dir itself.
    const client = await connectWrapped(JSON.parse(readFileSync(file, 'utf8')).mcpServers.filesystem, 'wrap-test');
    try {
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
      await eventually(async () =>
        (await server.admin<{ items: { server_id: string }[] }>('GET', '/mcp/servers')).items.some((s) => s.server_id === 'filesystem'),
      );
    } finally {
      await client.close();
    }
  });

  it('refuses a file that is not valid JSON or has no mcpServers', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "mcpServers": ');
    const r = await runCli(['mcp', 'wrap', '--config', bad], null, cleanEnv());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not valid JSON/);
    expect(readFileSync(bad, 'utf8')).toBe('{ "mcpServers": ');
    const none = join(dir, 'none.json');
    writeFileSync(none, '{"other": {}}');
    const r2 = await runCli(['mcp', 'wrap', '--config', none], null, cleanEnv());
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/no "mcpServers"/);
  });

  it('wraps a VS Code config ("servers") and restores it', async () => {
    const file = join(dir, 'mcp.json');
    const original = {
      inputs: [],
      servers: {
        fs: { type: 'stdio', command: NODE, args: [FS_SERVER, dir] },
        web: { type: 'http', url: 'http://127.0.0.1:9/mcp' },
      },
    };
    writeFileSync(file, JSON.stringify(original));
    // $GATEHOUSE_HOME names the data dir as --data-dir would.
    expect((await runCli(['mcp', 'wrap', '--config', file], null, cleanEnv({ GATEHOUSE_HOME: server.dataDir }))).code).toBe(0);
    const w = JSON.parse(readFileSync(file, 'utf8'));
    expect(w.servers.fs).toMatchObject({
      type: 'stdio',
      command: NODE,
      args: [BIN, 'mcp-proxy', '--server-id', 'fs', '--data-dir', server.dataDir, '--', NODE, FS_SERVER, dir],
    });
    expect(w.servers.web).toMatchObject({
      type: 'stdio',
      command: NODE,
      args: [BIN, 'mcp-proxy', '--server-id', 'web', '--data-dir', server.dataDir, '--url', 'http://127.0.0.1:9/mcp'],
    });
    expect((await runCli(['mcp', 'wrap', '--config', file, '--unwrap'], null, cleanEnv())).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(JSON.stringify(original));
  });

  it('derives valid server ids from config names', () => {
    expect(serverIdFor('My Notes')).toBe('My-Notes');
    expect(serverIdFor('github.com/x')).toBe('github.com-x');
    expect(serverIdFor('***')).toBe('server');
  });
});
