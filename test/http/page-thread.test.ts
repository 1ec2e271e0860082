import { afterEach, describe, expect, it } from 'vitest';
import { ActionQuerySchema, AuditQuerySchema } from '../../src-shared/index.js';
import { queryAudit } from '../../src-main/audit/query.js';
import { listActions } from '../../src-main/services/action-list.js';
import { join } from 'node:path';
import { GatehouseError } from '../../src-main/core/errors.js';
import { startServer } from '../../src-main/server/serve.js';
import { PageReader } from '../../src-main/services/page-reader.js';
import { databasePath } from '../../src-main/storage/store.js';
import type { SqlValue } from '../../src-main/storage/types.js';
import { openTestCore, type TestCore } from '../helpers/core.js';
import { linkedAction, tempDir, cleanupDirs } from '../storage/helpers.js';

// The two long lists are read on the page thread (services/page-worker.ts), so that a page read from
// a cold disk never holds the main event loop (SPEC 8). What it answers must be exactly what the same
// code answers on the main thread, errors included.

let t: TestCore | null = null;

afterEach(async () => {
  await t?.close();
  t = null;
  cleanupDirs();
});

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `n` decided actions over 7 agents, every 5th with the word `needle` in its resource. */
async function seed(core: TestCore, n: number): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, (_, i) => {
      const c = linkedAction(i, i % 5 ? {} : { resource: `/srv/needle-${i}.txt` });
      return core.g.store.commit(c.ops, c.audit);
    }),
  );
  await core.g.store.fullTextReady();
}

/** Counts the list reads (the SELECTs of action-list.ts and audit/query.ts) the main thread's connection runs. */
function countMainListReads(core: TestCore): { reads: () => number; restore: () => void } {
  const store = core.g.store as unknown as { all: (sql: string, params?: SqlValue[]) => unknown[] };
  const original = store.all;
  let n = 0;
  store.all = function (sql, params) {
    if (/FROM actions a\b|FROM audit a\b|audit_fts/.test(sql)) n++;
    return original.call(this, sql, params);
  };
  return { reads: () => n, restore: () => (store.all = original) };
}

const ACTION_QUERIES = [
  'limit=50',
  'decision=denied&limit=20',
  'agent_id=agent-3&limit=30',
  'agent_id=agent-3&risk_level=high&limit=10',
  'status=pending&risk_level=low&limit=10',
  'q=needle&limit=25',
  'q=needle&agent_id=agent-5&limit=5',
  'action_type=file.write&since=2023-11-14T22:13:20.100Z&until=2023-11-14T22:13:20.300Z&limit=40',
];
const AUDIT_QUERIES = [
  'limit=50',
  'type=action.decided&limit=20',
  'agent_id=agent-2&limit=15',
  'q=needle&limit=10',
  'decision=allowed&risk_level=critical&limit=10',
];

