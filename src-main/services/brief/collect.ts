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
import { APPROVAL_STATE_SQL, type ActionRow } from '../action-rows.js';
import type { BriefReader } from './reader.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Window length and chart bucket: 28 buckets of 6 h for a week, 30 days for a month. */
export const BRIEF_WINDOWS: Record<BriefWindow, { ms: number; bucketMs: number }> = {
  '7d': { ms: 7 * DAY, bucketMs: 6 * HOUR },
  '30d': { ms: 30 * DAY, bucketMs: DAY },
};

const TOP_RISKY = 10;
const TOP_AGENTS = 10;
const MAX_CHANGES = 50;
const MAX_ALERTS = 20;
/** A denied burst: at least BURST_MIN denials of one agent within BURST_MINUTES (as the live alert counts them). */
export const BURST_MIN = 5;
const BURST_MINUTES = 10;
const MINUTE = 60_000;
/** Configuration changes: every policy, settings, key and webhook record. */
const CHANGE_TYPES: string[] = AUDIT_TYPES.filter((t) => /^(policy|settings|key|webhook|workflow|ab_test)\./.test(t));
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

/** One chart bucket's aggregates (`b` is its index from the first bucket). */
interface BucketAgg {
  b: number;
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
/** Params: first bucket start, bucket length, then the range. */
const BUCKETS_SQL = `SELECT CAST((created_ms - ?) / ? AS INTEGER) AS b, COUNT(*) AS n,
  COALESCE(SUM(approval_id IS NULL AND decision = 'allowed'), 0) AS allowed,
  COALESCE(SUM(approval_id IS NULL AND decision = 'denied'), 0) AS denied,
  COALESCE(SUM(approval_id IS NOT NULL), 0) AS held,
  COALESCE(SUM(approval_id IS NOT NULL AND (${APPROVAL_STATE_SQL}) = 'approved'), 0) AS approved,
  COALESCE(SUM(approval_id IS NOT NULL AND (${APPROVAL_STATE_SQL}) = 'rejected'), 0) AS rejected,
  COALESCE(SUM(approval_id IS NOT NULL AND (${APPROVAL_STATE_SQL}) = 'expired'), 0) AS expired,
  COALESCE(SUM(status = 'withdrawn'), 0) AS withdrawn,
  COALESCE(SUM(status = 'pending'), 0) AS pending,
  COALESCE(SUM(risk_level = 'low'), 0) AS low,
  COALESCE(SUM(risk_level = 'medium'), 0) AS medium,
  COALESCE(SUM(risk_level = 'high'), 0) AS high,
  COALESCE(SUM(risk_level = 'critical'), 0) AS critical,
  COALESCE(SUM(risk_score), 0) AS risk_sum,
  MAX(risk_score) AS risk_max
  FROM actions a WHERE ${IN_RANGE} GROUP BY b`;

/** The answers a person gave to actions of the range: milliseconds from the request to the answer. */
const ANSWERED = `SELECT MAX(0, COALESCE(reviewed_ms, 0) - created_ms) AS d FROM actions
  WHERE ${IN_RANGE} AND approval_id IS NOT NULL AND reviewed_by = 'user'`;

/**
 * The agents active in the range: the top TOP_AGENTS by actions, with whoever ties the last of
 * them (the tie is broken in JS as before), and how many agents were active.
 */
const AGENTS_SQL = `WITH a AS MATERIALIZED (
    SELECT agent_id, COUNT(*) AS n, SUM(decision = 'denied') AS denied, SUM(approval_id IS NOT NULL) AS held, MAX(risk_score) AS max_risk
    FROM actions WHERE ${IN_RANGE} GROUP BY agent_id)
  SELECT agent_id, n, denied, held, max_risk, (SELECT COUNT(*) FROM a) AS active FROM a
  WHERE n >= COALESCE((SELECT n FROM a ORDER BY n DESC LIMIT 1 OFFSET ${TOP_AGENTS - 1}), 0)`;

/**
 * Denials per agent and minute, only the minutes inside some BURST_MINUTES window that holds at
 * least BURST_MIN of that agent's denials: exactly what `bursts` needs (every minute of a burst
 * is in such a window, and no window of the minutes left holds more than it did), so that a
 * month of scattered denials does not cross to the main thread row by row.
 */
export const DENIAL_MINUTES_SQL = `WITH m AS (
    SELECT agent_id, CAST(created_ms / ${MINUTE} AS INTEGER) AS m, COUNT(*) AS n
    FROM actions WHERE decision = 'denied' AND ${IN_RANGE} GROUP BY agent_id, m),
  w AS (SELECT agent_id, m, n, SUM(n) OVER (PARTITION BY agent_id ORDER BY m RANGE BETWEEN ${BURST_MINUTES - 1} PRECEDING AND CURRENT ROW) AS s FROM m),
  f AS (SELECT agent_id, m, n, MAX(s >= ${BURST_MIN}) OVER (PARTITION BY agent_id ORDER BY m RANGE BETWEEN CURRENT ROW AND ${BURST_MINUTES - 1} FOLLOWING) AS inside FROM w)
  SELECT agent_id, m, n FROM f WHERE inside = 1`;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Collects the executive brief (SPEC 13) over the last 7 or 30 days. Each statistic is one indexed
 * query over the window of `actions` (a range scan of `created_ms`) or over `audit` (by `type,
 * seq`), aggregated in SQL so that only a handful of rows come back. Each query carries the number
 * of rows it may visit: over a big log (a month of a million actions) they run on the store's read
 * worker, so the event loop is never held, whatever the size of the log (principle 5).
 */
export async function collectBrief(src: BriefSources, window: BriefWindow): Promise<Brief> {
  const { ms, bucketMs } = BRIEF_WINDOWS[window];
  const until = src.now;
  const since = until - ms;
  const end = until + 1; // the ranges are half-open; include actions stamped exactly `now`
  const range = [since, end];

  // How many rows a query of the window may visit: the actions created since `since` have seqs from the first of them to the head.
  const head = (await src.read<{ n: number }>('SELECT COALESCE(MAX(seq), 0) AS n FROM audit'))[0]?.n ?? 0;
  const firstAction = (
    await src.read<{ seq: number }>('SELECT seq FROM actions WHERE created_ms >= ? ORDER BY created_ms, seq LIMIT 1', [since])
  )[0];
  const windowRows = { rowsHint: firstAction ? Math.max(0, head - firstAction.seq + 1) : 0 };

  const totals = { actions: 0, allowed: 0, denied: 0, held: 0, approved: 0, rejected: 0, expired: 0, withdrawn: 0, pending: 0 };
  const byLevel = { low: 0, medium: 0, high: 0, critical: 0 };
  let riskSum = 0;
  const firstBucket = Math.floor(since / bucketMs) * bucketMs;
  const aggs = new Map(
    (await src.read<BucketAgg>(BUCKETS_SQL, [firstBucket, bucketMs, ...range], windowRows)).map((a) => [a.b, a] as const),
  );
  const buckets: BriefBucket[] = [];
  for (let t = firstBucket, b = 0; t < end; t += bucketMs, b++) {
    const agg = aggs.get(b);
    const bucket: BriefBucket = {
      t: iso(t),
      actions: agg?.n ?? 0,
      allowed: agg?.allowed ?? 0,
      denied: agg?.denied ?? 0,
      held: agg?.held ?? 0,
      risk: { low: 0, medium: 0, high: 0, critical: 0, avg: null, max: null },
    };
    buckets.push(bucket);
    if (!agg || agg.n === 0) continue;
    for (const l of ['low', 'medium', 'high', 'critical'] as const) {
      bucket.risk[l] = agg[l];
      byLevel[l] += agg[l];
    }
    bucket.risk.max = agg.risk_max ?? 0;
    bucket.risk.avg = Math.round((agg.risk_sum / agg.n) * 10) / 10;
    riskSum += agg.risk_sum;
    for (const k of ['allowed', 'denied', 'held', 'approved', 'rejected', 'expired', 'withdrawn', 'pending'] as const) totals[k] += agg[k];
    totals.actions += agg.n;
  }

  const risky = await src.read<RiskyRow>(
    `SELECT action_id, seq, created_ms, agent_id, action_type, resource, risk_score, risk_level, decision, status, policy_id
       FROM actions WHERE ${IN_RANGE} ORDER BY risk_score DESC, created_ms DESC, seq DESC LIMIT ${TOP_RISKY}`,
    range,
    windowRows,
  );
  const agentRows = await src.read<{ agent_id: string; n: number; denied: number; held: number; max_risk: number; active: number }>(
    AGENTS_SQL,
    range,
    windowRows,
  );
  const agentCounts = new Map(
    agentRows.map((r) => [r.agent_id, { actions: r.n, denied: r.denied, held: r.held, max_risk: r.max_risk as number | null }] as const),
  );
  const denialMinutes = new Map<string, Map<number, number>>(); // agent → minute index → denials
  for (const r of await src.read<{ agent_id: string; m: number; n: number }>(DENIAL_MINUTES_SQL, range, windowRows)) {
    const minutes = denialMinutes.get(r.agent_id) ?? denialMinutes.set(r.agent_id, new Map()).get(r.agent_id)!;
    minutes.set(r.m, r.n);
  }
  const latency = await approvalLatency(src.read, range, windowRows);

  const firstSeq = (await src.read<{ seq: number }>('SELECT seq FROM audit WHERE ts_ms >= ? ORDER BY ts_ms ASC LIMIT 1', [since]))[0]?.seq;
  const auditFrom = firstSeq ?? Number.MAX_SAFE_INTEGER;
  const auditRows = { rowsHint: Math.max(0, head - auditFrom + 1) };

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
      agents: await agentPosture(src.read, agentCounts, agentRows[0]?.active ?? 0),
    },
    totals,
    risk: { by_level: byLevel, avg: totals.actions ? Math.round((riskSum / totals.actions) * 10) / 10 : null },
    buckets,
    approval_latency: { ...latency, unanswered: totals.expired + totals.withdrawn },
    top_risky: await riskyDetails(src.read, risky),
    policy_changes: await changes(src.read, auditFrom, auditRows),
    denied_bursts: bursts(denialMinutes),
    alerts: await alerts(src.read, auditFrom, auditRows),
    chain: await chain(src),
    checkpoint: await checkpoint(src.read),
    compliance: await compliance(src),
  };
  return BriefSchema.parse(brief);
}

