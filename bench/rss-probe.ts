// Where the storage bench's RSS goes (issue 11: peak RSS ≤ 200 MB at 1M records): the bench's phases
// (ingest or an existing file, filtered pages, free-text pages, export, verify, statistics) with a
// snapshot after each of /proc/self/status (RssAnon, RssFile), the main V8 heap, each storage thread's
// V8 heap (Worker.getHeapStatistics) and, with --gdb, glibc's arenas (malloc_info through gdb: what each
// arena holds from the OS and how much of it is free).
// Run: node --import tsx bench/rss-probe.ts (--records N | --db FILE) [--gdb] [--trim] [--calling-thread]
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import type { Worker } from 'node:worker_threads';
import { exportAudit } from '../src-main/audit/export.js';
import { verifyStore } from '../src-main/audit/verify.js';
import { computeStats } from '../src-main/services/stats.js';
import { PageReader } from '../src-main/services/page-reader.js';
import { databasePath, openStore, type SqliteStore } from '../src-main/storage/store.js';
import { LatencyHistogram, stallDuring } from './lib.js';
import { pageShapes, searchShapes, timeQueries, timeThreadQueries } from './queries.js';
import { commitFor } from './records.js';

const argv = process.argv;
const opt = (name: string) => {
  const i = argv.indexOf(name);
  return i > 0 ? argv[i + 1] : undefined;
};
const RECORDS = Number(opt('--records') ?? 0);
const DB = opt('--db');
const GDB = argv.includes('--gdb');
/** Also read the pages on this thread, as the storage bench did before it moved them to a process of their own. */
const CALLING = argv.includes('--calling-thread');
/** Keep the data dir (its path is printed), to probe the same log again with --db. */
const KEEP = argv.includes('--keep');
const log = (s: string) => process.stderr.write(`${s}\n`);
const mb = (b: number) => (b / 1048576).toFixed(0);

function status(): Record<string, number> {
  const text = readFileSync('/proc/self/status', 'utf8');
  const out: Record<string, number> = {};
  for (const k of ['VmRSS', 'VmHWM', 'RssAnon', 'RssFile', 'RssShmem'])
    out[k] = Number(new RegExp(`${k}:\\s+(\\d+)`).exec(text)?.[1] ?? 0) * 1024;
  return out;
}

/** glibc arenas: [system bytes, free bytes] each, from malloc_info (gdb attaches for a moment). */
function arenas(): { nr: number; system: number; free: number }[] {
  let xml = '';
  try {
    xml = execFileSync(
      'gdb',
      [
        '-p',
        String(process.pid),
        '-batch',
        '-nx',
        '-ex',
        'call (int) malloc_info(0, (void*) fopen("/tmp/rss-probe-malloc.xml", "w"))',
        '-ex',
        'call (int) fflush(0)',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'ignore', 'ignore'], timeout: 60_000 },
    );
    xml = readFileSync('/tmp/rss-probe-malloc.xml', 'utf8');
  } catch (e) {
    log(`  (gdb failed: ${(e as Error).message.slice(0, 100)})`);
    return [];
  }
  const out: { nr: number; system: number; free: number }[] = [];
  for (const m of xml.matchAll(/<heap nr="(\d+)">([\s\S]*?)<\/heap>/g)) {
    const body = m[2]!;
    const num = (re: RegExp) => Number(re.exec(body)?.[1] ?? 0);
    const fast = num(/<total type="fast" count="\d+" size="(\d+)"/);
    const rest = num(/<total type="rest" count="\d+" size="(\d+)"/);
    out.push({ nr: Number(m[1]), system: num(/<system type="current" size="(\d+)"/), free: fast + rest });
  }
  // Chunks glibc mapped on their own (above its mmap threshold), outside every arena.
  const tail = xml.slice(xml.lastIndexOf('</heap>'));
  out.push({ nr: -1, system: Number(/<total type="mmap" count="\d+" size="(\d+)"/.exec(tail)?.[1] ?? 0), free: 0 });
  return out;
}

/** Anonymous memory by mapping: V8's pages (256 KiB), V8's large objects (~1 MiB), the main arena ([heap]), the rest. */
function anonMaps(): string {
  const classes = new Map<string, number>();
  let cls = '';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (head) {
      const kb = (parseInt(head[2]!, 16) - parseInt(head[1]!, 16)) / 1024;
      const name = head[4]!.trim();
      cls =
        name === '[heap]'
          ? 'heap'
          : head[3] !== '0' || name
            ? ''
            : kb === 256
              ? 'v8page'
              : kb >= 1024 && kb <= 1100
                ? '~1M'
                : kb >= 60 * 1024
                  ? '>=60M'
                  : 'other';
      continue;
    }
    const m = /^Anonymous:\s+(\d+)/.exec(line);
    if (m && cls) classes.set(cls, (classes.get(cls) ?? 0) + Number(m[1]) * 1024);
  }
  return [...classes].map(([k, v]) => `${k} ${mb(v)}`).join(' ');
}

/** The page thread of the query phases (the API's list pages), while it runs. */
let pageReader: PageReader | null = null;

interface Probe {
  worker: Worker | null;
}
async function workerHeap(owner: unknown, name: string): Promise<string> {
  const w = (owner as Record<string, Probe>)[name]!.worker;
  if (!w) return `${name} -`;
  const h = await w.getHeapStatistics();
  return `${name} ${mb(h.total_physical_size)}/${mb(h.used_heap_size)}`;
}

async function snap(store: SqliteStore, phase: string): Promise<void> {
  // The storage threads are unref'd: keep the loop alive while their heap figures come back.
  const keep = setInterval(() => undefined, 1000);
  try {
    await snapNow(store, phase);
  } finally {
    clearInterval(keep);
  }
}

