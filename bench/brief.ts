// Executive brief benchmark (SPEC 13, principle 5): the 30-day brief over a large log, and how long
// it holds the event loop at once, side by side with the dashboard's 30-day statistics on the same
// log (computed in one synchronous call).
// Run: npx tsx bench/brief.ts [--records N]      (default 100,000 actions over 30 days)
import { mkdtempSync, rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
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
import { seeded, writeResults, type Figure } from './lib.js';

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

// The longest the event loop was held: every synchronous query is timed (the reader is the only
// place the brief touches the database), and a 1 ms-resolution histogram watches the loop itself.
let longestQuery = 0;
let longestQueryCpu = 0;
let queries = 0;
const timedRead: BriefReader = async <T>(sql: string, params: SqlValue[] = []) => {
  await new Promise((r) => setImmediate(r));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const rows = store.all<T>(sql, params);
  const took = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  longestQueryCpu = Math.max(longestQueryCpu, (cpu.user + cpu.system) / 1000);
  if (process.env.BENCH_DEBUG && took > 20)
    console.log(
      took.toFixed(1),
      sql.replace(/\s+/g, ' ').slice(0, 140),
      JSON.stringify(store.all('EXPLAIN QUERY PLAN ' + sql, params).map((r) => (r as { detail: string }).detail)),
    );
  longestQuery = Math.max(longestQuery, took);
  queries++;
  return rows;
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
// 1. The brief's own queries (chain verification stubbed: it is the audit module's, measured next).
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
const t0 = performance.now();
const brief = await collectBrief(sources, '30d');
const briefMs = performance.now() - t0;
loop.disable();
// 2. The same brief with the real chain verification, as the endpoint runs it.
const loopV = monitorEventLoopDelay({ resolution: 1 });
loopV.enable();
const tv = performance.now();
await collectBrief({ ...sources, verify: () => verifyStore(store) }, '30d');
const fullMs = performance.now() - tv;
loopV.disable();
const t1 = performance.now();
renderBriefHtml(brief);
const htmlMs = performance.now() - t1;

const t2 = performance.now();
const cs = process.cpuUsage();
computeStats(store, '30d', end, 0);
const statsMs = performance.now() - t2;
const statsCpu = process.cpuUsage(cs);
const statsCpuMs = (statsCpu.user + statsCpu.system) / 1000;

if (brief.totals.actions !== RECORDS) throw new Error(`brief counted ${brief.totals.actions} of ${RECORDS} actions`);
const figures: Figure[] = [
  {
    id: 'brief_30d_longest_block_cpu_ms',
    label: `30-day brief: longest single query, CPU time (${RECORDS.toLocaleString('en-US')} actions)`,
    value: longestQueryCpu,
    unit: 'ms',
    target: 50,
    better: 'lower',
    note: 'CPU time of the synchronous call: what the code costs, whatever the machine load',
  },
  {
    id: 'brief_30d_longest_block_ms',
    label: `30-day brief: longest single query, wall time (${RECORDS.toLocaleString('en-US')} actions)`,
    value: longestQuery,
    unit: 'ms',
    target: 50,
    better: 'lower',
    note: `${queries} queries, each after a yield to the event loop; wall time includes waiting for a CPU on a loaded machine`,
  },
  {
    id: 'brief_30d_loop_delay_max_ms',
    label: '30-day brief: max event-loop delay while collecting',
    value: loop.max / 1e6,
    unit: 'ms',
    target: 50,
    better: 'lower',
    note: 'monitorEventLoopDelay, 1 ms resolution (GC pauses included)',
  },
  { id: 'brief_30d_total_ms', label: '30-day brief: total time of its queries', value: briefMs, unit: 'ms', better: 'lower' },
  {
    id: 'brief_30d_with_verify_loop_delay_max_ms',
    label: '30-day brief with chain verification: max event-loop delay',
    value: loopV.max / 1e6,
    unit: 'ms',
    target: 50,
    better: 'lower',
    note: `total ${Math.round(fullMs)} ms; verification is audit/verify.ts (batches of 1,000 records)`,
  },
  { id: 'brief_html_ms', label: 'brief HTML render', value: htmlMs, unit: 'ms', better: 'lower' },
  {
    id: 'stats_30d_block_ms',
    label: 'side by side: dashboard /stats 30d (one synchronous call)',
    value: statsMs,
    unit: 'ms',
    better: 'lower',
    note: 'wall time',
  },
  {
    id: 'stats_30d_block_cpu_ms',
    label: 'side by side: dashboard /stats 30d, CPU time',
    value: statsCpuMs,
    unit: 'ms',
    better: 'lower',
    note: `ratio to the brief's longest query (CPU): ${(statsCpuMs / Math.max(longestQueryCpu, 0.001)).toFixed(0)}×`,
  },
];
writeResults('brief', figures);
await store.close();
rmSync(dir, { recursive: true, force: true });
