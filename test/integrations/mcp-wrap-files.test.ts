import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMcpWrap } from '../../src-main/integrations/mcp-proxy/wrap.js';
import { parseJsonc, valueOf } from '../../src-main/core/jsonc.js';
import { BIN, cleanEnv, ensureBuilt, NODE, runCli } from './helpers.js';

/**
 * `gatehouse mcp wrap` on the config files of each client, as text: every byte outside the server
 * entries it changes stays as it was, and unwrap gives back the file byte for byte.
 */

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-wrap-files-'));
  await ensureBuilt(); // the CLI and the proxy the wrapped entries run
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DATA_DIR = '/tmp/gatehouse-wrap-files-data';
const ORIGINAL = 'GATEHOUSE_MCP_ORIGINAL';

async function wrap(file: string, unwrap = false): Promise<string[]> {
  const lines: string[] = [];
  expect(await runMcpWrap({ config: file, unwrap, dataDir: DATA_DIR, node: NODE, bin: BIN, log: (l) => lines.push(l) })).toBe(0);
  return lines;
}

const read = (f: string) => readFileSync(f, 'utf8');

/** Every backup next to `file`: name → text. */
function backups(file: string): Map<string, string> {
  const base = `${basename(file)}.gatehouse.`;
  return new Map(
    readdirSync(dirname(file))
      .filter((f) => f.startsWith(base))
      .map((f) => [f, read(join(dirname(file), f))]),
  );
}