async function snapNow(store: SqliteStore, phase: string): Promise<void> {
  const s = status();
  const m = process.memoryUsage();
  const h = getHeapStatistics();
  const workers = await Promise.all((['writer', 'reader', 'indexer'] as const).map((n) => workerHeap(store, n)));
  if (pageReader) workers.push((await workerHeap(pageReader, 'thread')).replace('thread', 'pages'));
  log(
    `[${phase}] RSS ${mb(s.VmRSS!)} (peak ${mb(s.VmHWM!)}) anon ${mb(s.RssAnon!)} file ${mb(s.RssFile!)} shmem ${mb(s.RssShmem!)} | ` +
      `main V8 phys/used ${mb(h.total_physical_size)}/${mb(h.used_heap_size)} ext ${mb(m.external)} ab ${mb(m.arrayBuffers)} | ${workers.join(' ')} (MB)`,
  );
  const spaces = getHeapSpaceStatistics()
    .filter((x) => x.physical_space_size > 1 << 20)
    .map((x) => `${x.space_name.replace('_space', '')} ${mb(x.physical_space_size)}/${mb(x.space_used_size)}`);
  log(`    main V8 spaces: ${spaces.join(' ')}; anon mappings: ${anonMaps()}`);
  if (GDB) {
    const a = arenas();
    const sys = a.reduce((x, y) => x + y.system, 0);
    const free = a.reduce((x, y) => x + y.free, 0);
    log(
      `    malloc: ${a.length} arenas, ${mb(sys)} MB from the OS, ${mb(free)} MB of it free; ` +
        a
          .filter((x) => x.system > 1 << 20)
          .map((x) => `#${x.nr} ${mb(x.system)}/${mb(x.free)}`)
          .join(' '),
    );
  }
}

/** As the bench does: each commit's latency in a histogram. */
const lat = new LatencyHistogram();
async function ingest(store: SqliteStore, n: number): Promise<void> {
  let next = 0;
  let mark = 0;
  async function one(): Promise<void> {
    while (next < n) {
      const i = next++;
      const c = commitFor(i, Date.now());
      const t = performance.now();
      await store.commit(c.ops, c.audit);
      lat.record(performance.now() - t);
      if (i >= mark + 50_000) {
        mark = i;
        await snap(store, `ingest ${i}`);
      }
    }
  }
  await Promise.all(Array.from({ length: 32 }, one));
}

const dir = mkdtempSync(join(tmpdir(), 'gh-rss-probe-'));
try {
  if (DB) {
    copyFileSync(DB, join(dir, 'gatehouse.sqlite'));
    // The full-text index beside it, if any (else the indexer rebuilds it during the phases).
    const fts = DB.replace(/gatehouse\.sqlite$/, 'gatehouse-fts.sqlite');
    if (fts !== DB && existsSync(fts)) copyFileSync(fts, join(dir, 'gatehouse-fts.sqlite'));
  }
  const store = await openStore({ dataDir: dir, log });
  await store.writerReady();
  await snap(store, 'open');
  if (RECORDS) {
    const t0 = performance.now();
    await stallDuring(() => ingest(store, RECORDS));
    await store.fullTextReady();
    log(`  ack p99 ${lat.percentile(99).toFixed(2)} ms`);
    log(`  ingest ${((RECORDS / (performance.now() - t0)) * 1000).toFixed(0)} rec/s`);
    await snap(store, 'ingested');
  }
  const head = store.head().seq;
  // As the storage bench reads them: on the page thread (as the API does) and on this thread, in turn.
  pageReader = new PageReader(store, { path: databasePath(dir), log });
  let t0 = performance.now();
  const threadPages: number[] = [];
  const pages: number[] = [];
  for (let round = 0; round < 4; round++) {
    for (const shape of pageShapes(head)) {
      threadPages.push(...(await timeThreadQueries(pageReader, 100, shape.make)));
      if (CALLING) pages.push(...timeQueries(store, 100, shape.make));
    }
  }
  const p99 = (xs: number[]) => (xs.length ? xs.sort((a, b) => a - b)[Math.floor(xs.length * 0.99)]!.toFixed(2) : '-');
  log(`  pages p99 ${p99(threadPages)} ms on the page thread, ${p99(pages)} ms here (${(performance.now() - t0).toFixed(0)} ms)`);
  await snap(store, 'pages');
  t0 = performance.now();
  const threadText: number[] = [];
  const text: number[] = [];
  for (const shape of searchShapes) {
    threadText.push(...(await timeThreadQueries(pageReader, 60, shape.make)));
    if (CALLING) text.push(...timeQueries(store, 60, shape.make));
  }
  log(`  search p99 ${p99(threadText)} ms on the page thread, ${p99(text)} ms here (${(performance.now() - t0).toFixed(0)} ms)`);
  await snap(store, 'search');
  await pageReader.close();
  pageReader = null;
  t0 = performance.now();
  let bytes = 0;
  for await (const chunk of exportAudit(store, { format: 'jsonl' })) bytes += chunk.length;
  log(`  export ${((head / (performance.now() - t0)) * 1000).toFixed(0)} rec/s (${mb(bytes)} MB)`);
  await snap(store, 'export');
  t0 = performance.now();
  const v = await verifyStore(store);
  log(`  verify ${v.ok} ${((head / (performance.now() - t0)) * 1000).toFixed(0)} rec/s`);
  await snap(store, 'verify');
  t0 = performance.now();
  await computeStats(store, '30d', Date.now(), 0);
  log(`  stats ${(performance.now() - t0).toFixed(0)} ms`);
  await snap(store, 'stats');
  await store.close();
  log(`  peak RSS ${mb(process.resourceUsage().maxRSS * 1024)} MB`);
} finally {
  if (KEEP) log(`  kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