/**
 * Approval latency over the answers a person gave in the range: count, nearest-rank p50/p90 and
 * max, and the histogram, all counted in SQL (a month can hold a hundred thousand answers).
 */
async function approvalLatency(
  read: BriefReader,
  range: number[],
  hint: { rowsHint: number },
): Promise<Omit<Brief['approval_latency'], 'unanswered'>> {
  const bins = LATENCY_BINS.map((bin, i) => {
    const lo = i === 0 ? -1 : LATENCY_BINS[i - 1]!.le_s! * 1000;
    return `COALESCE(SUM(d > ${lo}${bin.le_s === null ? '' : ` AND d <= ${bin.le_s * 1000}`}), 0) AS b${i}`;
  });
  const agg = (
    await read<Record<string, number | null>>(`SELECT COUNT(*) AS n, MAX(d) AS max, ${bins.join(', ')} FROM (${ANSWERED})`, range, hint)
  )[0];
  const n = agg?.n ?? 0;
  const rank = async (p: number): Promise<number | null> => {
    if (n === 0) return null;
    const offset = Math.max(0, Math.ceil(p * n) - 1);
    return (await read<{ d: number }>(`${ANSWERED} ORDER BY d ASC LIMIT 1 OFFSET ?`, [...range, offset], hint))[0]?.d ?? null;
  };
  const secs = (v: number | null | undefined) => (v == null ? null : Math.round(v) / 1000);
  return {
    answered: n,
    p50_s: secs(await rank(0.5)),
    p90_s: secs(await rank(0.9)),
    max_s: n ? secs(agg?.max) : null,
    histogram: LATENCY_BINS.map((bin, i) => ({ ...bin, count: Number(agg?.[`b${i}`] ?? 0) })),
  };
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
  active: number,
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
    active,
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
      const flows = Array.isArray(data.workflow_ids) ? data.workflow_ids.length : 0;
      return `Imported a policy file: ${ids} policies (${str(data.created ?? 0)} new, ${str(data.updated ?? 0)} updated)${flows ? `, ${flows} approval workflow${flows === 1 ? '' : 's'}` : ''}`;
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
    case 'workflow.created':
    case 'workflow.updated': {
      const w = (data.workflow ?? {}) as Json;
      const steps = Array.isArray(w.steps) ? w.steps.length : 0;
      return `${type === 'workflow.created' ? 'Created' : 'Changed'} approval workflow '${str(w.id)}' (${steps} step${steps === 1 ? '' : 's'})`;
    }
    case 'workflow.deleted':
      return `Deleted approval workflow '${str(data.workflow_id)}'`;
    case 'ab_test.created': {
      const t = (data.ab_test ?? {}) as Json;
      return `Started A/B test '${str(t.name)}': ${str(t.traffic_split)} % of '${str(t.control_policy)}' decided by '${str(t.test_policy)}'`;
    }
    case 'ab_test.stopped':
      return `Stopped A/B test '${str(data.name)}'`;
    default:
      return type;
  }
}

