import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exportAudit } from '../../src-main/audit/export.js';
import { openStore, type SqliteStore } from '../../src-main/storage/store.js';
import { StorageWorker } from '../../src-main/storage/workers.js';
import { cleanupDirs, decided, tempDir } from './helpers.js';

afterEach(cleanupDirs);

/** The store's storage threads (private fields), to see which are running. */
const threads = (s: SqliteStore) => s as unknown as { writer: StorageWorker; reader: StorageWorker; indexer: StorageWorker };
const heapLimitMb = async (w: StorageWorker) => {
  const worker = (w as unknown as { worker: import('node:worker_threads').Worker | null }).worker;
  return worker ? (await worker.getHeapStatistics()).heap_size_limit / 2 ** 20 : null;
};

async function commitMany(s: SqliteStore, count: number): Promise<void> {
  const first = s.head().seq;
  for (let from = 0; from < count; from += 500)
    await Promise.all(
      Array.from({ length: Math.min(500, count - from) }, (_, k) => {
        const c = decided(first + from + k);
        return s.commit(c.ops, c.audit);
      }),
    );
}

// Each storage thread is a V8 heap of its own and part of the process's RSS (issue 11: peak RSS at
// a million records): a thread that is not working is not kept.
describe('storage threads: started when needed, stopped when done', () => {
  it('a large verification or export runs on the read thread and the indexer: no third thread is started for it', async () => {
    const s = await openStore({
      dataDir: tempDir(),
      log: () => undefined,
      offloadMinRows: 100,
      exportBlockRows: 50,
      indexerVerifyRows: 40,
    });
    const served = new Map<string, Set<string>>();
    const indexerWalks: number[] = [];
    const call = StorageWorker.prototype.call;
    const spy = vi.spyOn(StorageWorker.prototype, 'call').mockImplementation(function (this: StorageWorker, req, onProgress) {
      const role = (this as unknown as { role: string }).role;
      if (req.kind === 'verify' || req.kind === 'export-range') served.set(req.kind, (served.get(req.kind) ?? new Set()).add(role));
      if (req.kind === 'verify' && role === 'indexer') indexerWalks.push(req.head.seq - (req.start?.seq ?? 0));
      return call.call(this, req, onProgress);
    });
    try {
      await commitMany(s, 150);
      // Below 2 × offloadMinRows: the read thread alone.
      expect(await s.verify()).toMatchObject({ ok: true, records: 150 });
      expect(served.get('verify')).toEqual(new Set(['reader']));
      await commitMany(s, 350);
      expect(await s.verify()).toMatchObject({ ok: true, records: 500 });
      expect(served.get('verify')).toEqual(new Set(['reader', 'indexer']));
      // The indexer's half (251..500) in slices of at most 40 records: a search waits behind one slice.
      expect(indexerWalks).toEqual([40, 40, 40, 40, 40, 40, 10]);
      let lines = 0;
      for await (const chunk of exportAudit(s, { format: 'jsonl' })) lines += chunk.split('\n').length - 1;
      expect(lines).toBe(500);
      expect(served.get('export-range')).toEqual(new Set(['reader', 'indexer']));
      // The store has exactly its three threads: writer, reader, indexer.
      const workers = Object.values(s as unknown as Record<string, unknown>).filter((v) => v instanceof StorageWorker);
      expect(workers.map((w) => (w as unknown as { role: string }).role).sort()).toEqual(['indexer', 'reader', 'writer']);
    } finally {
      spy.mockRestore();
      await s.close();
    }
  });

  it('each thread runs within its own heap limit', async () => {
    const dir = tempDir();
    const s = await openStore({ dataDir: dir, log: () => undefined });
    const path = join(dir, 'gatehouse.sqlite');
    const reader = new StorageWorker('reader', path, () => undefined);
    const indexer = new StorageWorker('indexer', path, () => undefined);
    try {
      await s.writerReady();
      await reader.call({ kind: 'query', sql: 'SELECT 1', params: [] });
      await indexer.call({ kind: 'fts-reach', seq: 0 });
      const [w, r, i] = await Promise.all([threads(s).writer, reader, indexer].map(heapLimitMb));
      // V8's default would be ~4 GB here; the limits are the old + young generation sizes in workers.ts.
      // 24 MB old + 4 MB young each: the read threads' 16 MB young generations kept ~6 MB more
      // resident apiece during an export (limits of 48 MB).
      expect(w).toBeLessThan(40);
      expect(r).toBeLessThan(40);
      expect(i).toBeLessThan(40); // the reader's sizes: it is the second read thread of an export
    } finally {
      await Promise.all([reader.close(), indexer.close(), s.close()]);
    }
  });

  it('under the server runtime (--max-semi-space-size) each thread keeps its own young generation', { timeout: 60_000 }, () => {
    // The flag sizes the main thread's young generation; it overrode every thread's own size too
    // (16 MB each: the writer's limit was 48 MB instead of 30, the page thread's 64 instead of 46).
    const child = fileURLToPath(new URL('./fixtures/thread-heaps.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--max-semi-space-size=5', '--import', 'tsx', child, tempDir()], {
      encoding: 'utf8',
      timeout: 50_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const limits = JSON.parse(r.stdout.trim().split('\n').pop()!) as { writer: number; indexer: number; pages: number };
    expect(limits.writer).toBeLessThan(40); // 24 old + 4 young (48 under the flag)
    expect(limits.pages).toBeLessThan(50); // 40 old + 4 young (64 under the flag)
    expect(limits.indexer).toBeLessThan(40); // 24 old + 4 young, as the reader (the second read thread of an export)
  });

  it('an idle thread gives back the heap it grew (and its page cache) without stopping', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const s = await openStore({ dataDir: dir, log: () => undefined });
    const reader = new StorageWorker('reader', join(dir, 'gatehouse.sqlite'), () => undefined, { trimMs: 200 });
    const physMb = async () => {
      const w = (reader as unknown as { worker: import('node:worker_threads').Worker | null }).worker;
      return w ? (await w.getHeapStatistics()).total_physical_size / 2 ** 20 : null;
    };
    try {
      await commitMany(s, 3000);
      // Reads that leave the thread's heap grown: a few MB of rows each, garbage once answered.
      let grown = 0;
      for (let i = 0; i < 6; i++) {
        expect(await reader.call({ kind: 'query', sql: 'SELECT * FROM audit', params: [] })).toHaveLength(3000);
        grown = Math.max(grown, (await physMb())!);
      }
      expect(grown).toBeGreaterThan(12);
      await vi.waitFor(async () => expect(await physMb()).toBeLessThan(grown / 2), { timeout: 10_000, interval: 100 });
      expect(reader.started).toBe(true); // the same thread, smaller: the next read needs no restart
      expect(await reader.call({ kind: 'query', sql: 'SELECT count(*) AS n FROM audit', params: [] })).toEqual([{ n: 3000 }]);
    } finally {
      await Promise.all([reader.close(), s.close()]);
    }
  });

  it('an idle read thread stops, and the next large read starts it again', async () => {
    const s = await openStore({ dataDir: tempDir(), log: () => undefined, offloadMinRows: 10, readerIdleMs: 0 });
    try {
      await commitMany(s, 50);
      expect(await s.allAsync('SELECT count(*) AS n FROM audit', [], { rowsHint: 50 })).toEqual([{ n: 50 }]);
      await vi.waitFor(() => expect(threads(s).reader.started).toBe(false));
      expect(await s.allAsync('SELECT count(*) AS n FROM actions', [], { rowsHint: 50 })).toEqual([{ n: 50 }]);
      expect(await s.verify()).toMatchObject({ ok: true, records: 50 });
    } finally {
      await s.close();
    }
  });

  it('an export read slowly is not cut by the idle stop between its chunks', { timeout: 60_000 }, async () => {
    const s = await openStore({ dataDir: tempDir(), log: () => undefined, offloadMinRows: 10, readerIdleMs: 0 });
    try {
      await commitMany(s, 5000);
      let lines = 0;
      let chunks = 0;
      for await (const chunk of exportAudit(s, { format: 'jsonl' })) {
        chunks++;
        lines += chunk.split('\n').length - 1;
        await sleep(20); // a slow client: the thread has no call in flight meanwhile
      }
      expect(chunks).toBeGreaterThan(2);
      expect(lines).toBe(5000);
      await vi.waitFor(() => expect(threads(s).reader.started).toBe(false));
    } finally {
      await s.close();
    }
  });

  it('the writer keeps running when idle (it is the one that commits)', async () => {
    const s = await openStore({ dataDir: tempDir(), log: () => undefined, readerIdleMs: 0 });
    try {
      await commitMany(s, 10);
      await sleep(20);
      expect(threads(s).writer.started).toBe(true);
      expect(await heapLimitMb(threads(s).writer)).toBeLessThan(40);
    } finally {
      await s.close();
    }
  });

  /** The nice value of each thread of this process, by thread id (Linux: /proc/self/task). */
  const niceByThread = (): Map<number, number> =>
    new Map(
      readdirSync('/proc/self/task').flatMap((tid) => {
        try {
          const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
          return [[Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])] as [number, number]];
        } catch {
          return []; // a thread that ended while this was read
        }
      }),
    );

  it.runIf(process.platform === 'linux')(
    'the indexer thread alone runs at a lower priority (nice 10): its work can wait, a commit cannot',
    async () => {
      const before = niceByThread();
      const s = await openStore({ dataDir: tempDir(), log: () => undefined });
      try {
        await s.writerReady();
        await commitMany(s, 20);
        await s.fullTextReady(); // the indexer thread is running
        await s.verify(); // and a read, on the main thread or the reader
        const started = [...niceByThread()].filter(([tid]) => !before.has(tid));
        expect(started.filter(([, nice]) => nice === 10)).toHaveLength(1);
        expect(started.filter(([, nice]) => nice !== 10 && nice !== 0)).toEqual([]);
        expect(niceByThread().get(process.pid)).toBe(before.get(process.pid));
      } finally {
        await s.close();
      }
    },
  );
});
