import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

/** Helpers for the integration tests: a real `gatehouse serve` on a temp data dir, and the built CLI. */

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'gatehouse.mjs');
export const NODE = process.execPath;
export const UNREACHABLE = 'http://127.0.0.1:9';
/** The reference MCP filesystem server (dev dependency). */
export const FS_SERVER = join(
  createRequire(import.meta.url).resolve('@modelcontextprotocol/server-filesystem/package.json'),
  '..',
  'dist',
  'index.js',
);

/** The environment for a child that must find Gatehouse only through what the test gives it. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('GATEHOUSE_')) env[k] = v;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

function newest(dir: string): number {
  let t = 0;
  if (!existsSync(dir)) return 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
const mtime = (p: string) => (existsSync(p) ? statSync(p).mtimeMs : 0);

/** Serialises builds between test files running in parallel (mkdir is atomic). */
async function withBuildLock(f: () => Promise<void>): Promise<void> {
  const lock = join(ROOT, 'dist', '.integrations-build-lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const end = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > end || Date.now() - mtime(lock) > 120_000) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    await f();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Builds the CLI and SDK when dist/cli/main.js is missing or older than the integration and SDK
 * sources, and the hook's fast entry (dist/cli/hook.js) when scripts/build.mjs did not make it
 * (or it is older than the hook's sources).
 */
export async function ensureBuilt(): Promise<void> {
  const mine = Math.max(newest(join(ROOT, 'src-main/integrations')), newest(join(ROOT, 'src-main/sdk')));
  const stale = () => mtime(join(ROOT, 'dist/cli/main.js')) < mine || mtime(join(ROOT, 'dist/sdk/index.js')) < mine;
  if (stale()) {
    await withBuildLock(async () => {
      if (!stale()) return;
      const r = spawnSync(NODE, [join(ROOT, 'scripts/build.mjs'), '--cli'], { cwd: ROOT, stdio: 'inherit' });
      if (r.status !== 0) throw new Error('build failed');
    });
  }
  await ensureHookBundle();
}

export async function ensureHookBundle(): Promise<void> {
  const out = join(ROOT, 'dist/cli/hook.js');
  const src = Math.max(
    newest(join(ROOT, 'src-main/integrations/hooks')),
    newest(join(ROOT, 'src-main/integrations/shared')),
    mtime(join(ROOT, 'src-main/config/paths.ts')),
  );
  if (mtime(out) >= src) return;
  await withBuildLock(async () => {
    if (mtime(out) >= src) return;
    const { build } = await import('esbuild');
    const tmp = mkdtempSync(join(tmpdir(), 'gatehouse-hookbuild-'));
    await build({
      entryPoints: { hook: join(ROOT, 'src-main/integrations/hooks/transport/client.ts') },
      outdir: tmp,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    });
    mkdirSync(dirname(out), { recursive: true });
    copyFileSync(join(tmp, 'hook.js'), `${out}.tmp`);
    renameSync(`${out}.tmp`, out);
    rmSync(tmp, { recursive: true, force: true });
  });
}

export interface LiveServer {
  url: string;
  port: number;
  dataDir: string;
  adminKey: string;
  agentKey: string;
  proc: ChildProcess;
  /** A JSON call with the admin key (or `key`). Throws on a non-2xx answer. */
  admin<T = Record<string, unknown>>(method: string, path: string, body?: unknown, key?: string): Promise<T>;
  /** Waits for a pending approval matching `pred`, returns its action id. */
  waitForPending(pred: (action: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<string>;
  /** Approves or denies, once one matching `pred` is pending. */
  resolveWhenPending(
    pred: (action: Record<string, unknown>) => boolean,
    verb: 'approve' | 'deny',
    body?: Record<string, unknown>,
  ): Promise<string>;
  stop(): Promise<void>;
}

export async function startServer(o: { env?: Record<string, string> } = {}): Promise<LiveServer> {
  await ensureBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-int-'));
  const proc = spawn(NODE, [BIN, 'serve', '--port', '0', '--data-dir', dataDir], {
    env: cleanEnv(o.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const deadline = Date.now() + 30_000;
  let info: { url: string; port: number } | null = null;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`gatehouse serve exited ${proc.exitCode}: ${output}`);
    try {
      info = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as { url: string; port: number };
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  if (!info) {
    proc.kill('SIGKILL');
    throw new Error(`gatehouse serve did not start: ${output}`);
  }
  const creds = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { admin_key: string; agent_key: string };
  const url = info.url;
  const admin = async <T>(method: string, path: string, body?: unknown, key = creds.admin_key): Promise<T> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { 'x-api-key': key, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  };
  const waitForPending = async (pred: (a: Record<string, unknown>) => boolean, timeoutMs = 20_000): Promise<string> => {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const page = await admin<{ items: { action_id: string; action: Record<string, unknown> }[] }>(
        'GET',
        '/api/v1/approvals?status=pending',
      );
      const hit = page.items.find((i) => pred(i.action));
      if (hit) return hit.action_id;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('no matching pending approval appeared');
  };
  return {
    url,
    port: info.port,
    dataDir,
    adminKey: creds.admin_key,
    agentKey: creds.agent_key,
    proc,
    admin,
    waitForPending,
    async resolveWhenPending(pred, verb, body = {}) {
      const id = await waitForPending(pred);
      await new Promise((r) => setTimeout(r, 200)); // let the waiter be really waiting
      await admin('POST', `/api/v1/approvals/${id}/${verb}`, body);
      return id;
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `node bin/gatehouse.mjs ARGS` with `input` on stdin. */
export function runCli(
  args: string[],
  input: string | null,
  env: Record<string, string>,
  o: { cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const p = spawn(NODE, [BIN, ...args], { env, cwd: o.cwd ?? ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`gatehouse ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, o.timeoutMs ?? 60_000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, ms: performance.now() - t0 });
    });
    p.stdin.on('error', () => undefined);
    if (input !== null) p.stdin.end(input);
    else p.stdin.end();
  });
}

/** Polls until `f` returns a truthy value. */
export async function eventually<T>(
  f: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}

/** An MCP config entry as `mcp wrap` writes it (a command that runs the proxy). */
export interface WrappedEntry {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * An SDK stdio client connected to a wrapped entry, started as an MCP client starts it: with the
 * client's own environment (no GATEHOUSE_HOME; the entry names the data dir itself).
 */
export async function connectWrapped(entry: unknown, name: string): Promise<Client> {
  const { command, args, env } = entry as WrappedEntry;
  const client = new Client({ name, version: '1' });
  await client.connect(new StdioClientTransport({ command, args, env: { ...cleanEnv(), ...env }, stderr: 'pipe' }));
  return client;
}