describe('the page thread', () => {
  it('answers every list as the main thread would, pages and cursors alike, without a list read on the main thread', async () => {
    t = await openTestCore();
    await seed(t, 600);
    const count = countMainListReads(t);
    const viaThread: { path: string; body: unknown }[] = [];
    for (const [base, queries] of [
      ['/api/v1/actions', ACTION_QUERIES],
      ['/api/v1/audit', AUDIT_QUERIES],
    ] as const) {
      for (const qs of queries) {
        // The first page and the next one, through its cursor.
        const first = await t.json<{ items: unknown[]; next_cursor: string | null }>('GET', `${base}?${qs}`);
        expect(first.status, `${base}?${qs}`).toBe(200);
        expect(first.body.items.length, `${base}?${qs}`).toBeGreaterThan(0);
        viaThread.push({ path: `${base}?${qs}`, body: first.body });
        if (first.body.next_cursor) {
          const path = `${base}?${qs}&cursor=${first.body.next_cursor}`;
          const next = await t.json('GET', path);
          expect(next.status, path).toBe(200);
          viaThread.push({ path, body: next.body });
        }
      }
    }
    expect(count.reads()).toBe(0);
    expect(t.g.pages.threadStarted).toBe(true);
    count.restore();

    for (const { path, body } of viaThread) {
      const params = Object.fromEntries(new URL(path, 'http://x').searchParams);
      const here = path.startsWith('/api/v1/actions')
        ? listActions(t.g.store, ActionQuerySchema.parse(params), null)
        : queryAudit(t.g.store, AuditQuerySchema.parse(params));
      expect(body, path).toEqual(JSON.parse(JSON.stringify(here)));
    }
  });

  it('answers a bad cursor with a 400 naming it, from the thread as on the main thread', async () => {
    t = await openTestCore();
    const r = await t.json<{ error: { code: string; message: string } }>('GET', '/api/v1/audit?cursor=bm90LWEtY3Vyc29y');
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({
      code: 'invalid_request',
      message: 'cursor is not one this list gave; start again without it',
      details: [{ path: 'cursor', message: 'cursor is not one this list gave; start again without it' }],
    });
  });

  it('reads a page too big for it again with a smaller limit, on the thread: fewer items, a cursor to the rest, none on the main thread', async () => {
    t = await openTestCore();
    // 60 records of ~1 MiB: a page of them is ~60 MB of text, beyond what the thread reads for one page.
    const big = 'x'.repeat(1_000_000);
    for (let i = 0; i < 60; i++) await t.g.store.commit([], [{ type: 'alert.triggered', actor: 'system', data: { i, big } }]);
    const count = countMainListReads(t);
    const seen: number[] = [];
    let pages = 0;
    for (let cursor: string | null = null; pages === 0 || cursor !== null; pages++) {
      const r: { status: number; body: { items: { data: { i: number; big: string } }[]; next_cursor: string | null } } = await t.json(
        'GET',
        `/api/v1/audit?type=alert.triggered&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeGreaterThan(0);
      expect(r.body.items.every((x) => x.data.big.length === 1_000_000)).toBe(true);
      seen.push(...r.body.items.map((x) => x.data.i));
      cursor = r.body.next_cursor;
    }
    expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => 59 - i));
    expect(pages).toBeGreaterThan(1);
    expect(count.reads()).toBe(0);

    // A page of ordinary size is read on the thread as before.
    const small = await t.json<{ items: unknown[] }>('GET', '/api/v1/audit?type=alert.triggered&limit=2');
    expect(small.status).toBe(200);
    expect(small.body.items).toHaveLength(2);
    expect(count.reads()).toBe(0);
    count.restore();
  });

  it('starts with the server, stops when no page comes for its idle time, and starts again for the next page', async () => {
    const server = await startServer({ dataDir: tempDir('gh-pages-warm-'), port: 0 });
    try {
      expect(server.g.pages.threadStarted).toBe(true);
    } finally {
      await server.close();
    }
    expect(server.g.pages.threadStarted).toBe(false);

    t = await openTestCore();
    expect(t.g.pages.threadStarted).toBe(false); // a Gatehouse without a server does not start it
    const pages = new PageReader(t.g.store, { path: databasePath(t.dataDir), log: () => undefined, idleMs: 300 });
    try {
      pages.warm();
      expect(pages.threadStarted).toBe(true);
      await until(() => !pages.threadStarted, 10_000);
      const page = JSON.parse(await pages.audit({ limit: 1 })) as { items: unknown[] };
      expect(page.items).toHaveLength(1);
      expect(pages.threadStarted).toBe(true);
      await until(() => !pages.threadStarted, 10_000);
    } finally {
      await pages.close();
    }
  });

  it('answers a read it cannot do with 503 unavailable, never with a page', async () => {
    t = await openTestCore();
    const pages = new PageReader(t.g.store, { path: join(t.dataDir, 'no-such-dir', 'gatehouse.sqlite'), log: () => undefined });
    try {
      const e = (await pages.audit({ limit: 1 }).catch((err: unknown) => err)) as GatehouseError;
      expect(e).toBeInstanceOf(GatehouseError);
      expect(e.code).toBe('unavailable');
      expect(e.retryAfterS).toBe(1);
    } finally {
      await pages.close();
    }
  });
});
