import {
  AUDIT_TYPES,
  BriefSchema,
  type Brief,
  type BriefBucket,
  type BriefBurst,
  type BriefChange,
  type BriefRiskyAction,
  type BriefWindow,
  type Effect,
  type PolicyView,
  type RiskFactor,
  type Settings,
  type VerifyResult,
} from '../../../src-shared/index.js';
import type { SqlValue } from '../../storage/types.js';
import type { ActionRow } from '../action-rows.js';
import type { BriefReader } from './reader.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Window length and chart bucket: 28 buckets of 6 h for a week, 30 days for a month. */
export const BRIEF_WINDOWS: Record<BriefWindow, { ms: number; bucketMs: number }> = {
  '7d': { ms: 7 * DAY, bucketMs: 6 * HOUR },
  '30d': { ms: 30 * DAY, bucketMs: DAY },
};

/** No single query reads more than this many actions: denser buckets are cut into slices. */
export const SLICE_ROWS = 1_000;
/** Audit counts run over at most this many records (by seq) per query. */
const SLICE_SEQS = 20_000;
const TOP_RISKY = 10;
const TOP_AGENTS = 10;
const MAX_CHANGES = 50;
const MAX_ALERTS = 20;
/** A denied burst: at least BURST_MIN denials of one agent within BURST_MINUTES (as the live alert counts them). */
export const BURST_MIN = 5;
const BURST_MINUTES = 10;
const MINUTE = 60_000;
/** Configuration changes: every policy, settings, key and webhook record. */
const CHANGE_TYPES: string[] = AUDIT_TYPES.filter((t) => /^(policy|settings|key|webhook)\./.test(t));
const LATENCY_BINS: { le_s: number | null; label: string }[] = [
  { le_s: 30, label: '< 30 s' },
  { le_s: 120, label: '30 s–2 min' },
  { le_s: 600, label: '2–10 min' },
  { le_s: 3600, label: '10–60 min' },
  { le_s: null, label: '> 1 h' },
];

/** Everything the brief is made from; the route builds it from the core, tests from fixtures. */
export interface BriefSources {
  /** The one way this module reads the database (see reader.ts). */
  read: BriefReader;
  now: number;
  version: string;
  mode: 'desktop' | 'headless';
  settings: Settings;
  policies: PolicyView[];
  webhooks: { url: string; events: string[]; enabled: boolean }[];
  /** SIEM sinks (SPEC 7.8): type and target (no tokens); absent where the caller has none to give. */
  sinks?: { type: string; target: string }[];
  /** The chain verification (SPEC 7.2), done in slices by the audit module. */
  verify: () => Promise<VerifyResult>;
}

interface SliceAgg {
  n: number;
  allowed: number;
  denied: number;
  held: number;
  approved: number;
  rejected: number;
  expired: number;
  withdrawn: number;
  pending: number;
  low: number;
  medium: number;
  high: number;
  critical: number;
  risk_sum: number;
  risk_max: number | null;
}

/** The columns of an `actions` row the riskiest-actions query reads. */
type RiskyRow = Pick<
  ActionRow,
  | 'action_id'
  | 'seq'
  | 'created_ms'
  | 'agent_id'
  | 'action_type'
  | 'resource'
  | 'risk_score'
  | 'risk_level'
  | 'decision'
  | 'status'
  | 'policy_id'
>;

const IN_RANGE = 'created_ms >= ? AND created_ms < ?';
const AGG_SQL = `SELECT COUNT(*) AS n,
  COALESCE(SUM(approval_id IS NULL AND decision = 'allowed'), 0) AS allowed,
  COALESCE(SUM(approval_id IS NULL AND decision = 'denied'), 0) AS denied,
  COALESCE(SUM(approval_id IS NOT NULL), 0) AS held,
  COALESCE(SUM(approval_id IS NOT NULL AND reviewed_by = 'user' AND approved = 1), 0) AS approved,
  COALESCE(SUM(approval_id IS NOT NULL AND reviewed_by = 'user' AND approved = 0), 0) AS rejected,
  COALESCE(SUM(reviewed_by = 'timeout'), 0) AS expired,
  COALESCE(SUM(status = 'withdrawn'), 0) AS withdrawn,
  COALESCE(SUM(status = 'pending'), 0) AS pending,
  COALESCE(SUM(risk_level = 'low'), 0) AS low,
  COALESCE(SUM(risk_level = 'medium'), 0) AS medium,
  COALESCE(SUM(risk_level = 'high'), 0) AS high,
  COALESCE(SUM(risk_level = 'critical'), 0) AS critical,
  COALESCE(SUM(risk_score), 0) AS risk_sum,
  MAX(risk_score) AS risk_max
  FROM actions WHERE ${IN_RANGE}`;

