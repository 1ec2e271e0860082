import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTransport } from '../../../src-main/integrations/hooks/install/transport.js';
import type { HookAgent } from '../../../src-main/services/hooks/types.js';
import { BIN, cleanEnv, NODE, runCli, startServer, UNREACHABLE, type LiveServer } from '../helpers.js';
import { fixture } from './fixtures/index.js';
import { expectForm } from './forms.js';
import { spawnHook } from './run.js';

/**
 * The installed transport's three ways to the server (SPEC 9.4), each forced by what PATH holds:
 * bash's /dev/tcp (sh and bash only: no curl, no cat), curl (sh, cat and curl: no bash) and the
 * Node transport (sh and cat only). For the first two the script's Node fallback is a stub that
 * answers nothing usable (exit 97), so an answer in the agent's form can only come from the path
 * under test. Each path is fed an allowed call, a denied one, a held one approved and one held past
 * its wait, multi-byte and ~200 KB inputs, and a fake server's bad answers.
 */

let server: LiveServer;
let root: string;
let env: Record<string, string>;
let fakeDir: string;
let deadDir: string;
let fake: Server;
let fakeMode = 'garbage';
const fakeSockets = new Set<Socket>();
const scripts = { stub: '', real: '' };
const bins = { tcp: '', curl: '', node: '' };
let n = 0;
const tag = (what: string) => `${what}-${++n}`;

/** What a fake server answers, by mode. Each "bad" answer carries a body that would pass if taken as an answer. */
const PASSING_RAW = 'gatehouse-hook/1 0\n\n';
function answerFake(sock: Socket, raw: boolean): void {
  const http = (status: string, body: string, length = Buffer.byteLength(body)) =>
    `HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n${body}`;
  switch (fakeMode) {
    case 'garbage':
      return void sock.end(http('200 OK', 'garbage'));
    case '401':
      return void sock.end(http('401 Unauthorized', PASSING_RAW));
    case '503':
      return void sock.end(http('503 Service Unavailable', PASSING_RAW));
    case 'not-http':
      return void sock.end(PASSING_RAW);
    case 'short':
      // Announces more than it sends, then closes: a cut connection.
      return void sock.end(http('200 OK', PASSING_RAW, PASSING_RAW.length + 40));
    case 'close':
      return void sock.destroy();
    case 'stall':
      return; // never answers
    case 'open':
      // A whole answer (raw for the shell paths, JSON for Node's), and the connection left open.
      return void sock.write(http('200 OK', raw ? PASSING_RAW : JSON.stringify({ stdout: '', stderr: '', exit_code: 0 })));
  }
}

function which(tool: string): string {
  const r = spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  if (r.status !== 0 || !p.startsWith('/')) throw new Error(`${tool} is needed on this machine for these tests`);
  return p;
}

