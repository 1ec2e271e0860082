// apply_to_pending benchmark (SPEC 4, principle 5): a person denies with "remember" and
// `apply_to_pending` while N identical requests wait, each with an agent long-polling its status.
// Measured: the longest the event loop was held while the answer ran, how long until the person's
// own answer was acknowledged (its long-poll woken), and until every waiting request was answered.
// Side by side in one run: the others answered in one commit (answerSlice = Infinity) and in slices
// of 100 (the default). Then an A/B test's report (SPEC 12) over a test of 20,000 actions: the
// longest stall of the main thread while it is counted (on the read thread).
// Run: npx tsx bench/approvals.ts [--waiting 1000]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gatehouse } from '../src-main/app/gatehouse.js';
import { stallDuring, writeResults, type Figure } from './lib.js';

const flag = process.argv.indexOf('--waiting');
const WAITING = flag > 0 ? Number(process.argv[flag + 1]) : 1_000;
const ROUNDS = 3;

interface Run {
  stallMs: number;
  busyMs: number;
  ownAckMs: number;
  allMs: number;
  answered: number;
}

async function once(answerSlice: number): Promise<Run> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-approvals-'));
  const g = await Gatehouse.open({ dataDir, mode: 'headless', defaultPolicies: false });
  try {
    g.approvals.answerSlice = answerSlice;
    await g.policies.create({
      id: 'deletes-need-approval',
      name: 'Deletes',
      effect: 'require_approval',
      when: { action_type: 'database.delete' },
    });
    const caller = { boundAgentId: null, keyId: null };
    const submit = () =>
      g.actions.submit({ agent_id: 'etl', action_type: 'database.delete', resource: 'postgres://prod/customers', parameters: {} }, caller);
    const first = (await submit()).action_id;
    const ids: string[] = [];
    for (let i = 0; i < WAITING; i += 100)
      ids.push(...(await Promise.all(Array.from({ length: Math.min(100, WAITING - i) }, submit))).map((d) => d.action_id));
    // Every waiting agent long-polls its status, as the SDKs and hooks do.
    const polls = ids.map((id) => g.approvals.waitForChange(id, 60_000));
    await new Promise((r) => setTimeout(r, 50));

    const t0 = performance.now();
    let ownAck = NaN;
    void g.approvals.waitForChange(first, 60_000).then(() => (ownAck = performance.now() - t0));
    const {
      value: r,
      stallMs,
      busyMs,
    } = await stallDuring(async () => {
      const answer = await g.approvals.resolve(first, false, { remember: '1h', apply_to_pending: true });
      await Promise.all(polls);
      return answer;
    });
    const allMs = performance.now() - t0;
    if (r.also_resolved.length !== WAITING) throw new Error(`answered ${r.also_resolved.length} of ${WAITING}`);
    return { stallMs, busyMs, ownAckMs: ownAck, allMs, answered: r.also_resolved.length };
  } finally {
    await g.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** GET /api/ab-tests/{id} of a test whose control policy matched `n` actions: longest stall of 3 reports. */
async function abReportStall(n: number): Promise<{ busyMs: number; stallMs: number; ms: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-ab-'));
  const g = await Gatehouse.open({ dataDir, mode: 'headless', defaultPolicies: false, checkpoints: { enabled: false } });
  try {
    await g.policies.create({ id: 'reads', name: 'Reads', effect: 'allow', when: { action_type: 'file.read' } });
    await g.policies.create({
      id: 'reads-held',
      name: 'Reads held',
      effect: 'require_approval',
      mode: 'shadow',
      when: { action_type: 'file.read' },
    });
    const test = await g.abTests.create({
      name: 'Hold reads',
      control_policy: 'reads',
      test_policy: 'reads-held',
      traffic_split: 10,
      duration_days: 7,
    });
    const caller = { boundAgentId: null, keyId: null };
    for (let i = 0; i < n; i += 200)
      await Promise.all(
        Array.from({ length: Math.min(200, n - i) }, (_, j) =>
          g.actions.submit({ agent_id: `agent-${(i + j) % 5}`, action_type: 'file.read', resource: `/src/f${i + j}.ts` }, caller),
        ),
      );
    const worstOf = { busyMs: 0, stallMs: 0, ms: 0 };
    for (let k = 0; k < 3; k++) {
      const t0 = performance.now();
      const { value, busyMs, stallMs } = await stallDuring(() => g.abTests.get(test.id));
      if (value.arms.control.actions + value.arms.test.actions !== n) throw new Error('the report does not count every action');
      worstOf.busyMs = Math.max(worstOf.busyMs, busyMs);
      worstOf.stallMs = Math.max(worstOf.stallMs, stallMs);
      worstOf.ms = Math.max(worstOf.ms, performance.now() - t0);
    }
    return worstOf;
  } finally {
    await g.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const worst = (runs: Run[], k: keyof Run) => Math.max(...runs.map((r) => r[k]));
const median = (runs: Run[], k: keyof Run) => runs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;

const load0 = loadavg()[0]!;
const oneCommit: Run[] = [];
const sliced: Run[] = [];
for (let i = 0; i < ROUNDS; i++) {
  // Alternated, so that both see the same machine.
  oneCommit.push(await once(Infinity));
  sliced.push(await once(100));
}
const load = `load ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`;
const n = WAITING.toLocaleString('en-US');
for (const [name, runs] of [
  ['one commit', oneCommit],
  ['slices of 100', sliced],
] as const) {
  console.log(
    `${name.padEnd(14)} longest stall, main thread running ${runs.map((r) => r.busyMs.toFixed(1)).join(' / ')} ms (wall ${runs.map((r) => r.stallMs.toFixed(1)).join(' / ')}); own answer ${runs.map((r) => r.ownAckMs.toFixed(1)).join(' / ')} ms; all ${runs.map((r) => r.allMs.toFixed(0)).join(' / ')} ms`,
  );
}
const figures: Figure[] = [
  {
    id: 'apply_to_pending_stall_ms',
    label: `apply_to_pending over ${n} waiting: longest event-loop stall, main thread running (slices of 100)`,
    value: worst(sliced, 'busyMs'),
    unit: 'ms',
    target: 50,
    better: 'lower',
    note: `worst of ${ROUNDS}; process.threadCpuUsage over each gap of a 1 ms timer; wall-clock stall ${worst(sliced, 'stallMs').toFixed(1)} ms; ${load}`,
  },
  {
    id: 'apply_to_pending_stall_one_commit_ms',
    label: `side by side: the same with all ${n} in one commit, longest stall, main thread running`,
    value: worst(oneCommit, 'busyMs'),
    unit: 'ms',
    better: 'lower',
    note: `worst of ${ROUNDS}; wall-clock stall ${worst(oneCommit, 'stallMs').toFixed(1)} ms`,
  },
  {
    id: 'apply_to_pending_own_ack_ms',
    label: `apply_to_pending: the person's own answer acknowledged (slices of 100), median`,
    value: median(sliced, 'ownAckMs'),
    unit: 'ms',
    better: 'lower',
    note: `one commit: ${median(oneCommit, 'ownAckMs').toFixed(1)} ms`,
  },
  {
    id: 'apply_to_pending_all_ms',
    label: `apply_to_pending: all ${n} answered and their long-polls woken (slices of 100), median`,
    value: median(sliced, 'allMs'),
    unit: 'ms',
    better: 'lower',
    note: `one commit: ${median(oneCommit, 'allMs').toFixed(0)} ms`,
  },
];
const AB_ACTIONS = 20_000;
const ab = await abReportStall(AB_ACTIONS);
figures.push({
  id: 'ab_report_stall_ms',
  label: `A/B test report over ${AB_ACTIONS.toLocaleString('en-US')} actions: longest event-loop stall, main thread running`,
  value: ab.busyMs,
  unit: 'ms',
  target: 50,
  better: 'lower',
  note: `worst of 3; counted on the read thread, ${ab.ms.toFixed(0)} ms in all; wall-clock stall ${ab.stallMs.toFixed(1)} ms`,
});
writeResults('approvals', figures);
