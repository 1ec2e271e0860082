// Storage and audit benchmark (SPEC 7, 8): durable ingestion into gatehouse.sqlite (node:sqlite,
// WAL, synchronous=FULL, group commit), then filtered page queries, free-text search, JSONL export,
// chain verification, statistics over the whole log and cold start on the resulting log; the
// longest event-loop stall during each phase (perf_hooks.monitorEventLoopDelay), and the process's
// peak RSS (worker threads included); then the in-place upgrade of a 0.1 data dir, in a process of its
// own (this file run again with --upgrade-phase DIR), with its time, longest stall and peak RSS.
// Run: node --import tsx bench/storage.ts [--records N] [--inflight 32]   (default 1,000,000 records)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportAudit } from '../src-main/audit/export.js';
import { queryAudit } from '../src-main/audit/query.js';
import { verifyStore } from '../src-main/audit/verify.js';
import { PageReader } from '../src-main/services/page-reader.js';
import { computeStats } from '../src-main/services/stats.js';
import { attachFullTextAsIs, configure } from '../src-main/storage/database.js';
import { connectionReads } from '../src-main/storage/log-reads.js';
import { Connection } from '../src-main/storage/sqlite.js';
import { databasePath, openStore, type SqliteStore } from '../src-main/storage/store.js';
import { legacyDataDir } from './legacy-0.1.js';
import { LatencyHistogram, percentile, stallDuring, writeResults, type Figure } from './lib.js';
import { pageShapes, searchShapes, timeQueries, timeThreadQueries } from './queries.js';
import { commitFor } from './records.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RECORDS = arg('--records', 1_000_000);
const IN_FLIGHT = arg('--inflight', 32);

const rssMb = () => process.resourceUsage().maxRSS / 1024;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const log = (s: string) => process.stderr.write(`${s}\n`);

