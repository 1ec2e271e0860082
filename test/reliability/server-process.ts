import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'gatehouse.mjs');

/** Makes sure the CLI bundle exists (the suites run the real `gatehouse serve`). */
export function ensureBuilt(): void {
  if (existsSync(join(ROOT, 'dist/cli/main.js'))) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--cli'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('could not build the CLI');
}

export interface ServerProc {
  proc: ChildProcess;
  url: string;
  port: number;
  dataDir: string;
  agentKey: string;
  adminKey: string;
  output: () => string;
}

/** Starts `gatehouse serve --port 0` on a data dir and waits until it listens. */
export async function startServerProcess(dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-rel-'))): Promise<ServerProc> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 20_000);
    const check = () => {
      if (out.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on('data', check);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  const info = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as { url: string; port: number };
  const creds = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { agent_key: string; admin_key: string };
  return { proc, url: info.url, port: info.port, dataDir, agentKey: creds.agent_key, adminKey: creds.admin_key, output: () => out };
}

export async function stopServerProcess(s: ServerProc, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return s.proc.exitCode;
  const exited = new Promise<number | null>((resolve) => s.proc.once('exit', (code) => resolve(code)));
  s.proc.kill(signal);
  return exited;
}

export async function api<T = Record<string, unknown>>(
  s: { url: string },
  method: string,
  path: string,
  key: string | null,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: { ...(key ? { 'X-API-Key': key } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}
