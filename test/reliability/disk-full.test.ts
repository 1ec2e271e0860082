import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, ensureBuilt, startServerProcess, stopServerProcess, type ServerProc } from './server-process.js';

/**
 * A real full and a real read-only disk: the data dir is a small tmpfs, mounted for the test
 * (root only; where mount is not permitted the suite is skipped and says so: the in-process tests
 * in test/storage/store.test.ts and test/http/storage-failure.test.ts still produce a genuine
 * SQLITE_FULL with PRAGMA max_page_count). The real `gatehouse serve` runs on it.
 */
const mountPoint = mkdtempSync(join(tmpdir(), 'gatehouse-tmpfs-'));
const mount = (opts: string, remount = false) =>
  spawnSync('mount', remount ? ['-o', `remount,${opts}`, mountPoint] : ['-t', 'tmpfs', '-o', opts, 'tmpfs', mountPoint], {
    encoding: 'utf8',
  });
const canMount = process.getuid?.() === 0 && mount('size=4m,mode=0700').status === 0;
if (!canMount) console.warn(`disk-full.test.ts: skipped, cannot mount a tmpfs here (needs root and mount permission)`);

let s: ServerProc | null = null;
beforeAll(() => ensureBuilt());
afterAll(async () => {
  if (s) await stopServerProcess(s, 'SIGKILL').catch(() => undefined);
  if (canMount) spawnSync('umount', ['-l', mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

const submit = (srv: ServerProc, i: number, pad = 20_000) =>
  api<{ action_id?: string; decision?: string; error?: { code: string } }>(srv, 'POST', '/api/v1/actions/submit', srv.agentKey, {
    agent_id: 'filler',
    action_type: 'file.read',
    resource: `/full/${i}/${'r'.repeat(Math.min(pad, 15_000))}`,
    description: `${i} ${'x'.repeat(Math.min(Math.max(0, pad - 15_000), 8_000))}`,
  });

/**
 * Submits ever smaller actions until each size is refused: the disk is then full for any action
 * (a disk with a few KB left still takes a small write). Returns the ids acknowledged.
 */
async function fill(srv: ServerProc, from: number): Promise<{ acked: string[]; next: number }> {
  const acked: string[] = [];
  let i = from;
  for (const pad of [20_000, 4_000, 500, 10]) {
    for (let k = 0; k < 5000; k++, i++) {
      const r = await submit(srv, i, pad);
      if (r.status === 200) acked.push(r.body.action_id!);
      else {
        expect(r.status).toBe(503);
        break;
      }
    }
  }
  return { acked, next: i + 1 };
}

describe.skipIf(!canMount)('a full disk, then a read-only one (a real tmpfs)', () => {
  const acked: string[] = [];

  it('answers 503 and allows nothing while full, keeps serving reads, and recovers by itself when there is room', async () => {
    s = await startServerProcess(mountPoint);
    const first = await fill(s, 0);
    acked.push(...first.acked);
    expect(first.acked.length).toBeGreaterThan(10);
    // Full: every state change is refused, nothing is decided as allowed.
    for (let k = 0; k < 10; k++) {
      const r = await submit(s, 10_000 + k, 10);
      expect(r.status).toBe(503);
      expect(r.body.error?.code).toBe('unavailable');
      expect(r.body.decision).toBeUndefined();
    }
    expect((await api(s, 'GET', '/health', null)).status).toBe(200);
    expect((await api<{ storage: { writable: boolean } }>(s, 'GET', '/api/deployment-info', null)).body.storage.writable).toBe(false);
    expect((await api(s, 'GET', `/api/v1/actions/${acked[0]}/status`, s.adminKey)).status).toBe(200);

    // The disk gets room: the next request succeeds, no restart.
    expect(mount('size=64m', true).status).toBe(0);
    const r = await submit(s, 20_000, 10);
    expect(r.status).toBe(200);
    expect(r.body.decision).toBe('allowed');
    acked.push(r.body.action_id!);
    expect((await api<{ storage: { writable: boolean } }>(s, 'GET', '/api/deployment-info', null)).body.storage.writable).toBe(true);
    expect((await api<{ ok: boolean }>(s, 'GET', '/api/v1/audit/verify', s.adminKey)).body.ok).toBe(true);
  });

  it('stops cleanly on SIGTERM while the disk is full: exit 0, server.json removed, nothing lost', async () => {
    expect(mount('size=6m', true).status).toBe(0);
    acked.push(...(await fill(s!, 30_000)).acked);
    expect(await stopServerProcess(s!, 'SIGTERM')).toBe(0);
    expect(existsSync(join(mountPoint, 'server.json'))).toBe(false);
    expect(mount('size=64m', true).status).toBe(0);
    s = await startServerProcess(mountPoint);
    for (const id of acked) expect((await api(s, 'GET', `/api/v1/actions/${id}/status`, s.adminKey)).status, id).toBe(200);
    expect((await api<{ ok: boolean }>(s, 'GET', '/api/v1/audit/verify', s.adminKey)).body.ok).toBe(true);
  });

  it('a data dir that became read-only: the server refuses to start and says why; nothing is lost', async () => {
    const r0 = await submit(s!, 40_000, 10);
    expect(r0.status).toBe(200);
    acked.push(r0.body.action_id!);
    expect(await stopServerProcess(s!, 'SIGTERM')).toBe(0);
    s = null;
    // A file system cannot go read-only under open files here (tmpfs says busy), so it goes
    // read-only between two runs, as after a kernel remounted a failing disk.
    expect(mount('ro', true).status).toBe(0);
    const refused = await startServerProcess(mountPoint).then(
      async (srv) => {
        await stopServerProcess(srv);
        return null;
      },
      (e: unknown) => String(e),
    );
    expect(refused).toMatch(/read-only|readonly/i);
    expect(mount('rw', true).status).toBe(0);
    s = await startServerProcess(mountPoint);
    for (const id of acked) expect((await api(s, 'GET', `/api/v1/actions/${id}/status`, s.adminKey)).status, id).toBe(200);
    expect((await api<{ ok: boolean }>(s, 'GET', '/api/v1/audit/verify', s.adminKey)).body.ok).toBe(true);
    await stopServerProcess(s);
    s = null;
  });
});
