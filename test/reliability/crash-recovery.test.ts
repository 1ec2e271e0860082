import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, ensureBuilt, startServerProcess, stopServerProcess, type ServerProc } from './server-process.js';

beforeAll(() => ensureBuilt());

/** Submits continuously with `inflight` concurrent requests until stopped; returns acknowledged ids. */
function load(s: ServerProc, inflight: number) {
  const acked: string[] = [];
  let running = true;
  let n = 0;
  const workers = Array.from({ length: inflight }, async () => {
    while (running) {
      try {
        const r = await api<{ action_id: string }>(s, 'POST', '/api/v1/actions/submit', s.agentKey, {
          agent_id: `load-${n % 4}`,
          action_type: 'file.read',
          resource: `/w/${n++}`,
        });
        if (r.status === 200) acked.push(r.body.action_id);
      } catch {
        // connection refused/reset after the kill: not acknowledged
        if (!running) return;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  });
  return {
    acked,
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}

/** Polls `ok` every 10 ms; resolves true when it holds, false after `ms`. */
async function waitFor(ok: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

describe('SIGKILL under concurrent load', () => {
  it('loses no acknowledged action over several kill/restart cycles, and the chain verifies after each', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-kill-'));
    const all: string[] = [];
    let pendingId: string | null = null;
    for (let cycle = 0; cycle < 4; cycle++) {
      const s = await startServerProcess(dataDir);
      if (cycle === 0) {
        await api(s, 'POST', '/api/v1/policies', s.adminKey, {
          id: 'hold',
          effect: 'require_approval',
          when: { action_type: 'hold.*' },
          approval: { timeout_s: 3600 },
        });
        pendingId = (
          await api<{ action_id: string }>(s, 'POST', '/api/v1/actions/submit', s.agentKey, { agent_id: 'a', action_type: 'hold.it' })
        ).body.action_id;
      }
      // Everything acknowledged in earlier cycles is still here.
      for (const id of all) expect((await api(s, 'GET', `/api/v1/actions/${id}/status`, s.adminKey)).status, id).toBe(200);
      const verify = await api<{ ok: boolean; records: number }>(s, 'GET', '/api/v1/audit/verify', s.adminKey);
      expect(verify.body.ok).toBe(true);
      expect((await api<{ status: string }>(s, 'GET', `/api/v1/actions/${pendingId}/status`, s.adminKey)).body.status).toBe('pending');

      const l = load(s, 32);
      // Kill mid-load: once a few dozen submits are acknowledged (how long that takes depends on
      // the machine, so it is counted, not timed), then at a random moment up to 0.9 s later.
      const enough = await waitFor(() => l.acked.length > 20, 60_000);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 900)));
      s.proc.kill('SIGKILL');
      await new Promise((r) => s.proc.once('exit', r));
      await l.stop();
      expect(enough, 'more than 20 submits acknowledged before the kill').toBe(true);
      all.push(...l.acked);
    }
    const s = await startServerProcess(dataDir);
    const missing: string[] = [];
    for (const id of all) if ((await api(s, 'GET', `/api/v1/actions/${id}/status`, s.adminKey)).status !== 200) missing.push(id);
    expect(missing).toEqual([]);
    expect((await api<{ ok: boolean }>(s, 'GET', '/api/v1/audit/verify', s.adminKey)).body.ok).toBe(true);
    await stopServerProcess(s);
  });
});

describe('a torn WAL', () => {
  it('ignores a torn last write and keeps every committed transaction', async () => {
    const s = await startServerProcess();
    const ids: string[] = [];
    for (let i = 0; i < 30; i++)
      ids.push(
        (
          await api<{ action_id: string }>(s, 'POST', '/api/v1/actions/submit', s.agentKey, {
            agent_id: 'a',
            action_type: 'file.read',
            resource: `/t/${i}`,
          })
        ).body.action_id,
      );
    s.proc.kill('SIGKILL');
    await new Promise((r) => s.proc.once('exit', r));
    // A crash mid-write: half a WAL frame (a 24-byte frame header and part of a page) after the
    // last commit. SQLite's frame checksums make recovery stop before it.
    const wal = join(s.dataDir, 'gatehouse.sqlite-wal');
    expect(existsSync(wal)).toBe(true);
    const torn = Buffer.alloc(24 + 1000, 0x5a);
    torn.writeUInt32BE(2, 0); // page number 2
    appendFileSync(wal, torn);
    const s2 = await startServerProcess(s.dataDir);
    for (const id of ids) expect((await api(s2, 'GET', `/api/v1/actions/${id}/status`, s2.adminKey)).status).toBe(200);
    expect((await api<{ ok: boolean }>(s2, 'GET', '/api/v1/audit/verify', s2.adminKey)).body.ok).toBe(true);
    // New writes land after the last whole commit and survive another restart.
    const after = (
      await api<{ action_id: string }>(s2, 'POST', '/api/v1/actions/submit', s2.agentKey, { agent_id: 'a', action_type: 'file.read' })
    ).body.action_id;
    await stopServerProcess(s2);
    const s3 = await startServerProcess(s.dataDir);
    expect((await api(s3, 'GET', `/api/v1/actions/${after}/status`, s3.adminKey)).status).toBe(200);
    expect((await api<{ ok: boolean }>(s3, 'GET', '/api/v1/audit/verify', s3.adminKey)).body.ok).toBe(true);
    await stopServerProcess(s3);
  });
});

describe('a damaged database file', () => {
  it('never passes a damaged log off as intact: it refuses to start, or verification names the damage', async () => {
    const s = await startServerProcess();
    const ids: string[] = [];
    for (let i = 0; i < 400; i++)
      ids.push(
        (
          await api<{ action_id: string }>(s, 'POST', '/api/v1/actions/submit', s.agentKey, {
            agent_id: 'a',
            action_type: 'file.read',
            resource: `/c/${i}`,
            description: `damaged file test ${'x'.repeat(200)}`,
          })
        ).body.action_id,
      );
    expect(await stopServerProcess(s)).toBe(0);
    const file = join(s.dataDir, 'gatehouse.sqlite');
    const buf = readFileSync(file);
    // Overwrite part of an audit record: its data JSON is the only place this text is stored.
    const at = buf.indexOf(Buffer.from('"resource":"/c/200"'));
    expect(at).toBeGreaterThan(0);
    buf.fill(0x41, at - 64, at + 64);
    writeFileSync(file, buf);
    let s2: ServerProc | null = null;
    try {
      s2 = await startServerProcess(s.dataDir);
    } catch (e) {
      expect(String(e)).toMatch(/gatehouse\.sqlite|database|malformed/i);
      return;
    }
    const v = await api<{ ok?: boolean; first_bad_seq?: number; error?: unknown }>(s2, 'GET', '/api/v1/audit/verify', s2.adminKey);
    // Either the verifier names the first bad record, or SQLite itself reports the damage (a 5xx
    // with a message): never `ok: true`.
    expect(v.body.ok).not.toBe(true);
    if (v.status === 200) expect(v.body.first_bad_seq).toBeGreaterThan(0);
    await stopServerProcess(s2);
  });
});