const iso = (ms: number) => new Date(ms).toISOString();

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

/**
 * Collects the executive brief (SPEC 13) over the last 7 or 30 days. Every statistic is an indexed,
 * windowed query over `actions` (range scans of `created_ms`) or `audit` (by `type, seq`), run one
 * time slice at a time through `src.read`, which yields to the event loop before each query: no
 * slice reads more than SLICE_ROWS actions, so the event loop is never held long at any log size.
 */
export async function collectBrief(src: BriefSources, window: BriefWindow, opts: { sliceRows?: number } = {}): Promise<Brief> {
  const sliceRows = opts.sliceRows ?? SLICE_ROWS;
  const { ms, bucketMs } = BRIEF_WINDOWS[window];
  const until = src.now;
  const since = until - ms;
  const end = until + 1; // the ranges are half-open; include actions stamped exactly `now`

  const totals = { actions: 0, allowed: 0, denied: 0, held: 0, approved: 0, rejected: 0, expired: 0, withdrawn: 0, pending: 0 };
  const byLevel = { low: 0, medium: 0, high: 0, critical: 0 };
  let riskSum = 0;
  const buckets: BriefBucket[] = [];
  let risky: RiskyRow[] = [];
  const agentCounts = new Map<string, { actions: number; denied: number; held: number; max_risk: number | null }>();
  const latencies: number[] = [];
  const denialMinutes = new Map<string, Map<number, number>>(); // agent → minute index → denials

  for (let t = Math.floor(since / bucketMs) * bucketMs; t < end; t += bucketMs) {
    const from = Math.max(t, since);
    const to = Math.min(t + bucketMs, end);
    const bucket: BriefBucket = {
      t: iso(t),
      actions: 0,
      allowed: 0,
      denied: 0,
      held: 0,
      risk: { low: 0, medium: 0, high: 0, critical: 0, avg: null, max: null },
    };
    let bucketRiskSum = 0;
    for (const [a, b] of await slices(src.read, from, to, sliceRows)) {
      const agg = (await src.read<SliceAgg>(AGG_SQL, [a, b]))[0]!;
      if (agg.n === 0) continue;
      bucket.actions += agg.n;
      bucket.allowed += agg.allowed;
      bucket.denied += agg.denied;
      bucket.held += agg.held;
      for (const l of ['low', 'medium', 'high', 'critical'] as const) {
        bucket.risk[l] += agg[l];
        byLevel[l] += agg[l];
      }
      bucket.risk.max = Math.max(bucket.risk.max ?? 0, agg.risk_max ?? 0);
      bucketRiskSum += agg.risk_sum;
      for (const k of ['allowed', 'denied', 'held', 'approved', 'rejected', 'expired', 'withdrawn', 'pending'] as const)
        totals[k] += agg[k];
      totals.actions += agg.n;

      risky = mergeTop(
        risky,
        await src.read<RiskyRow>(
          `SELECT action_id, seq, created_ms, agent_id, action_type, resource, risk_score, risk_level, decision, status, policy_id
             FROM actions WHERE ${IN_RANGE} ORDER BY risk_score DESC, created_ms DESC LIMIT ${TOP_RISKY}`,
          [a, b],
        ),
      );
      for (const r of await src.read<{ agent_id: string; n: number; denied: number; held: number; max_risk: number }>(
        `SELECT agent_id, COUNT(*) AS n, SUM(decision = 'denied') AS denied, SUM(approval_id IS NOT NULL) AS held, MAX(risk_score) AS max_risk
           FROM actions WHERE ${IN_RANGE} GROUP BY agent_id`,
        [a, b],
      )) {
        const c = agentCounts.get(r.agent_id) ?? { actions: 0, denied: 0, held: 0, max_risk: null };
        c.actions += r.n;
        c.denied += r.denied;
        c.held += r.held;
        c.max_risk = Math.max(c.max_risk ?? 0, r.max_risk);
        agentCounts.set(r.agent_id, c);
      }
      for (const r of await src.read<{ d: number }>(
        `SELECT reviewed_ms - created_ms AS d FROM actions WHERE ${IN_RANGE} AND approval_id IS NOT NULL AND reviewed_by = 'user'`,
        [a, b],
      ))
        latencies.push(Math.max(0, r.d));
      for (const r of await src.read<{ agent_id: string; m: number; n: number }>(
        `SELECT agent_id, CAST(created_ms / ${MINUTE} AS INTEGER) AS m, COUNT(*) AS n
           FROM actions WHERE decision = 'denied' AND ${IN_RANGE} GROUP BY agent_id, m`,
        [a, b],
      )) {
        const minutes = denialMinutes.get(r.agent_id) ?? denialMinutes.set(r.agent_id, new Map()).get(r.agent_id)!;
        minutes.set(r.m, (minutes.get(r.m) ?? 0) + r.n);
      }
    }
    if (bucket.actions > 0) bucket.risk.avg = Math.round((bucketRiskSum / bucket.actions) * 10) / 10;
    else bucket.risk.max = null;
    riskSum += bucketRiskSum;
    buckets.push(bucket);
  }

  latencies.sort((x, y) => x - y);
  const secs = (v: number | null) => (v === null ? null : Math.round(v) / 1000);
  const histogram = LATENCY_BINS.map((bin, i) => {
    const lo = i === 0 ? -1 : LATENCY_BINS[i - 1]!.le_s! * 1000;
    const hi = bin.le_s === null ? Infinity : bin.le_s * 1000;
    return { ...bin, count: latencies.filter((d) => d > lo && d <= hi).length };
  });

  const firstSeq = (await src.read<{ seq: number }>('SELECT seq FROM audit WHERE ts_ms >= ? ORDER BY ts_ms ASC LIMIT 1', [since]))[0]?.seq;
  const auditFrom = firstSeq ?? Number.MAX_SAFE_INTEGER;

  const brief: Brief = {
    brief_version: 1,
    generated_at: iso(src.now),
    window,
    since: iso(since),
    until: iso(until),
    bucket_s: bucketMs / 1000,
    gatehouse: { version: src.version, mode: src.mode },
    posture: {
      enforcement: src.settings.enforcement,
      auto_allow_below: src.settings.auto_allow_below,
      require_approval_at: src.settings.require_approval_at,
      deny_at: src.settings.deny_at,
      approval_timeout_s: src.settings.approval_timeout_s,
      timeout_action: src.settings.timeout_action,
      policies: policyPosture(src.policies, src.now),
      agents: await agentPosture(src.read, agentCounts),
    },
    totals,
    risk: { by_level: byLevel, avg: totals.actions ? Math.round((riskSum / totals.actions) * 10) / 10 : null },
    buckets,
    approval_latency: {
      answered: latencies.length,
      p50_s: secs(percentile(latencies, 0.5)),
      p90_s: secs(percentile(latencies, 0.9)),
      max_s: secs(latencies.length ? latencies[latencies.length - 1]! : null),
      histogram,
      unanswered: totals.expired + totals.withdrawn,
    },
    top_risky: await riskyDetails(src.read, risky),
    policy_changes: await changes(src.read, auditFrom),
    denied_bursts: bursts(denialMinutes),
    alerts: await alerts(src.read, auditFrom),
    chain: await chain(src),
    checkpoint: await checkpoint(src.read),
    compliance: await compliance(src),
  };
  return BriefSchema.parse(brief);
}

