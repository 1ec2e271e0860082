import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../../src-main/storage/store.js';
import { openTestCore, type TestCore } from '../helpers/core.js';
import { fillToTheBrim } from '../storage/helpers.js';

/**
 * A genuine SQLITE_FULL: the database file is capped at its current size (`PRAGMA max_page_count`)
 * and what free space it had is filled, so every write needing room fails as on a full disk.
 * (test/reliability/disk-full.test.ts does the same with a real, small tmpfs where mount is allowed.)
 */
const disk = {
  fail: async (on: boolean) => {
    const store = t.g.store as SqliteStore;
    if (on) await fillToTheBrim(store);
    else await store.setMaxPageCount(null);
  },
};

let t: TestCore;
beforeAll(async () => {
  t = await openTestCore();
  await t.json('POST', '/api/v1/policies', { body: { id: 'hold', effect: 'require_approval', when: { action_type: 'hold.*' } } });
});
afterAll(async () => {
  await disk.fail(false);
  await t.close();
});

describe('when the disk cannot be written', () => {
  it('answers 503 to state changes, decides nothing as allowed, and keeps serving reads', async () => {
    const held = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: 'a', action_type: 'hold.x' },
    });
    const before = await t.json<{ items: unknown[] }>('GET', '/api/v1/actions?limit=1000');
    await disk.fail(true);
    const headBefore = t.g.store.head();

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.json<{ decision?: string; error?: { code: string } }>('POST', '/api/v1/actions/submit', {
          key: t.agentKey,
          body: { agent_id: 'a', action_type: 'file.read', resource: `/f/${i}` },
        }),
      ),
    );
    for (const r of results) {
      expect(r.status).toBe(503);
      expect(r.body.error?.code).toBe('unavailable');
      expect(r.body.decision).toBeUndefined();
    }
    const approve = await t.json('POST', `/api/v1/approvals/${held.body.action_id}/approve`, { body: {} });
    expect(approve.status).toBe(503);
    expect(
      (await t.json<{ status: string }>('GET', `/api/v1/actions/${held.body.action_id}/status`, { key: t.agentKey })).body.status,
    ).toBe('pending');

    expect((await t.req('GET', '/health', { key: null })).status).toBe(200);
    expect((await t.json<{ storage: { writable: boolean } }>('GET', '/api/deployment-info', { key: null })).body.storage.writable).toBe(
      false,
    );
    expect((await t.json<{ items: unknown[] }>('GET', '/api/v1/actions?limit=1000')).body.items.length).toBe(before.body.items.length);
    expect(t.g.store.head()).toEqual(headBefore);
  });

  it('recovers by itself when writes succeed again, with a chain that verifies', async () => {
    await disk.fail(false);
    const r = await t.json<{ decision: string }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: 'a', action_type: 'file.read', resource: '/after' },
    });
    expect(r.status).toBe(200);
    expect(r.body.decision).toBe('allowed');
    expect((await t.json<{ storage: { writable: boolean } }>('GET', '/api/deployment-info', { key: null })).body.storage.writable).toBe(
      true,
    );
    expect((await t.json<{ ok: boolean }>('GET', '/api/v1/audit/verify')).body.ok).toBe(true);
    await t.reopen();
    expect((await t.json<{ ok: boolean; records: number }>('GET', '/api/v1/audit/verify')).body.ok).toBe(true);
  });
});