function binDir(name: string, tools: string[]): string {
  const d = join(root, `bin-${name}`);
  mkdirSync(d);
  for (const t of tools) symlinkSync(which(t), join(d, t));
  return d;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'gatehouse-transport-paths-'));
  const home = join(root, 'home');
  mkdirSync(home);
  server = await startServer({ env: { HOME: home } });
  env = cleanEnv({ HOME: home });
  const policy = (id: string, effect: string, glob: string) =>
    server.admin('POST', '/api/v1/policies', { id, name: `hook test ${id}`, effect, priority: 600, when: { resource: glob } });
  await policy('hook-allow', 'allow', '*allowed-by-policy*');
  await policy('hook-deny', 'deny', '*forbidden*');
  await policy('hook-approve', 'require_approval', '*needs-approval*');
  // The install writes the key header file the shell paths read.
  const r = await runCli(['hook', 'install', 'claude-code', '--data-dir', server.dataDir], null, env);
  expect(r.code, r.stderr).toBe(0);

  const stubNode = join(root, 'stub-node');
  writeFileSync(stubNode, "#!/bin/sh\nprintf '%s\\n' 'stub node ran' >&2\nexit 97\n", { mode: 0o755 });
  for (const [which_, node, bin] of [
    ['stub', stubNode, 'no-bin'],
    ['real', NODE, BIN],
  ] as const) {
    mkdirSync(join(root, which_));
    scripts[which_] = join(root, which_, 'gatehouse-hook.sh');
    writeFileSync(scripts[which_], renderTransport(node, bin), { mode: 0o700 });
  }
  bins.tcp = binDir('tcp', ['sh', 'bash']);
  bins.curl = binDir('curl', ['sh', 'cat', 'curl']);
  bins.node = binDir('node', ['sh', 'cat']);

  fake = createServer((sock) => {
    fakeSockets.add(sock);
    sock.on('close', () => fakeSockets.delete(sock));
    sock.on('error', () => undefined);
    let got = Buffer.alloc(0);
    let answered = false;
    sock.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0 || answered) return;
      const len = Number(/content-length:\s*(\d+)/i.exec(got.subarray(0, end).toString())?.[1] ?? 0);
      if (got.length - end - 4 < len) return;
      answered = true;
      answerFake(sock, got.subarray(0, end).toString().includes('format=raw'));
    });
  });
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
  const port = (fake.address() as { port: number }).port;
  const dataDirFor = (name: string, url: string) => {
    const d = join(root, name);
    mkdirSync(join(d, 'hooks'), { recursive: true });
    writeFileSync(join(d, 'server.json'), `${JSON.stringify({ url, port: Number(url.split(':')[2]), pid: 1 }, null, 2)}\n`);
    copyFileSync(join(server.dataDir, 'credentials.json'), join(d, 'credentials.json'));
    copyFileSync(join(server.dataDir, 'hooks', 'agent-key.header'), join(d, 'hooks', 'agent-key.header'));
    return d;
  };
  fakeDir = dataDirFor('fake', `http://127.0.0.1:${port}`);
  deadDir = dataDirFor('dead', UNREACHABLE);
}, 120_000);