async function ingest(store: SqliteStore): Promise<{ rate: number; lat: LatencyHistogram; cpuUs: number }> {
  const lat = new LatencyHistogram();
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let lastLog = Date.now();
  async function worker(): Promise<void> {
    while (next < RECORDS) {
      const i = next++;
      const c = commitFor(i, Date.now());
      const s = process.hrtime.bigint();
      await store.commit(c.ops, c.audit);
      lat.record(ms(s));
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(
          `  ingested ${i.toLocaleString('en-US')} (${Math.round(i / (ms(t0) / 1000)).toLocaleString('en-US')}/s, peak RSS ${rssMb().toFixed(0)} MB, ` +
            `longest transaction ${store.longestFlushMs.toFixed(1)} ms)`,
        );
      }
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const secs = ms(t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { rate: RECORDS / secs, lat, cpuUs: (cpu.user + cpu.system) / RECORDS };
}

/** Ack latency percentiles from the phase's histogram (bench/lib.ts LatencyHistogram). */
function ackLatency(lat: LatencyHistogram): { p50: number; p99: number; max: number } {
  return { p50: lat.percentile(50), p99: lat.percentile(99), max: lat.max };
}

/** `--upgrade-phase DIR`: this file run again as a child, to upgrade the 0.1 data dir DIR alone in a process. */
async function upgradePhase(dir: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  const up = await stallDuring(() => openStore({ dataDir: dir, log: () => undefined }));
  const secs = ms(t0) / 1000;
  await up.value.close();
  process.stdout.write(`${JSON.stringify({ secs, stallMs: up.stallMs, busyMs: up.busyMs, peakMb: rssMb() })}\n`);
}

/**
 * `--calling-thread-phase DIR HEAD pages|text`: this file run again as a child, to read the page
 * queries (100 of each filtered shape, or 60 of each free-text one) on its own thread from the
 * store in DIR, whose log reaches HEAD, on a connection configured as the server's main one; their
 * times in ms.
 */
function callingThreadPhase(dir: string, head: number, kind: string): void {
  const path = databasePath(dir);
  const conn = new Connection(path, { timeoutMs: 5000 });
  configure(conn, 'main');
  attachFullTextAsIs(conn, path);
  const reads = connectionReads(conn, {
    seq: head,
    hash: conn.get<{ hash: string }>('SELECT hash FROM audit WHERE seq = ?', [head])!.hash,
  });
  queryAudit(reads, { agent_id: 'agent-1' }); // warm the statement caches
  const times: number[] = [];
  if (kind === 'pages') for (const shape of pageShapes(head)) times.push(...timeQueries(reads, 100, shape.make));
  else for (const shape of searchShapes) times.push(...timeQueries(reads, 60, shape.make));
  conn.close();
  process.stdout.write(`${JSON.stringify(times)}\n`);
}

/**
 * This file run again as a child process with `args` (`--upgrade-phase DIR`, or `--legacy-fixture N`:
 * build the 0.1 data dir, whose SQLite work would otherwise count in this process's peak RSS); its
 * last line of output, parsed.
 */
function inChild<T>(args: string[]): T {
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`bench child ${args.join(' ')} failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gh-bench-storage-'));
  log(`storage bench: ${RECORDS.toLocaleString('en-US')} records, ${IN_FLIGHT} in flight, data dir ${dataDir}`);
  const figures: Figure[] = [];
  const stalls: { phase: string; ms: number; busy: number }[] = [];
  try {
    let store = await openStore({ dataDir });
    // As in a server, whose first commit (server.started) waits for the writer thread to be up.
    await store.writerReady();
    const { value: ingested, stallMs: ingestStall, busyMs: ingestBusy } = await stallDuring(() => ingest(store));
    const ing = { ...ingested, ...ackLatency(ingested.lat) };
    stalls.push({ phase: 'ingest', ms: ingestStall, busy: ingestBusy });
    // Full text trails the acknowledged transactions (the indexer thread); searches wait for it (as the routes do).
    const ftsStarted = performance.now();
    await store.fullTextReady();
    log(`  full text caught up ${(performance.now() - ftsStarted).toFixed(1)} ms after the last acknowledgement`);
    log(`  RSS now ${(process.memoryUsage.rss() / 1e6).toFixed(0)} MB, peak ${rssMb().toFixed(0)} MB`);
    log(
      `  ingest done: ${Math.round(ing.rate)} rec/s, p50 ${ing.p50.toFixed(2)} ms, p99 ${ing.p99.toFixed(2)} ms, max ${ing.max.toFixed(0)} ms, ` +
        `stall ${ingestStall.toFixed(1)} ms`,
    );
    figures.push(
      {
        id: 'ingest_rate',
        label: `durable ingest (${IN_FLIGHT} in flight, 1 record + 1 op per commit)`,
        value: ing.rate,
        unit: 'rec/s',
        target: 20_000,
        better: 'higher',
      },
      {
        id: 'ingest_cpu',
        label: 'CPU per commit (this process, incl. generating the record)',
        value: ing.cpuUs,
        unit: 'µs',
        better: 'lower',
      },
      { id: 'ack_p50', label: 'commit ack latency p50', value: ing.p50, unit: 'ms', better: 'lower' },
      { id: 'ack_p99', label: 'commit ack latency p99', value: ing.p99, unit: 'ms', target: 5, better: 'lower' },
      { id: 'ack_max', label: 'commit ack latency max', value: ing.max, unit: 'ms', target: 50, better: 'lower' },
      {
        id: 'longest_tx',
        label: 'longest write transaction (group commit, fsync included)',
        value: store.longestFlushMs,
        unit: 'ms',
        better: 'lower',
      },
    );

    const head = store.head().seq;
    // The API reads list pages on the page thread (services/page-reader.ts): timed that way, the
    // figure holds the page and the two thread hand-overs. The same queries read on the calling
    // thread, as 0.1 served them, are timed beside them in a process of their own (this file run
    // again with --calling-thread-phase): the server no longer reads pages there, and the heap and
    // page cache they grew on this thread were counted in the peak RSS of the store.
    const pageReader = new PageReader(store, { path: databasePath(dataDir), log });
    await pageReader.audit({ agent_id: 'agent-1' }); // warm the statement caches
    const shapes = pageShapes(head);
    const threadPages: number[] = [];
    const pages: number[] = [];
    const threadText: number[] = [];
    const allText: number[] = [];
    // Alternated in rounds, so that both meet the same state of the machine.
    for (let round = 0; round < 4; round++) {
      for (const shape of shapes) threadPages.push(...(await timeThreadQueries(pageReader, 100, shape.make)));
      pages.push(...inChild<number[]>(['--calling-thread-phase', dataDir, String(head), 'pages']));
    }
    for (const shape of searchShapes) threadText.push(...(await timeThreadQueries(pageReader, 60, shape.make)));
    allText.push(...inChild<number[]>(['--calling-thread-phase', dataDir, String(head), 'text']));
    for (const t of [threadPages, pages, threadText, allText]) t.sort((a, b) => a - b);
    // The main thread's longest stall while the page thread reads: what a submit arriving meanwhile waits.
    const pageStall = await stallDuring(async () => {
      for (const shape of [...shapes, ...searchShapes]) await timeThreadQueries(pageReader, 60, shape.make);
    });
    await pageReader.close();
    const PAGE = 'filtered page (100) by agent / decision / agent+risk';
    const TEXT = 'free-text page (100, prefix match), alone or with an agent filter';
    const ON_MAIN = 'read on the calling thread (as 0.1 and sessions 1-14 served it)';
    figures.push(
      {
        id: 'page_thread_p50',
        label: `${PAGE}, as the API reads it (page thread), p50`,
        value: percentile(threadPages, 50),
        unit: 'ms',
        better: 'lower',
      },
      {
        id: 'page_thread_p99',
        label: `${PAGE}, as the API reads it (page thread), p99`,
        value: percentile(threadPages, 99),
        unit: 'ms',
        target: 5,
        better: 'lower',
      },
      { id: 'page_p50', label: `${PAGE}, ${ON_MAIN}, p50`, value: percentile(pages, 50), unit: 'ms', better: 'lower' },
      { id: 'page_p99', label: `${PAGE}, ${ON_MAIN}, p99`, value: percentile(pages, 99), unit: 'ms', better: 'lower' },
      {
        id: 'fts_thread_p50',
        label: `${TEXT}, as the API reads it (page thread), p50`,
        value: percentile(threadText, 50),
        unit: 'ms',
        better: 'lower',
      },
      {
        id: 'fts_thread_p99',
        label: `${TEXT}, as the API reads it (page thread), p99`,
        value: percentile(threadText, 99),
        unit: 'ms',
        target: 20,
        better: 'lower',
      },
      { id: 'fts_p50', label: `${TEXT}, ${ON_MAIN}, p50`, value: percentile(allText, 50), unit: 'ms', better: 'lower' },
      { id: 'fts_p99', label: `${TEXT}, ${ON_MAIN}, p99`, value: percentile(allText, 99), unit: 'ms', better: 'lower' },
      {
        id: 'page_main_stall',
        label: 'longest event-loop stall of the main thread while the page thread reads 300 pages',
        value: pageStall.stallMs,
        unit: 'ms',
        better: 'lower',
        note: `main thread running: ${pageStall.busyMs.toFixed(1)} ms; the slowest page on the calling thread above: ${pages[pages.length - 1]!.toFixed(1)} ms`,
      },
    );
    log('  queries done');

    let bytes = 0;
    let t0 = process.hrtime.bigint();
    const exp = await stallDuring(async () => {
      for await (const chunk of exportAudit(store, { format: 'jsonl' })) bytes += chunk.length;
    });
    const exportSecs = ms(t0) / 1000;
    stalls.push({ phase: 'export', ms: exp.stallMs, busy: exp.busyMs });
    log(`  RSS now ${(process.memoryUsage.rss() / 1e6).toFixed(0)} MB, peak ${rssMb().toFixed(0)} MB`);
    figures.push({
      id: 'export_jsonl',
      label: `JSONL export (${(bytes / 1e6).toFixed(0)} MB, read worker)`,
      value: head / exportSecs,
      unit: 'rec/s',
      target: 400_000,
      better: 'higher',
    });
    log(`  export done (${(head / exportSecs).toFixed(0)} rec/s, stall ${exp.stallMs.toFixed(1)} ms)`);

    t0 = process.hrtime.bigint();
    const ver = await stallDuring(() => verifyStore(store));
    const verifySecs = ms(t0) / 1000;
    stalls.push({ phase: 'verify', ms: ver.stallMs, busy: ver.busyMs });
    log(`  RSS now ${(process.memoryUsage.rss() / 1e6).toFixed(0)} MB, peak ${rssMb().toFixed(0)} MB`);
    if (!ver.value.ok) throw new Error(`verify failed: ${JSON.stringify(ver.value)}`);
    figures.push({
      id: 'verify',
      label: 'chain verification (live store, read worker)',
      value: ver.value.records / verifySecs,
      unit: 'rec/s',
      target: 400_000,
      better: 'higher',
    });
    log(`  verify done (${(ver.value.records / verifySecs).toFixed(0)} rec/s, stall ${ver.stallMs.toFixed(1)} ms)`);

    // Every action was created within the last hour or so: the 1h..30d windows all cover the whole log.
    t0 = process.hrtime.bigint();
    const st = await stallDuring(() => computeStats(store, '30d', Date.now(), 0));
    const statsSecs = ms(t0) / 1000;
    stalls.push({ phase: 'stats', ms: st.stallMs, busy: st.busyMs });
    log(`  RSS now ${(process.memoryUsage.rss() / 1e6).toFixed(0)} MB, peak ${rssMb().toFixed(0)} MB`);
    figures.push({
      id: 'stats_30d',
      label: `statistics over the whole log (${st.value.totals.total.toLocaleString('en-US')} actions: the rollup of schema 6; 3.2 s read from the actions in session 15)`,
      value: statsSecs,
      unit: 's',
      better: 'lower',
    });
    log(`  stats done (${statsSecs.toFixed(2)} s, stall ${st.stallMs.toFixed(1)} ms)`);

    const worstOf = () => stalls.reduce((a, b) => (b.ms > a.ms ? b : a));

    // The in-place upgrade of a 0.1 data directory (SPEC 1), on a thread of its own, in a process of
    // its own as at a user's first start of 0.2 (not beside this million-record store's threads): its
    // time, longest stall and peak RSS. It reads a sql.js snapshot, which holds that whole database
    // in memory by design (the format being upgraded).
    const legacyRecords = Math.min(RECORDS, 200_000);
    const legacy = inChild<{ dir: string }>(['--legacy-fixture', String(legacyRecords)]).dir;
    try {
      const up = inChild<{ secs: number; stallMs: number; busyMs: number; peakMb: number }>(['--upgrade-phase', legacy]);
      stalls.push({ phase: 'upgrade', ms: up.stallMs, busy: up.busyMs });
      figures.push(
        {
          id: 'upgrade_0_1',
          label: `0.1 → 0.2 upgrade of a ${legacyRecords.toLocaleString('en-US')}-record data dir (longest stall ${up.stallMs.toFixed(1)} ms)`,
          value: legacyRecords / up.secs,
          unit: 'rec/s',
          better: 'higher',
        },
        {
          id: 'upgrade_peak_rss',
          label: `peak RSS of that upgrade (a process of its own, as at a first start)`,
          value: up.peakMb,
          unit: 'MB',
          better: 'lower',
        },
      );
      log(`  upgrade done (${up.secs.toFixed(1)} s, stall ${up.stallMs.toFixed(1)} ms, peak RSS ${up.peakMb.toFixed(0)} MB)`);
    } finally {
      rmSync(legacy, { recursive: true, force: true });
    }

    t0 = process.hrtime.bigint();
    await store.close();
    const closeMs = ms(t0);
    const dbMb = statSync(join(dataDir, 'gatehouse.sqlite')).size / 1e6;
    const ftsMb = statSync(join(dataDir, 'gatehouse-fts.sqlite')).size / 1e6;
    t0 = process.hrtime.bigint();
    store = await openStore({ dataDir });
    // As the API reads its first page: the page thread starts for it.
    const coldPages = new PageReader(store, { path: databasePath(dataDir), log });
    await coldPages.audit({ agent_id: 'agent-3', limit: 100 });
    const cold = ms(t0) / 1000;
    await coldPages.close();
    figures.push(
      {
        id: 'close',
        label: `clean stop (WAL folded into a ${dbMb.toFixed(0)} MB file)`,
        value: closeMs / 1000,
        unit: 's',
        better: 'lower',
      },
      { id: 'cold_start', label: 'cold start (open → first page)', value: cold, unit: 's', target: 0.5, better: 'lower' },
      {
        id: 'bytes_per_record',
        label: `database size per record (the live file and the full-text index's, ${((ftsMb / (dbMb + ftsMb)) * 100).toFixed(0)} % of it)`,
        value: ((dbMb + ftsMb) * 1e6) / head,
        unit: 'B',
        better: 'lower',
      },
    );
    await store.close();
    figures.push({
      id: 'peak_rss',
      label: `peak RSS (the ${RECORDS.toLocaleString('en-US')}-record log: ingest, queries, export, verification, statistics; threads included)`,
      value: rssMb(),
      unit: 'MB',
      target: 200,
      better: 'lower',
    });
    const worst = worstOf();
    const busiest = stalls.reduce((a, b) => (b.busy > a.busy ? b : a));
    figures.push(
      {
        id: 'loop_stall',
        label: 'longest event-loop stall, wall clock (ingest, export, verify, stats; the upgrade in its process)',
        value: worst.ms,
        unit: 'ms',
        target: 50,
        better: 'lower',
        note: `includes time the OS did not run the process: ${stalls.map((x) => `${x.phase} ${x.ms.toFixed(1)}`).join(', ')}`,
      },
      {
        id: 'loop_busy_stall',
        label: 'longest event-loop stall, main thread running (same phases)',
        value: busiest.busy,
        unit: 'ms',
        target: 50,
        better: 'lower',
        note: stalls.map((x) => `${x.phase} ${x.busy.toFixed(1)}`).join(', '),
      },
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  writeResults('storage', figures);
}

const childArg = (flag: string) => (process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1]! : null);
const upgradeDir = childArg('--upgrade-phase');
const fixtureRecords = childArg('--legacy-fixture');
const callingThreadDir = childArg('--calling-thread-phase');
if (upgradeDir) await upgradePhase(upgradeDir);
else if (callingThreadDir) {
  const at = process.argv.indexOf('--calling-thread-phase');
  callingThreadPhase(callingThreadDir, Number(process.argv[at + 2]), process.argv[at + 3]!);
} else if (fixtureRecords) process.stdout.write(`${JSON.stringify({ dir: legacyDataDir(Number(fixtureRecords)) })}\n`);
else await main();
