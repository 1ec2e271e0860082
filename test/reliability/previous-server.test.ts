import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { answersAsGatehouse, previousServerRuns, processState } from '../../src-main/server/previous-server.js';
import { startServer } from '../../src-main/server/serve.js';

// A server.json outlives a crash or a power loss. Its pid may since be a zombie or, after a reboot,
// another program's: a new server must start then, and must still refuse while the server runs.

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** A live process that is not Gatehouse, started now. */
function otherProcess(): number {
  const c = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(c);
  return c.pid!;
}

/** The pid of a process that has exited but that its parent (`sleep`, which never waits) has not reaped. */
async function zombie(): Promise<number> {
  const c = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(c);
  const pid = await new Promise<number>((resolve) => c.stdout!.once('data', (b: Buffer) => resolve(Number(b.toString().trim()))));
  for (let i = 0; i < 100 && processState(pid).kind !== 'zombie'; i++) await new Promise((r) => setTimeout(r, 20));
  return pid;
}

const hourAgo = () => new Date(Date.now() - 3_600_000).toISOString();
const info = (pid: number, started_at: string, url = 'http://127.0.0.1:9') => ({ url, port: 9, pid, started_at, version: '0.2.0' });

describe('processState', () => {
  it('tells a running process (with its start time on Linux) from one that is gone', async () => {
    const self = processState(process.pid);
    expect(self.kind).toBe('running');
    if (process.platform === 'linux' && self.kind === 'running') {
      expect(Math.abs(self.startedMs! - (Date.now() - process.uptime() * 1000))).toBeLessThan(2_000);
    }
    const c = spawn('true');
    await new Promise((r) => c.once('exit', r));
    await new Promise((r) => setTimeout(r, 50));
    expect(processState(c.pid!).kind).toBe('gone');
  });

  it.runIf(process.platform === 'linux')('knows a zombie is not running', async () => {
    expect(processState(await zombie()).kind).toBe('zombie');
  });
});

describe('previousServerRuns', () => {
  const noAnswer = async () => false;

  it('a process started after the server.json was written is another program, unless the URL answers as Gatehouse', async () => {
    const pid = otherProcess();
    const state = processState;
    if (process.platform === 'linux') {
      expect(await previousServerRuns(info(pid, hourAgo()), { state, answers: noAnswer })).toBe(false);
      expect(await previousServerRuns(info(pid, hourAgo()), { state, answers: async () => true })).toBe(true);
    }
    // Written after the process started: it may be the server.
    expect(await previousServerRuns(info(pid, new Date(Date.now() + 1_000).toISOString()), { state, answers: noAnswer })).toBe(true);
  });

  it('a pid that is gone or a zombie is not the server; one without a known start time is', async () => {
    const started_at = new Date().toISOString();
    expect(await previousServerRuns(info(1, started_at), { state: () => ({ kind: 'gone' }), answers: noAnswer })).toBe(false);
    expect(await previousServerRuns(info(1, started_at), { state: () => ({ kind: 'zombie' }), answers: noAnswer })).toBe(false);
    expect(await previousServerRuns(info(1, hourAgo()), { state: () => ({ kind: 'running', startedMs: null }), answers: noAnswer })).toBe(
      true,
    );
  });

  it('asks the URL for /health and takes only a healthy answer', async () => {
    for (const [status, body, expected] of [
      [200, { status: 'healthy' }, true],
      [200, { status: 'other' }, false],
      [503, { status: 'healthy' }, false],
    ] as const) {
      const http = createServer((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
      const state = () => ({ kind: 'running' as const, startedMs: Date.now() });
      expect(await previousServerRuns(info(1, hourAgo(), url), { state, answers: answersAsGatehouse })).toBe(expected);
      await new Promise((r) => http.close(r));
    }
    // A server.json naming another host is never asked (nothing leaves the machine).
    const fetchSpy = vi.spyOn(globalThis, 'fetch').mockResolvedValue(Response.json({ status: 'healthy' }));
    try {
      expect(await answersAsGatehouse('http://192.0.2.1:7077')).toBe(false);
      expect(await answersAsGatehouse('http://gatehouse.example:7077')).toBe(false);
      expect(fetchSpy).not.toHaveBeenCalled();
      expect(await answersAsGatehouse('http://localhost:7077')).toBe(true);
    } finally {
      fetchSpy.mockRestore();
    }
  });
});

describe('startServer on a data dir with a stale server.json', () => {
  it.runIf(process.platform === 'linux')(
    'starts when the pid is now another program or a zombie, and refuses while a server runs',
    async () => {
      for (const pid of [otherProcess(), await zombie()]) {
        const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-stale-'));
        writeFileSync(join(dataDir, 'server.json'), JSON.stringify(info(pid, hourAgo())));
        const server = await startServer({ dataDir, port: 0, defaultPolicies: false, consoleDir: null });
        try {
          // The running server's own server.json, as a second server would find it in another process.
          const running = { ...info(otherProcess(), new Date(Date.now() + 1_000).toISOString(), server.url) };
          writeFileSync(join(dataDir, 'server.json'), JSON.stringify(running));
          await expect(startServer({ dataDir, port: 0, defaultPolicies: false, consoleDir: null })).rejects.toThrow(/already running/);
        } finally {
          await server.close();
        }
      }
    },
  );
});
