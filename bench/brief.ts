// Executive brief benchmark (SPEC 13, principle 5): the 30-day brief over a large log, and how long
// it holds the event loop at once, side by side with the dashboard's 30-day statistics on the same
// log.
// Run: npx tsx bench/brief.ts [--records N]      (default 100,000 actions over 30 days)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SETTINGS, type JsonObject } from '../src-shared/index.js';
import { verifyStore } from '../src-main/audit/verify.js';
import { collectBrief } from '../src-main/services/brief/collect.js';
import { renderBriefHtml } from '../src-main/services/brief/html.js';
import type { BriefReader } from '../src-main/services/brief/reader.js';
import { computeStats } from '../src-main/services/stats.js';
import { openStore } from '../src-main/storage/store.js';
import type { AuditDraft, Op, SqlValue } from '../src-main/storage/types.js';
import { seeded, stallDuring, writeResults, type Figure } from './lib.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RECORDS = arg('--records', 100_000);
const BATCH = 500;
const DAY = 86_400_000;
const { rand, pick } = seeded(20_261_126);
const AGENTS = Array.from({ length: 40 }, (_, i) => `agent-${i}`);
const TYPES = ['file.read', 'file.write', 'shell.exec', 'database.query', 'database.delete', 'http.get', 'payment.refund'];
const level = (s: number) => (s >= 90 ? 'critical' : s >= 70 ? 'high' : s >= 30 ? 'medium' : 'low');

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-brief-'));
const end = Date.now();
let now = end - 30 * DAY;
const clock = { now: () => now };
const store = await openStore({ dataDir: dir, clock, log: () => undefined });

console.log(`loading ${RECORDS.toLocaleString('en-US')} actions over 30 days…`);
const step = (30 * DAY) / RECORDS;
for (let done = 0; done < RECORDS; done += BATCH) {
  const n = Math.min(BATCH, RECORDS - done);
  const rows: SqlValue[][] = [];
  const audit: AuditDraft[] = [];
  for (let i = 0; i < n; i++) {
    const created = Math.round(end - 30 * DAY + (done + i) * step);
    const score = Math.min(100, 5 + rand(95));
    const held = score >= 70 && score < 90;
    const decision = score >= 90 ? 'denied' : held ? 'pending' : 'allowed';
    const answered = held && rand(10) > 0;
    const approved = answered ? rand(3) > 0 : null;
    const status = !held ? decision : !answered ? 'expired' : approved ? 'approved' : 'rejected';
    const agent = pick(AGENTS);
    const type = pick(TYPES);
    const id = `act_b${(done + i).toString(36)}`;
    const data: JsonObject = {
      agent_id: agent,
      action_type: type,
      resource: `res://${rand(1000)}`,
      decision,
      status: decision,
      risk: { score, level: level(score), factors: [{ id: 'base', points: score, detail: 'bench' }] },
      policy: null,
      reason: `risk ${score}`,
    };
    audit.push({ type: 'action.decided', actor: `agent:${agent}`, action_id: id, data });
    rows.push([
      id,
      created,
      agent,
      type,
      data.resource as string,
      held ? (approved ? 'allowed' : 'denied') : decision,
      status,
      score,
      level(score),
      held ? `apr_${id}` : null,
      held ? (approved === null ? null : approved ? 1 : 0) : decision === 'allowed' ? 1 : 0,
      held ? (answered ? 'user' : 'timeout') : 'policy',
      held ? created + 5_000 + rand(900_000) : created,
    ]);
  }
  now = Math.round(end - 30 * DAY + (done + n) * step);
  const ops = (records: { seq: number }[]): Op[] =>
    rows.map((r, i) => ({
      sql: `INSERT INTO actions (action_id, seq, created_ms, agent_id, action_type, resource, decision, status, risk_score, risk_level,
              approval_id, approved, reviewed_by, reviewed_ms, key_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'key_default_agent')`,
      params: [r[0]!, records[i]!.seq, ...r.slice(1)],
    }));
  await store.commit(ops, audit);
}
now = end;