function expectBackupsKept(before: Map<string, string>, file: string): Map<string, string> {
  const now = backups(file);
  for (const [name, text] of before) expect(now.get(name), `${name} was overwritten`).toBe(text);
  return now;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Asserts that `wrapped` is `original` with only the given entry texts replaced (in order). */
function expectOnlyEntriesChanged(original: string, entries: string[], wrapped: string): void {
  const chunks: string[] = [];
  let rest = original;
  for (const e of entries) {
    const at = rest.indexOf(e);
    expect(at, `fixture: ${e} not found`).toBeGreaterThanOrEqual(0);
    chunks.push(rest.slice(0, at));
    rest = rest.slice(at + e.length);
  }
  chunks.push(rest);
  const m = new RegExp(`^${chunks.map(esc).join('([\\s\\S]*?)')}$`).exec(wrapped);
  expect(m, 'a byte outside the wrapped entries changed').not.toBeNull();
  for (let i = 1; i < chunks.length; i++) expect(m![i], `entry ${i} was not rewritten`).not.toBe(entries[i - 1]);
}

type Servers = Record<string, { command?: string; args?: string[]; env?: Record<string, string>; url?: string; type?: string }>;
const serversOf = (text: string, path: (v: Record<string, unknown>) => unknown): Servers =>
  path(valueOf(parseJsonc(text)) as Record<string, unknown>) as Servers;

/**
 * wrap → wrap (no change) → unwrap (the original, byte for byte) → wrap → unwrap (the original
 * again); no backup is ever overwritten and the first one is the original. Returns the wrapped text.
 */
async function cycle(original: string, entries: string[], name = `config-${n++}.json`): Promise<{ file: string; wrapped: string }> {
  const file = join(dir, name);
  writeFileSync(file, original);
  await wrap(file);
  const wrapped = read(file);
  expectOnlyEntriesChanged(original, entries, wrapped);
  let kept = backups(file);
  expect(kept.get(`${name}.gatehouse.bak`)).toBe(original);

  await wrap(file);
  expect(read(file), 'a second wrap changed the file').toBe(wrapped);
  kept = expectBackupsKept(kept, file);

  await wrap(file, true);
  expect(read(file), 'unwrap did not give back the original').toBe(original);
  kept = expectBackupsKept(kept, file);

  await wrap(file);
  expect(read(file)).toBe(wrapped);
  kept = expectBackupsKept(kept, file);
  await wrap(file, true);
  expect(read(file)).toBe(original);
  kept = expectBackupsKept(kept, file);
  expect(kept.get(`${name}.gatehouse.bak`)).toBe(original);
  return { file, wrapped };
}

const proxied = (args: string[] | undefined, id: string) =>
  expect(args?.slice(0, 6)).toEqual([BIN, 'mcp-proxy', '--server-id', id, '--data-dir', DATA_DIR]);

describe('gatehouse mcp wrap edits the file as text', () => {
  it('Claude Desktop, 4-space indentation: big integers, number forms and escapes elsewhere are kept', async () => {
    const fs = `{
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
            "env": {"LIMIT": "1", "SEED": 12345678901234567890}
        }`;
    const remote = `{ "url": "https://mcp.example.com/mcp", "headers": { "Authorization": "Bearer t0k" } }`;
    const original = `{
    "globalShortcut": "Ctrl+Space",
    "telemetry": {"sessionId": 9007199254740993, "ratio": 1.0, "exp": 1E+2},
    "mcpServers": {
        "fs": ${fs},
        "remote": ${remote}
    },
    "zeta": "\\u00e9\\/"
}
`;
    const { wrapped } = await cycle(original, [fs, remote]);
    expect(wrapped).toContain('"sessionId": 9007199254740993, "ratio": 1.0, "exp": 1E+2');
    // The wrapped entry is written in the file's own style, its numbers as they were.
    expect(wrapped).toContain('\n        "fs": {\n            "command": ');
    expect(wrapped).toContain('"SEED": 12345678901234567890');
    const s = serversOf(wrapped, (v) => v.mcpServers);
    proxied(s.fs!.args, 'fs');
    expect(s.fs!.args!.slice(6)).toEqual(['--', 'npx', '-y', '@modelcontextprotocol/server-filesystem', '/tmp']);
    // A remote entry: the proxy in front of its url; its headers in the env, never on the command line.
    expect(s.remote!.command).toBe(NODE);
    expect(s.remote!.args!.slice(6)).toEqual(['--url', 'https://mcp.example.com/mcp']);
    expect(JSON.parse(s.remote!.env!.GATEHOUSE_MCP_REMOTE!).headers).toEqual({ Authorization: 'Bearer t0k' });
    expect(s.remote!.args!.join(' ')).not.toContain('t0k');
    expect(s.remote!.url).toBeUndefined();
  });

  it('tabs, CRLF line endings and a BOM', async () => {
    const notes = '{"command": "uvx", "args": ["notes-mcp"]}';
    const original = `\uFEFF{\r\n\t"mcpServers": {\r\n\t\t"notes": ${notes}\r\n\t},\r\n\t"n": 123456789012345678901234567890\r\n}\r\n`;
    const { wrapped } = await cycle(original, [notes]);
    expect(wrapped).toContain('\t\t"notes": {\r\n\t\t\t"command": ');
    expect(wrapped.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it("Claude Code's ~/.claude.json: top-level and per-project servers", async () => {
    const top = '{"type": "stdio", "command": "npx", "args": ["-y", "top-mcp"], "env": {}}';
    const db = '{ "type": "stdio", "command": "db-mcp", "args": [] }';
    const web = '{ "type": "http", "url": "https://web.example.com/mcp", "headers": {"X-Key": "k"} }';
    const original = `{
  "numStartups": 9007199254740993,
  "mcpServers": { "top": ${top} },
  "projects": {
    "/home/me/app": {
      "allowedTools": [],
      "mcpServers": {
        "db": ${db},
        "web": ${web}
      }
    },
    "/home/me/empty": { "mcpServers": {} }
  }
}`;
    const { wrapped } = await cycle(original, [top, db, web], '.claude.json');
    const v = valueOf(parseJsonc(wrapped)) as { projects: Record<string, { mcpServers: Servers }>; mcpServers: Servers };
    proxied(v.mcpServers.top!.args, 'top');
    proxied(v.projects['/home/me/app']!.mcpServers.db!.args, 'db');
    expect(v.projects['/home/me/app']!.mcpServers.db!.args!.slice(6)).toEqual(['--', 'db-mcp']);
    expect(v.projects['/home/me/app']!.mcpServers.web).toMatchObject({ type: 'stdio', command: NODE });
    proxied(v.projects['/home/me/app']!.mcpServers.web!.args, 'web');
  });

  it("VS Code's .vscode/mcp.json (JSONC): comments and trailing commas survive; http and sse wrapped", async () => {
    const fs = `{
      "type": "stdio",
      "command": "node",
      "args": ["server.js"], // the server
      "envFile": "\${workspaceFolder}/.env",
    }`;
    const old = `{ "type": "sse", "url": "https://old.example.com/sse", "headers": { "X-Api-Key": "\${input:token}" } }`;
    const api = `{
      "type": "http",
      "url": "https://api.example.com/mcp",
      "headers": { "Authorization": "Bearer \${input:token}" },
    }`;
    const original = `// VS Code MCP servers
{
  "inputs": [
    { "type": "promptString", "id": "token", "password": true, }, // trailing comma
  ],
  "servers": {
    /* local */
    "fs": ${fs},
    "api": ${api},
    "old": ${old},
  },
}
`;
    const file = join(dir, 'mcp.json');
    writeFileSync(file, original);
    // A server on the HTTP+SSE transport of 2024-11-05 is governed too: the proxy finds its transport.
    expect((await wrap(file)).join('\n')).toMatch(/wrapped old \(remote, HTTP\+SSE, server id old\)/);
    rmSync(file);
    rmSync(`${file}.gatehouse.bak`);
    const { wrapped } = await cycle(original, [fs, api, old], 'mcp.json');
    const s = serversOf(wrapped, (v) => v.servers);
    expect(s.fs).toMatchObject({ type: 'stdio', command: NODE, envFile: '${workspaceFolder}/.env' });
    expect(s.api).toMatchObject({ type: 'stdio', command: NODE });
    expect(JSON.parse(s.api!.env!.GATEHOUSE_MCP_REMOTE!).headers).toEqual({ Authorization: 'Bearer ${input:token}' });
    expect(s.old).toMatchObject({ type: 'stdio', command: NODE });
    proxied(s.old!.args, 'old');
    expect(s.old!.args!.slice(6)).toEqual(['--url', 'https://old.example.com/sse']);
    expect(JSON.parse(s.old!.env!.GATEHOUSE_MCP_REMOTE!)).toEqual({ type: 'sse', headers: { 'X-Api-Key': '${input:token}' }, env: false });
  });

  it('VS Code user settings.json: servers under "mcp": {"servers"}', async () => {
    const git = '{ "command": "uvx", "args": ["mcp-server-git"] }';
    const original = `{
  "editor.fontSize": 14, // big
  "mcp": {
    "servers": {
      "git": ${git},
    },
  },
  "files.exclude": { "**/.git": true },
}`;
    const { wrapped } = await cycle(original, [git], 'settings.json');
    proxied(serversOf(wrapped, (v) => (v.mcp as { servers: unknown }).servers).git!.args, 'git');
  });

  it('a minified file stays on one line', async () => {
    const a = '{"command":"a","args":["1"]}';
    const { wrapped } = await cycle(`{"mcpServers":{"a":${a}},"big":9007199254740993}`, [a]);
    expect(wrapped).not.toContain('\n');
  });
});

describe('gatehouse mcp wrap, the wrapped entries', () => {
  it('an entry edited after it was wrapped is rebuilt from its command line, keeping the edit', async () => {
    const file = join(dir, 'edited.json');
    const original = JSON.stringify({ mcpServers: { a: { command: 'a-mcp', args: ['--x'] } } }, null, 2);
    writeFileSync(file, original);
    await wrap(file);
    const w = JSON.parse(read(file)) as { mcpServers: Servers };
    w.mcpServers.a!.env!.TOKEN = 'added later';
    writeFileSync(file, JSON.stringify(w, null, 2));
    expect((await wrap(file, true)).join('\n')).toMatch(
      /restored a: a-mcp \(rebuilt from its command line: it was edited after it was wrapped\)/,
    );
    expect(JSON.parse(read(file))).toEqual({ mcpServers: { a: { command: 'a-mcp', args: ['--x'], env: { TOKEN: 'added later' } } } });
  });

  it('the governed server does not get what the wrapped entry keeps for Gatehouse in its env', async () => {
    const out = join(dir, 'child-env.json');
    const script = join(dir, 'child.mjs');
    writeFileSync(script, `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.env));`);
    const file = join(dir, 'child.json');
    writeFileSync(file, JSON.stringify({ mcpServers: { child: { command: NODE, args: [script], env: { MINE: '1' } } } }));
    await wrap(file);
    const e = (JSON.parse(read(file)) as { mcpServers: Servers }).mcpServers.child!;
    expect(e.env![ORIGINAL]).toBeTruthy();
    spawnSync(e.command!, e.args!, { env: { ...cleanEnv(), ...e.env }, input: '', timeout: 30_000 });
    const env = JSON.parse(read(out)) as Record<string, string>;
    expect(env.MINE).toBe('1');
    expect(env[ORIGINAL]).toBeUndefined();
  });

  it('keeps the file mode, and writes through a symlink', async () => {
    for (const mode of [0o600, 0o664]) {
      const file = join(dir, `mode-${mode.toString(8)}.json`);
      writeFileSync(file, '{"mcpServers": {"a": {"command": "a"}}}');
      chmodSync(file, mode);
      await wrap(file);
      expect(statSync(file).mode & 0o777).toBe(mode);
      await wrap(file, true);
      expect(statSync(file).mode & 0o777).toBe(mode);
    }
    const real = join(dir, 'real.json');
    const link = join(dir, 'link.json');
    writeFileSync(real, '{"mcpServers": {"a": {"command": "a"}}}');
    symlinkSync(real, link);
    await wrap(link);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(read(real)).toContain('mcp-proxy');
  });
});

describe('gatehouse mcp wrap refuses, and leaves the file untouched', () => {
  const untouched = async (name: string, text: string, code: number, out: RegExp) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    const r = await runCli(['mcp', 'wrap', '--config', file], null, cleanEnv());
    expect(r.code, r.stderr).toBe(code);
    expect(code ? r.stderr : r.stdout).toMatch(out);
    if (code) expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(read(file)).toBe(text);
    expect(existsSync(`${file}.gatehouse.bak`)).toBe(false);
  };

  it('a file it cannot parse: one line naming where, exit 1', async () => {
    await untouched('broken.json', '{\n  "mcpServers": {\n    "a": {"command": "a",,}\n  }\n}', 1, /not valid JSON .*line 3, column 26/);
    await untouched('unclosed.json', '{ "mcpServers": /* x', 1, /not valid JSON \(UnexpectedEndOfComment at line 1, column 17\)/);
    await untouched('array.json', '{ "mcpServers": [] }', 1, /"mcpServers" is not an object/);
  });

  it('a file with no servers says so', async () => {
    await untouched('empty-servers.json', '{\n  "mcpServers": {}\n}\n', 0, /has no MCP servers; it was left untouched/);
    await untouched('claude.json', '{"projects": {"/x": {"mcpServers": {}}}, "mcpServers": {}}', 0, /has no MCP servers/);
    await untouched('other.json', '{"other": {}}', 1, /no "mcpServers" object/);
  });
});