/**
 * Cuts [from, to) into slices of at most `sliceRows` actions (more only where that many share one
 * millisecond): each boundary is the created_ms of the row `sliceRows` further on, an index-only
 * seek on `actions_created`. An empty range is one empty slice.
 */
async function slices(read: BriefReader, from: number, to: number, sliceRows: number): Promise<[number, number][]> {
  const out: [number, number][] = [];
  for (let a = from; a < to;) {
    const next = (
      await read<{ c: number }>(`SELECT created_ms AS c FROM actions WHERE ${IN_RANGE} ORDER BY created_ms LIMIT 1 OFFSET ?`, [
        a,
        to,
        sliceRows,
      ])
    )[0]?.c;
    const b = next === undefined ? to : Math.max(next, a + 1);
    out.push([a, b]);
    a = b;
  }
  return out;
}

function mergeTop(a: RiskyRow[], b: RiskyRow[]): RiskyRow[] {
  return [...a, ...b].sort((x, y) => y.risk_score - x.risk_score || y.created_ms - x.created_ms).slice(0, TOP_RISKY);
}

function policyPosture(policies: PolicyView[], now: number): Brief['posture']['policies'] {
  const live = policies.filter((p) => !p.expires_at || Date.parse(p.expires_at) > now);
  const byEffect: Record<Effect, number> = { allow: 0, deny: 0, require_approval: 0, monitor: 0 };
  let enforced = 0;
  let shadow = 0;
  let disabled = 0;
  for (const p of live) {
    if (!p.enabled) disabled++;
    else if (p.mode === 'shadow') shadow++;
    else {
      enforced++;
      byEffect[p.effect]++;
    }
  }
  return {
    total: live.length,
    enforced,
    shadow,
    disabled,
    by_effect: byEffect,
    remembered: live.filter((p) => p.source === 'approval').length,
  };
}