// The longest the event loop was held: the synchronous part of every read is timed (a query the
// store runs here, or the hand-off of one it sends to its read worker), a 1 ms interval measures the
// longest gap between its turns, and a 1 ms-resolution histogram watches the loop itself.
let longestQuery = 0;
let longestQueryCpu = 0;
let queries = 0;
let offloaded = 0;
const timedRead: BriefReader = async <T>(sql: string, params: SqlValue[] = [], opts: { rowsHint?: number } = {}) => {
  await new Promise((r) => setImmediate(r));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const pending = store.allAsync<T>(sql, params, opts);
  const took = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  longestQueryCpu = Math.max(longestQueryCpu, (cpu.user + cpu.system) / 1000);
  if (process.env.BENCH_DEBUG && took > 20) console.log(took.toFixed(1), sql.replace(/\s+/g, ' ').slice(0, 140));
  longestQuery = Math.max(longestQuery, took);
  queries++;
  if ((opts.rowsHint ?? 0) >= 20_000) offloaded++;
  return pending;
};
const sources = {
  read: timedRead,
  now: end,
  version: 'bench',
  mode: 'headless' as const,
  settings: DEFAULT_SETTINGS,
  policies: [],
  webhooks: [],
  verify: async () => ({ ok: true, records: 0, first_bad_seq: null, head_hash: null, error: null }),
};
// Both workers are started before measuring (starting a thread is a one-off of the process, not of the brief).
await store.allAsync('SELECT 1', [], { rowsHint: Number.MAX_SAFE_INTEGER });
// 1. The brief's own queries (chain verification stubbed: it is the audit module's, measured next).
const t0 = performance.now();
const own = await stallDuring(() => collectBrief(sources, '30d'));
const brief = own.value;
const briefMs = performance.now() - t0;
// 2. The same brief with the real chain verification, as the endpoint runs it.
const tv = performance.now();
const full = await stallDuring(() => collectBrief({ ...sources, verify: () => verifyStore(store) }, '30d'));
const fullMs = performance.now() - tv;
const t1 = performance.now();
renderBriefHtml(brief);
const htmlMs = performance.now() - t1;
// Side by side: the dashboard's 30-day statistics on the same log (also on the read worker).
const t2 = performance.now();
const stats = await stallDuring(() => computeStats(store, '30d', end, 0));
const statsMs = performance.now() - t2;

if (brief.totals.actions !== RECORDS) throw new Error(`brief counted ${brief.totals.actions} of ${RECORDS} actions`);
const figures: Figure[] = [
  {
    id: 'brief_30d_longest_block_cpu_ms',
    label: `30-day brief: longest synchronous read on the main thread, CPU time (${RECORDS.toLocaleString('en-US')} actions)`,
    value: longestQueryCpu,
    unit: 'ms',
    target: 50,
    better: 'lower',
    note: `${queries} reads, ${offloaded} of them handed to the read worker; CPU time: what the code costs, whatever the machine load`,
  },
  {
    id: 'brief_30d_longest_block_ms',
    label: `30-day brief: longest synchronous read on the main thread, wall time (${RECORDS.toLocaleString('en-US')} actions)`,
    value: longestQuery,
    unit: 'ms',
    target: 50,
    better: 'lower',
    note: 'each after a yield to the event loop; wall time includes waiting for a CPU on a loaded machine',
  },
  {
    id: 'brief_30d_stall_busy_ms',
    label: '30-day brief: longest event-loop stall, main thread running',
    value: own.busyMs,
    unit: 'ms',
    target: 50,
    better: 'lower',
    note: `process.threadCpuUsage over each gap of a 1 ms timer; wall-clock stall ${own.stallMs.toFixed(1)} ms (includes time the OS did not run the process)`,
  },
  { id: 'brief_30d_total_ms', label: '30-day brief: total time of its queries', value: briefMs, unit: 'ms', better: 'lower' },
  {
    id: 'brief_30d_with_verify_stall_busy_ms',
    label: '30-day brief with chain verification: longest stall, main thread running',
    value: full.busyMs,
    unit: 'ms',
    target: 50,
    better: 'lower',
    note: `total ${Math.round(fullMs)} ms; verification is the store's (read worker at this size); wall-clock stall ${full.stallMs.toFixed(1)} ms`,
  },
  { id: 'brief_html_ms', label: 'brief HTML render', value: htmlMs, unit: 'ms', better: 'lower' },
  {
    id: 'stats_30d_ms',
    label: 'side by side: dashboard /stats 30d, total time (read worker)',
    value: statsMs,
    unit: 'ms',
    better: 'lower',
    note: `longest stall meanwhile, main thread running ${stats.busyMs.toFixed(1)} ms (wall clock ${stats.stallMs.toFixed(1)} ms)`,
  },
];
writeResults('brief', figures);
await store.close();
rmSync(dir, { recursive: true, force: true });