/** Audit records matching `where` from `fromSeq` on: one count over `audit_type`, on the read worker when the log after `fromSeq` is big. */
async function countFrom(
  read: BriefReader,
  where: string,
  params: SqlValue[],
  fromSeq: number,
  hint: { rowsHint: number },
): Promise<number> {
  return (await read<{ n: number }>(`SELECT COUNT(*) AS n FROM audit WHERE ${where} AND seq >= ?`, [...params, fromSeq], hint))[0]?.n ?? 0;
}

async function changes(read: BriefReader, fromSeq: number, hint: { rowsHint: number }): Promise<Brief['policy_changes']> {
  const inTypes = CHANGE_TYPES.map(() => '?').join(',');
  const total = await countFrom(read, `type IN (${inTypes})`, CHANGE_TYPES, fromSeq, hint);
  const rows = await read<{ seq: number; ts: string; type: string; actor: string; data: string }>(
    `SELECT seq, ts, type, actor, data FROM audit WHERE type IN (${inTypes}) AND seq >= ? ORDER BY seq DESC LIMIT ${MAX_CHANGES}`,
    [...CHANGE_TYPES, fromSeq],
    hint,
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

async function alerts(read: BriefReader, fromSeq: number, hint: { rowsHint: number }): Promise<Brief['alerts']> {
  const total = await countFrom(read, "type = 'alert.triggered'", [], fromSeq, hint);
  const rows = await read<{ seq: number; ts: string; data: string }>(
    `SELECT seq, ts, data FROM audit WHERE type = 'alert.triggered' AND seq >= ? ORDER BY seq DESC LIMIT ${MAX_ALERTS}`,
    [fromSeq],
    hint,
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
