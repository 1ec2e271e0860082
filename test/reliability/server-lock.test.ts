import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../src-main/server/serve.js';
import { BIN, ensureBuilt, startServerProcess, stopServerProcess } from './server-process.js';

// Two servers started on one data dir at the same moment both found no server.json (it is written
// once a server listens) and both opened the database: the loser said "database is locked", or both
// wrote the chain. The data dir is now claimed (server.lock) before anything is opened.

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
});

/** `gatehouse serve --port 0` on `dataDir`: its exit code and output once it exits, or once it listens. */
function serve(dataDir: string): { proc: ChildProcess; done: Promise<{ code: number | null; out: string }> } {
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let out = '';
  const done = new Promise<{ code: number | null; out: string }>((resolve) => {
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes('listening on')) resolve({ code: null, out });
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code) => resolve({ code, out }));
  });
  return { proc, done };
}

const lockMessage = /another Gatehouse server is starting or running for the data directory/;

describe('gatehouse serve on a data dir another server has', () => {
  it('of two started at the same moment, one serves and the other says so plainly and exits 1', async () => {
    ensureBuilt();
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-lock-'));
    const [a, b] = [serve(dataDir), serve(dataDir)];
    const results = await Promise.all([a.done, b.done]);
    const listening = results.filter((r) => r.code === null);
    const refused = results.filter((r) => r.code !== null);
    expect(listening).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.code).toBe(1);
    expect(refused[0]!.out).toMatch(lockMessage);
    expect(refused[0]!.out).toContain(dataDir);
    expect(refused[0]!.out).not.toMatch(/database is locked|UNIQUE constraint/);
    expect(refused[0]!.out.trim().split('\n')).toHaveLength(1);
    // The one that serves stops cleanly and gives the data dir back.
    const winner = results[0]!.code === null ? a : b;
    const exited = new Promise((r) => winner.proc.once('exit', r));
    winner.proc.kill('SIGTERM');
    await exited;
    expect(existsSync(join(dataDir, 'server.lock'))).toBe(false);
    expect(existsSync(join(dataDir, 'server.json'))).toBe(false);
  }, 60_000);

  it('while one runs, another is refused naming its URL, and the running one keeps serving', async () => {
    ensureBuilt();
    const s = await startServerProcess();
    try {
      const second = await serve(s.dataDir).done;
      expect(second.code).toBe(1);
      expect(second.out).toMatch(lockMessage);
      expect(second.out).toContain(s.url);
      expect((await fetch(`${s.url}/health`)).status).toBe(200);
    } finally {
      await stopServerProcess(s);
    }
  }, 60_000);
});

describe('startServer and server.lock', () => {
  it('claims a data dir that does not exist yet: a first start creates it (0700), as before the lock', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'gatehouse-lock-')), 'new', 'data');
    const server = await startServer({ dataDir, port: 0, defaultPolicies: false, consoleDir: null });
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(existsSync(join(dataDir, 'server.lock'))).toBe(true);
    await server.close();
  });

  it('refuses while a live process holds the lock, takes over one whose process is gone, and releases it on close', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-lock-'));
    const lock = join(dataDir, 'server.lock');
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(sleeper);
    await new Promise((r) => setTimeout(r, 50)); // its start time, before the claim below
    writeFileSync(lock, JSON.stringify({ pid: sleeper.pid, started_at: new Date(Date.now() + 3_000).toISOString(), token: 'other' }));
    await expect(startServer({ dataDir, port: 0, defaultPolicies: false, consoleDir: null })).rejects.toThrow(lockMessage);
    // Refused before anything was opened, and the other's claim is untouched.
    expect(existsSync(join(dataDir, 'gatehouse.sqlite'))).toBe(false);
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ token: 'other' });

    const gone = spawn('true');
    await new Promise((r) => gone.once('exit', r));
    writeFileSync(lock, JSON.stringify({ pid: gone.pid, started_at: new Date().toISOString(), token: 'crashed' }));
    const server = await startServer({ dataDir, port: 0, defaultPolicies: false, consoleDir: null });
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid });
    await server.close();
    expect(existsSync(lock)).toBe(false);
  });
});
