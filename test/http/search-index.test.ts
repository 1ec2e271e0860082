import { afterEach, describe, expect, it } from 'vitest';
import { sqlite } from '../../src-main/storage/sqlite.js';
import { openTestCore, type TestCore } from '../helpers/core.js';
import { cleanupDirs, forgetOpened, linkedAction, openTracked, tempDir } from '../storage/helpers.js';

// Free text and the agent filter wait for the indexer thread, which trails the log. After an
// upgrade or a rebuild the whole log is to index: a request waits a bounded time, then is refused
// with the index's progress (services/search-index.ts), and answers in full once it has caught up.

/** Enough records that the indexer needs far longer than the first test's requests take (it indexes ~18,000 records/s here). */
const RECORDS = 30_000;
let t: TestCore | null = null;

afterEach(async () => {
  await t?.close();
  t = null;
  cleanupDirs();
});

/** A data dir of RECORDS decided actions of agent `a` (every 4th has the word `needle` in its resource), its search index emptied as an upgrade leaves it. */
async function logToIndexAgain(): Promise<string> {
  const dataDir = tempDir('gh-search-index-');
  const s = await openTracked(dataDir);
  for (let from = 0; from < RECORDS; from += 2000)
    await Promise.all(
      Array.from({ length: 2000 }, (_, k) => {
        const i = from + k;
        const c = linkedAction(i, { agent: 'a', resource: i % 4 ? `/src/file-${i}.ts` : `/src/needle-${i}.ts` });
        return s.commit(c.ops, c.audit);
      }),
    );
  await s.close();
  forgetOpened(s);
  const db = new (sqlite().DatabaseSync)(`${dataDir}/gatehouse-fts.sqlite`);
  db.exec("DELETE FROM audit_fts; DELETE FROM audit_agent; DELETE FROM agent_types; UPDATE fts_meta SET value = '0' WHERE key = 'fts_seq'");
  db.close();
  return dataDir;
}

/** GET until it answers other than 503 (the indexer catching up), for up to 30 s. */
async function getOnceCaughtUp<T>(core: TestCore, path: string): Promise<{ status: number; body: T }> {
  for (let i = 0; ; i++) {
    const r = await core.json<T>('GET', path);
    if (r.status !== 503 || i >= 150) return r;
    await new Promise((res) => setTimeout(res, 200));
  }
}

/**
 * Every item of a list, following its cursors. Each page may meet a 503 too: the server keeps
 * writing records while the test runs (a checkpoint every 1,000 records as the Merkle tree of the
 * older log is built), and with a 1 ms wait the indexer is a step behind them.
 */
async function all<T>(core: TestCore, path: string): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const r: { status: number; body: { items: T[]; next_cursor: string | null } } = await getOnceCaughtUp(
      core,
      `${path}&limit=500${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    out.push(...r.body.items);
    cursor = r.body.next_cursor;
  } while (cursor);
  return out;
}

describe('lists that read the search index while it is being rebuilt', () => {
  it('refuse free text and the agent filter with a 503 naming the field and the progress, then answer in full', async () => {
    t = await openTestCore({ dataDir: await logToIndexAgain(), searchIndexWaitMs: 1 });
    for (const [path, field] of [
      ['/api/v1/audit?q=needle', 'q'],
      ['/api/v1/actions?q=needle', 'q'],
      ['/api/v1/audit?agent_id=a', 'agent_id'],
      ['/api/v1/actions?agent_id=a&q=needle', 'q'],
    ] as const) {
      const res = await t.req('GET', path);
      expect(res.status, path).toBe(503);
      expect(res.headers.get('retry-after')).toBe('2');
      const body = (await res.json()) as { error: { code: string; message: string; details: { path: string; message: string }[] } };
      expect(body.error.code).toBe('unavailable');
      expect(body.error.details[0]!.path).toBe(field);
      expect(body.error.details[0]!.message).toMatch(/^The search index is being built: [\d,]+ of [\d,]+ records indexed \(\d+ %\)$/);
      const [, indexed, head] = /^The search index is catching up with the log: ([\d,]+) of ([\d,]+) records indexed/.exec(
        body.error.message,
      )!;
      const n = (x: string | undefined) => Number(x!.replaceAll(',', ''));
      expect(n(indexed)).toBeLessThan(n(head));
      expect(n(head)).toBeGreaterThan(RECORDS); // and the records the server wrote at start
    }
    // Lists that do not read the index answer as usual.
    const plain = await t.json<{ items: unknown[] }>('GET', '/api/v1/actions?decision=allowed&limit=10');
    expect(plain.status).toBe(200);
    expect(plain.body.items).toHaveLength(10);

    // Once the index has caught up, the same lists answer in full.
    expect((await getOnceCaughtUp(t, '/api/v1/actions?q=needle')).status).toBe(200);
    const found = await all<{ resource: string }>(t, '/api/v1/actions?q=needle');
    expect(found).toHaveLength(RECORDS / 4);
    expect(found.every((a) => a.resource.includes('needle'))).toBe(true);
    expect(await all(t, '/api/v1/actions?agent_id=a')).toHaveLength(RECORDS);
  });

  it('wait for a backlog that clears within their time instead of refusing', async () => {
    t = await openTestCore({ dataDir: await logToIndexAgain(), searchIndexWaitMs: 60_000 });
    const r = await t.json<{ items: unknown[] }>('GET', '/api/v1/audit?q=needle&limit=100');
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(100);
  });
});