async function agentPosture(
  read: BriefReader,
  counts: Map<string, { actions: number; denied: number; held: number; max_risk: number | null }>,
): Promise<Brief['posture']['agents']> {
  const t = (
    await read<{ total: number; registered: number; autonomous: number }>(
      `SELECT COUNT(*) AS total, COALESCE(SUM(registered = 1), 0) AS registered,
              COALESCE(SUM(registered = 1 AND agent_type = 'autonomous'), 0) AS autonomous FROM agents`,
    )
  )[0] ?? { total: 0, registered: 0, autonomous: 0 };
  const top = [...counts.entries()].sort((x, y) => y[1].actions - x[1].actions || x[0].localeCompare(y[0])).slice(0, TOP_AGENTS);
  const info = new Map<string, { name: string | null; agent_type: string | null; registered: number; last_seen_ms: number | null }>();
  if (top.length) {
    const rows = await read<{
      agent_id: string;
      name: string | null;
      agent_type: string | null;
      registered: number;
      last_seen_ms: number | null;
    }>(
      `SELECT agent_id, name, agent_type, registered, last_seen_ms FROM agents WHERE agent_id IN (${top.map(() => '?').join(',')})`,
      top.map(([id]) => id),
    );
    for (const r of rows) info.set(r.agent_id, r);
  }
  return {
    total: t.total,
    registered: t.registered,
    unregistered: t.total - t.registered,
    autonomous: t.autonomous,
    active: counts.size,
    top: top.map(([agent_id, c]) => {
      const a = info.get(agent_id);
      const trust: Brief['posture']['agents']['top'][number]['trust'] = !a?.registered
        ? 'unregistered'
        : a.agent_type === 'autonomous' || a.agent_type === 'supervised'
          ? a.agent_type
          : 'registered';
      return {
        agent_id,
        name: a?.name ?? null,
        trust,
        actions: c.actions,
        denied: c.denied,
        held: c.held,
        max_risk: c.max_risk,
        last_seen_at: a?.last_seen_ms != null ? iso(a.last_seen_ms) : null,
      };
    }),
  };
}

async function riskyDetails(read: BriefReader, rows: RiskyRow[]): Promise<BriefRiskyAction[]> {
  if (!rows.length) return [];
  const data = new Map(
    (
      await read<{ seq: number; data: string }>(
        `SELECT seq, data FROM audit WHERE seq IN (${rows.map(() => '?').join(',')})`,
        rows.map((r) => r.seq),
      )
    ).map((r) => [r.seq, r.data]),
  );
  return rows.map((r) => {
    let factors: RiskFactor[] = [];
    let reason = '';
    try {
      const d = JSON.parse(data.get(r.seq) ?? '{}') as { risk?: { factors?: RiskFactor[] }; reason?: string };
      factors = d.risk?.factors ?? [];
      reason = d.reason ?? '';
    } catch {
      // A record that does not parse shows no factors; the chain check reports it.
    }
    return {
      action_id: r.action_id,
      created_at: iso(r.created_ms),
      agent_id: r.agent_id,
      action_type: r.action_type,
      resource: r.resource,
      risk: { score: r.risk_score, level: r.risk_level as BriefRiskyAction['risk']['level'], factors },
      decision: r.decision,
      status: r.status,
      policy_id: r.policy_id,
      reason,
    };
  });
}

type Json = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

