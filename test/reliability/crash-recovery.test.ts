import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
      await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 900)));
      s.proc.kill('SIGKILL');
      await new Promise((r) => s.proc.once('exit', r));
      await l.stop();
      expect(l.acked.length).toBeGreaterThan(20);
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

describe('a torn journal', () => {
  it('drops the torn tail and keeps every whole entry', async () => {
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
    const dir = join(s.dataDir, 'journal');
    const last = readdirSync(dir)
      .filter((f) => f.endsWith('.log'))
      .sort()
      .pop()!;
    // A crash mid-write: a length prefix promising more bytes than were written.
    appendFileSync(join(dir, last), Buffer.from([0x00, 0x00, 0x10, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x7b, 0x22]));
    const s2 = await startServerProcess(s.dataDir);
    for (const id of ids) expect((await api(s2, 'GET', `/api/v1/actions/${id}/status`, s2.adminKey)).status).toBe(200);
    expect((await api<{ ok: boolean }>(s2, 'GET', '/api/v1/audit/verify', s2.adminKey)).body.ok).toBe(true);
    // New writes land after the last whole entry and survive another restart.
    const after = (
      await api<{ action_id: string }>(s2, 'POST', '/api/v1/actions/submit', s2.agentKey, { agent_id: 'a', action_type: 'file.read' })
    ).body.action_id;
    await stopServerProcess(s2);
    const s3 = await startServerProcess(s.dataDir);
    expect((await api(s3, 'GET', `/api/v1/actions/${after}/status`, s3.adminKey)).status).toBe(200);
    await stopServerProcess(s3);
  });
});

describe('a corrupt snapshot', () => {
  it('never starts with silently missing data: it recovers everything or refuses with instructions', async () => {
    const s = await startServerProcess();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++)
      ids.push(
        (
          await api<{ action_id: string }>(s, 'POST', '/api/v1/actions/submit', s.agentKey, {
            agent_id: 'a',
            action_type: 'file.read',
            resource: `/c/${i}`,
          })
        ).body.action_id,
      );
    expect(await stopServerProcess(s)).toBe(0);
    const snap = join(s.dataDir, 'gatehouse.sqlite');
    const buf = readFileSync(snap);
    buf.fill(0x41, Math.floor(buf.length / 3), Math.floor(buf.length / 3) + 4096);
    writeFileSync(snap, buf);
    let s2: ServerProc | null = null;
    try {
      s2 = await startServerProcess(s.dataDir);
    } catch (e) {
      // Refused: the message must say what is wrong and what to do.
      expect(String(e)).toMatch(/snapshot/i);
      expect(String(e)).toMatch(/restore|backup|move|remove|rename/i);
      return;
    }
    for (const id of ids) expect((await api(s2, 'GET', `/api/v1/actions/${id}/status`, s2.adminKey)).status).toBe(200);
    await stopServerProcess(s2);
  });
});