afterAll(async () => {
  for (const s of fakeSockets) s.destroy();
  await new Promise((r) => (fake ? fake.close(r) : r(null)));
  await server?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

type PathName = keyof typeof bins;
const PATHS: { name: PathName; title: string }[] = [
  { name: 'tcp', title: 'bash /dev/tcp (no curl, no Node fallback)' },
  { name: 'curl', title: 'curl (no bash, no Node fallback)' },
  { name: 'node', title: 'the Node transport (no bash, no curl)' },
];

function runVia(
  path: PathName,
  agent: HookAgent,
  input: string,
  o: { dataDir?: string; wait?: number; script?: string; onError?: string } = {},
) {
  const script = o.script ?? (path === 'node' ? scripts.real : scripts.stub);
  const line = `sh '${script}' ${agent} --data-dir '${o.dataDir ?? server.dataDir}' --wait ${o.wait ?? 30} --on-error ${o.onError ?? 'ask'}`;
  return spawnHook('/bin/sh', ['-c', line], input, { ...env, PATH: bins[path] });
}

async function recorded(t: string): Promise<Record<string, unknown>> {
  const page = await server.admin<{ items: Record<string, unknown>[] }>('GET', '/api/v1/actions?agent_id=claude-code&limit=200');
  const a = page.items.find((x) => String(x.resource ?? '').includes(t));
  if (!a) throw new Error(`no action recorded with ${t}`);
  return a;
}

/** A Claude Code Write of `content` to `filePath`. */
function write(filePath: string, content: string): string {
  const o = JSON.parse(fixture('claude-code', 'write')) as { tool_input: Record<string, unknown> };
  o.tool_input = { file_path: filePath, content };
  return JSON.stringify(o);
}

describe.each(PATHS)('the installed transport through $title', ({ name }) => {
  it('allows an explicitly allowed call, and records it', async () => {
    const t = tag('allowed-by-policy');
    const r = await runVia(name, 'claude-code', fixture('claude-code', 'shell', t));
    expectForm('claude-code', 'shell', r, 'allow', /hook-allow/);
    expect((await recorded(t)).status).toBe('allowed');
    // A fallback allow is no decision: empty stdout, exit 0.
    expectForm('claude-code', 'shell', await runVia(name, 'claude-code', fixture('claude-code', 'shell', tag('plain'))), 'pass');
  });

  it('denies with the reason, and carries the exit code and stderr of agents that block by exit 2', async () => {
    const r = await runVia(name, 'claude-code', fixture('claude-code', 'shell', tag('forbidden')));
    expectForm('claude-code', 'shell', r, 'deny', /hook-deny/);
    const w = await runVia(name, 'windsurf', fixture('windsurf', 'shell', tag('forbidden')));
    expectForm('windsurf', 'shell', w, 'deny', /hook-deny/);
  });

  it('holds a pending call until a person approves it', async () => {
    const t = tag('needs-approval');
    const p = runVia(name, 'claude-code', fixture('claude-code', 'shell', t));
    await server.resolveWhenPending((a) => String(a.resource ?? '').includes(t), 'approve', { comment: 'ok by test' });
    expectForm('claude-code', 'shell', await p, 'allow', /approved/);
  });

  it('past its wait the call is withdrawn and the agent asks', async () => {
    const t = tag('needs-approval');
    const r = await runVia(name, 'claude-code', fixture('claude-code', 'mcp', t), { wait: 1 });
    expectForm('claude-code', 'mcp', r, 'ask', /withdrawn/);
    expect((await recorded(t)).status).toBe('withdrawn');
  });

  it('passes multi-byte UTF-8 input byte for byte', async () => {
    const t = tag('forbidden');
    const file = `src/naïve-€-😀-日本-${t}.ts`;
    const r = await runVia(name, 'claude-code', write(file, 'ça coûte 5 € — 😀\n'));
    expectForm('claude-code', 'write', r, 'deny', /hook-deny/);
    const a = await recorded(t);
    expect(a.resource).toBe(file);
    expect((a.parameters as Record<string, unknown>).content).toBe('ça coûte 5 € — 😀\n');
  });

  it('passes a ~200 KB Write whole', async () => {
    const t = tag('forbidden');
    const unit = 'line of text with é, €, 😀, "quotes", \\ backslashes and \ttabs\n';
    const content = unit.repeat(Math.ceil(200_000 / Buffer.byteLength(unit)));
    const input = write(`big-${t}.txt`, content);
    expect(Buffer.byteLength(input)).toBeGreaterThan(200_000);
    const r = await runVia(name, 'claude-code', input);
    expectForm('claude-code', 'write', r, 'deny', /hook-deny/);
    expect((await recorded(t)).parameters).toMatchObject({ content });
  });

  it('Gatehouse unreachable: the agent asks, or refuses with --on-error deny', async () => {
    // bash falls through to the next client when it cannot connect (its build may lack /dev/tcp).
    const input = fixture('claude-code', 'shell', tag('plain'));
    const r = await runVia(name, 'claude-code', input, { dataDir: deadDir, script: scripts.real });
    expectForm('claude-code', 'shell', r, 'ask', /could not be reached|unreachable/);
    const d = await runVia(name, 'codex', fixture('codex', 'shell', tag('plain')), { dataDir: deadDir, script: scripts.real });
    expectForm('codex', 'shell', d, 'deny');
  });

  it('a whole answer from a server that never closes is taken, by the end of the wait', async () => {
    fakeMode = 'open';
    const r = await runVia(name, 'claude-code', fixture('claude-code', 'shell', tag('plain')), { dataDir: fakeDir, wait: 1 });
    expectForm('claude-code', 'shell', r, 'pass');
  }, 20_000);

  it.each(['garbage', '401', '503', 'not-http', 'short', 'close', 'stall'])(
    'a server answering %s: the agent asks, never a silent pass',
    async (mode) => {
      fakeMode = mode;
      const r = await runVia(name, 'claude-code', fixture('claude-code', 'shell', tag('plain')), { dataDir: fakeDir, wait: 1 });
      expectForm('claude-code', 'shell', r, 'ask');
      expect(r.stderr).not.toContain('stub node ran');
    },
    30_000,
  );
});

describe('the transport started by sh', () => {
  it('without bash or curl hands over to the Node transport; with bash it uses no other program', async () => {
    // A stub Node fallback and no curl: only bash's own HTTP can answer.
    const r = await runVia('tcp', 'claude-code', fixture('claude-code', 'shell', tag('forbidden')));
    expectForm('claude-code', 'shell', r, 'deny', /hook-deny/);
    // The same script with neither bash nor curl reaches the stub: the Node fallback is the last way.
    const s = await runVia('node', 'claude-code', fixture('claude-code', 'shell', tag('forbidden')), { script: scripts.stub });
    expect(s.stderr).toContain('stub node ran');
  });

  it('a Node fallback that gives no answer (gone after an upgrade, or crashed) is a failure: ask or refuse, never a pass', async () => {
    // The stub exits 97 with nothing on stdout: Claude Code would take that as "go on".
    const s = await runVia('node', 'claude-code', fixture('claude-code', 'shell', tag('plain')), { script: scripts.stub });
    expectForm('claude-code', 'shell', s, 'ask', /could not be reached/);
    expect(s.stderr).toContain('stub node ran');
    const w = await runVia('node', 'windsurf', fixture('windsurf', 'shell', tag('plain')), { script: scripts.stub });
    expectForm('windsurf', 'shell', w, 'deny', /could not be reached/);
    // A Node that is not there any more (the shell's own "not found", exit 127).
    const gone = join(root, 'gone', 'gatehouse-hook.sh');
    mkdirSync(join(root, 'gone'));
    writeFileSync(gone, renderTransport(join(root, 'no-such-node'), BIN), { mode: 0o700 });
    const g = await runVia('node', 'codex', fixture('codex', 'shell', tag('plain')), { script: gone });
    expectForm('codex', 'shell', g, 'deny', /could not be reached/);
    // The real Node transport's own answers still come through, exit 2 and stderr included.
    const d = await runVia('node', 'windsurf', fixture('windsurf', 'shell', tag('forbidden')));
    expectForm('windsurf', 'shell', d, 'deny', /hook-deny/);
  });

  it('nothing in the environment changes the answer: BASH_ENV, exported functions, SHELLOPTS', async () => {
    const rc = join(root, 'bash-env');
    writeFileSync(rc, "printf '%s\\n' 'from BASH_ENV'\n");
    const hostile = {
      ...env,
      PATH: bins.tcp,
      BASH_ENV: rc,
      SHELLOPTS: 'errexit:nounset',
      'BASH_FUNC_printf%%': "() { builtin printf '%s' 'hijacked'; }",
      'BASH_FUNC_read%%': '() { return 0; }',
    };
    const line = `sh '${scripts.stub}' claude-code --data-dir '${server.dataDir}' --wait 30 --on-error ask`;
    const r = await spawnHook('/bin/sh', ['-c', line], fixture('claude-code', 'shell', tag('forbidden')), hostile);
    expectForm('claude-code', 'shell', r, 'deny', /hook-deny/);
    expect(r.stdout).not.toMatch(/BASH_ENV|hijacked/);
  });

  it('a `bash` that is not bash does not make it hand over forever', async () => {
    const d = join(root, 'bin-fake-bash');
    mkdirSync(d);
    for (const t of ['sh', 'cat', 'curl']) symlinkSync(which(t), join(d, t));
    symlinkSync(which('sh'), join(d, 'bash'));
    const line = `sh '${scripts.stub}' claude-code --data-dir '${server.dataDir}' --wait 30 --on-error ask`;
    const r = await spawnHook('/bin/sh', ['-c', line], fixture('claude-code', 'shell', tag('forbidden')), { ...env, PATH: d }, 20_000);
    expectForm('claude-code', 'shell', r, 'deny', /hook-deny/);
  });
});