/** One line a reader understands, for each kind of change. */
export function changeSummary(type: string, data: Json): string {
  const p = (data.policy ?? {}) as Json;
  const pol = () => `'${str(p.id ?? data.policy_id)}'${p.effect ? ` (${str(p.effect)}${p.mode === 'shadow' ? ', shadow' : ''})` : ''}`;
  switch (type) {
    case 'policy.created':
      return `${p.source === 'approval' ? 'Remembered an answer as policy' : 'Created policy'} ${pol()}${p.expires_at ? ` until ${str(p.expires_at)}` : ''}`;
    case 'policy.updated': {
      const prev = (data.previous ?? {}) as Json;
      const diffs = ['enabled', 'effect', 'mode', 'priority']
        .filter((k) => prev[k] !== undefined && JSON.stringify(prev[k]) !== JSON.stringify(p[k]))
        .map((k) => `${k} ${str(prev[k])} → ${str(p[k])}`);
      return `Changed policy ${pol()}${diffs.length ? `: ${diffs.join(', ')}` : ''}`;
    }
    case 'policy.deleted':
      return `Deleted policy ${pol()}`;
    case 'policy.imported': {
      const ids = Array.isArray(data.policy_ids) ? data.policy_ids.length : 0;
      return `Imported a policy file: ${ids} policies (${str(data.created ?? 0)} new, ${str(data.updated ?? 0)} updated)`;
    }
    case 'settings.changed': {
      const ch = (data.changes ?? {}) as Record<string, { from?: unknown; to?: unknown }>;
      return `Settings: ${
        Object.entries(ch)
          .map(([k, v]) => `${k} ${str(v.from)} → ${str(v.to)}`)
          .join(', ') || 'changed'
      }`;
    }
    case 'key.created':
      return `Created ${str(data.scope) || 'an'} key${data.name ? ` '${str(data.name)}'` : ''}${data.agent_id ? ` for ${str(data.agent_id)}` : ''}`;
    case 'key.revoked':
      return `Revoked key${data.name ? ` '${str(data.name)}'` : ` ${str(data.id ?? data.key_id)}`}`;
    case 'webhook.created':
    case 'webhook.deleted': {
      let target = str(data.url);
      try {
        target = new URL(target).host;
      } catch {
        // not a URL: show as stored
      }
      return `${type === 'webhook.created' ? 'Added' : 'Removed'} webhook${target ? ` to ${target}` : ''}`;
    }
    default:
      return type;
  }
}

/** Audit records matching `where` from `fromSeq` on, counted in seq ranges of SLICE_SEQS (bounded index scans). */
async function countBySeq(read: BriefReader, where: string, params: SqlValue[], fromSeq: number): Promise<number> {
  const head = (await read<{ n: number }>('SELECT COALESCE(MAX(seq), 0) AS n FROM audit'))[0]?.n ?? 0;
  let total = 0;
  for (let lo = fromSeq; lo <= head; lo += SLICE_SEQS) {
    total +=
      (
        await read<{ n: number }>(`SELECT COUNT(*) AS n FROM audit WHERE ${where} AND seq >= ? AND seq < ?`, [
          ...params,
          lo,
          lo + SLICE_SEQS,
        ])
      )[0]?.n ?? 0;
  }
  return total;
}

async function changes(read: BriefReader, fromSeq: number): Promise<Brief['policy_changes']> {
  const inTypes = CHANGE_TYPES.map(() => '?').join(',');
  const total = await countBySeq(read, `type IN (${inTypes})`, CHANGE_TYPES, fromSeq);
  const rows = await read<{ seq: number; ts: string; type: string; actor: string; data: string }>(
    `SELECT seq, ts, type, actor, data FROM audit WHERE type IN (${inTypes}) AND seq >= ? ORDER BY seq DESC LIMIT ${MAX_CHANGES}`,
    [...CHANGE_TYPES, fromSeq],
  );
  const items: BriefChange[] = rows.map((r) => {
    let data: Json = {};
    try {
      data = JSON.parse(r.data) as Json;
    } catch {
      // shown by type only
    }
    return { seq: r.seq, ts: r.ts, type: r.type, actor: r.actor, summary: changeSummary(r.type, data) };
  });
  return { total, items };
}

/**
 * Runs of denials where some BURST_MINUTES-minute window holds at least BURST_MIN of one agent's
 * denials (minute resolution); overlapping windows join into one burst.
 */
export function bursts(denials: Map<string, Map<number, number>>): BriefBurst[] {
  const out: BriefBurst[] = [];
  for (const [agent, byMinute] of denials) {
    const minutes = [...byMinute.keys()].sort((a, b) => a - b);
    let cur: { from: number; to: number } | null = null;
    const flush = () => {
      if (!cur) return;
      let n = 0;
      for (const m of minutes) if (m >= cur.from && m <= cur.to) n += byMinute.get(m)!;
      out.push({ agent_id: agent, start: iso(cur.from * MINUTE), end: iso((cur.to + 1) * MINUTE), denied: n });
      cur = null;
    };
    let sum = 0;
    let lo = 0;
    for (let hi = 0; hi < minutes.length; hi++) {
      sum += byMinute.get(minutes[hi]!)!;
      while (minutes[hi]! - minutes[lo]! >= BURST_MINUTES) sum -= byMinute.get(minutes[lo++]!)!;
      if (sum < BURST_MIN) continue;
      // minutes[lo..hi] fit in one window and hold enough denials: part of a burst.
      if (cur && minutes[lo]! <= cur.to) cur.to = minutes[hi]!;
      else {
        flush();
        cur = { from: minutes[lo]!, to: minutes[hi]! };
      }
    }
    flush();
  }
  return out.sort((a, b) => b.denied - a.denied || a.start.localeCompare(b.start)).slice(0, 20);
}

async function alerts(read: BriefReader, fromSeq: number): Promise<Brief['alerts']> {
  const total = await countBySeq(read, "type = 'alert.triggered'", [], fromSeq);
  const rows = await read<{ seq: number; ts: string; data: string }>(
    `SELECT seq, ts, data FROM audit WHERE type = 'alert.triggered' AND seq >= ? ORDER BY seq DESC LIMIT ${MAX_ALERTS}`,
    [fromSeq],
  );
  return {
    total,
    items: rows.map((r) => {
      let d: Json = {};
      try {
        d = JSON.parse(r.data) as Json;
      } catch {
        // kind unknown
      }
      return { seq: r.seq, ts: r.ts, kind: str(d.kind) || 'alert', message: str(d.message) || 'alert' };
    }),
  };
}

async function chain(src: BriefSources): Promise<Brief['chain']> {
  const v = await src.verify();
  return {
    ok: v.ok,
    records: v.records,
    first_bad_seq: v.first_bad_seq,
    head_hash: v.head_hash,
    error: v.error ?? null,
    verified_at: iso(Math.max(Date.now(), src.now)),
  };
}

/**
 * The latest `checkpoint.signed` record (SPEC 7.6). Signed checkpoints come with the Merkle tree
 * work; until a build writes them this slot says so rather than pretending.
 */
async function checkpoint(read: BriefReader): Promise<Brief['checkpoint']> {
  const row = (
    await read<{ seq: number; ts: string; data: string }>(
      "SELECT seq, ts, data FROM audit WHERE type = 'checkpoint.signed' ORDER BY seq DESC LIMIT 1",
    )
  )[0];
  if (!row) {
    return {
      available: false,
      note: 'This audit log holds no signed checkpoint (SPEC 7.6) yet: the chain is shown intact here, but cannot yet be proven to someone else.',
    };
  }
  let d: Json = {};
  try {
    d = JSON.parse(row.data) as Json;
  } catch {
    // fields unknown
  }
  const num = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : null);
  const s = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    available: true,
    seq: row.seq,
    ts: row.ts,
    tree_size: num(d.tree_size ?? d.size),
    root_hash: s(d.root_hash ?? d.root),
    origin: s(d.origin),
    text: s(d.checkpoint ?? d.text ?? d.note),
  };
}

async function compliance(src: BriefSources): Promise<Brief['compliance']> {
  const head = (await src.read<{ n: number }>('SELECT COALESCE(MAX(seq), 0) AS n FROM audit'))[0]?.n ?? 0;
  const first = (await src.read<{ ts: string }>('SELECT ts FROM audit ORDER BY seq ASC LIMIT 1'))[0]?.ts ?? null;
  const retention = (src.settings as Settings & { retention_days?: unknown }).retention_days;
  return {
    audit_records: head,
    first_record_at: first,
    retention_days: typeof retention === 'number' ? retention : null,
    webhooks: src.webhooks.map((w) => {
      let target = w.url;
      try {
        const u = new URL(w.url);
        target = `${u.protocol}//${u.host}`;
      } catch {
        // shown as stored
      }
      return { target, events: w.events, enabled: w.enabled };
    }),
    sinks: src.sinks ? src.sinks.map((x) => ({ type: x.type, target: x.target })) : null,
  };
}
