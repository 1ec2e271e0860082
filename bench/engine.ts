// Decision engine benchmark (SPEC 2.4, 3): per-decision latency of `decide` (risk + policies) at
// 10, 1,000 and 10,000 generated policies over a realistic action mix, side by side with the same
// decisions made by Cedar (@cedar-policy/cedar-wasm, Node entry) over the same policies in Cedar.
// Also: the worst-case decision time of issue 13's adversarial inputs, each at the 1 MiB body limit,
// against the default policies.
// Run: npx tsx bench/engine.ts [--samples 20000] [--adversarial-only] [--sizes 10000] [--no-cedar] [--no-adversarial]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { DOCUMENT_VALUES } from '../src-shared/api.js';
import {
  CompleteRequestSchema,
  DEFAULT_SETTINGS,
  PolicySchema,
  type ActionRequest,
  type NormalizedAction,
  type Policy,
} from '../src-shared/index.js';
import {
  compilePolicies,
  exportPolicyFile,
  normalizeAction,
  parsePolicyFile,
  type DecideContext,
  type Engine,
} from '../src-main/engine/index.js';
import { Gatehouse } from '../src-main/app/gatehouse.js';
import { parseJsonText } from '../src-main/core/json-body.js';
import { BODY_LIMIT } from '../src-main/http/body.js';
import type { Outcome } from '../src-main/engine/types.js';
import { OFF_LOOP_FROM, textsOf } from '../src-main/services/secret-scans.js';
import { scanSecrets, withSecretScans } from '../src-shared/secrets.js';
import { percentile, stallDuring, writeResults, type Figure, seeded } from './lib.js';

const argSamples = process.argv.indexOf('--samples');
const SAMPLES = argSamples > 0 ? Number(process.argv[argSamples + 1]) : 20_000;
const WARMUP = 5_000;
const argSizes = process.argv.indexOf('--sizes');
const SIZES: number[] = argSizes > 0 ? process.argv[argSizes + 1]!.split(',').map(Number) : [10, 1_000, 10_000];
/** Without Cedar: only our engine's figures (a quick look; `npm run bench` measures both). */
const NO_CEDAR = process.argv.includes('--no-cedar');
/**
 * Cedar evaluates every policy of the set on each request (milliseconds at 10,000 policies), and
 * `isAuthorized` re-parses the whole set on every call: its samples are bounded by a time budget.
 */
const CEDAR_BUDGET_MS = 15_000;
const CEDAR_PARSING_BUDGET_MS = 8_000;
const MIN_CEDAR_SAMPLES = 5;

// ---------------------------------------------------------------------------------------------
// Deterministic generators.

const { rand, pick } = seeded(20_261_118);

const DOMAINS = [
  'database',
  'file',
  'shell',
  'http',
  's3',
  'iam',
  'payment',
  'email',
  'k8s',
  'git',
  'queue',
  'cache',
  'secrets',
  'dns',
  'vm',
  'ticket',
  'crm',
  'analytics',
  'backup',
  'deploy',
];
const VERBS = [
  'read',
  'list',
  'get',
  'query',
  'write',
  'update',
  'create',
  'delete',
  'drop',
  'exec',
  'run',
  'send',
  'refund',
  'transfer',
  'apply',
  'restart',
  'scale',
  'grant',
  'revoke',
  'export',
];
const ACTION_TYPES = DOMAINS.flatMap((d) => VERBS.map((v) => `${d}.${v}`));
const AGENTS = [...Array.from({ length: 200 }, (_, i) => `agent-${i}`), 'claude-code', 'mcp-client', 'data-analyst'];
const APPS = 300;

function resourceFor(domain: string): string {
  const k = rand(APPS);
  switch (domain) {
    case 'database':
      return `postgres://db-${k}/table_${rand(50)}`;
    case 'file':
      return `/srv/app-${k}/src/module-${rand(40)}/file-${rand(100)}.ts`;
    case 'shell':
      return `npm run build --workspace app-${k}`;
    case 's3':
    case 'backup':
      return `s3://bucket-${k}/key-${rand(1000)}.json`;
    default:
      return `https://api-${k}.example.com/v1/${domain}/${rand(1000)}`;
  }
}

/** One generated policy: mostly keyed on action_type / agent / resource, some on risk and context. */
function generatePolicy(i: number): Policy {
  const effect = pick([
    'allow',
    'allow',
    'allow',
    'allow',
    'allow',
    'deny',
    'deny',
    'require_approval',
    'require_approval',
    'monitor',
  ] as const);
  const domain = pick(DOMAINS);
  const kind = rand(100);
  let when: Record<string, unknown>;
  if (kind < 30) when = { action_type: pick(ACTION_TYPES), resource: `${resourceFor(domain).split('/').slice(0, 3).join('/')}/*` };
  else if (kind < 45) when = { action_type: { in: [pick(ACTION_TYPES), pick(ACTION_TYPES)] } };
  else if (kind < 60) when = { agent_id: pick(AGENTS), action_type: `${domain}.*` };
  else if (kind < 75) when = { resource: { starts_with: `/srv/app-${rand(APPS)}/src/module-${rand(40)}/` } };
  else if (kind < 83) when = { resource: `*/file-${rand(100)}.ts` };
  else if (kind < 93)
    when = {
      action_type: pick(ACTION_TYPES),
      'context.environment': 'production',
      'context.estimated_rows': { gte: 100 * (1 + rand(50)) },
    };
  else if (kind < 99) when = { action_type: `${domain}.*`, 'risk.score': { gte: 40 + rand(60) } };
  else
    when = {
      any: [{ 'risk.score': { gte: 90 + rand(10) } }, { 'context.estimated_rows': { gte: 50_000 + rand(50_000) } }],
      'context.environment': 'production',
    };
  return PolicySchema.parse({ id: `p${i}`, priority: rand(100) * 10, effect, when });
}

function generateAction(): NormalizedAction {
  const known = rand(10) > 0;
  const domain = pick(DOMAINS);
  const actionType = known ? `${domain}.${pick(VERBS)}` : `custom.op_${rand(50)}`;
  const action: NormalizedAction = { agent_id: pick(AGENTS), action_type: actionType, resource: resourceFor(domain) };
  if (domain === 'database')
    action.parameters = {
      sql: rand(5) === 0 ? `DELETE FROM table_${rand(50)}` : `SELECT * FROM table_${rand(50)} WHERE id = ${rand(1e6)}`,
    };
  else if (domain === 'shell') action.parameters = { command: action.resource ?? '', cwd: `/srv/app-${rand(APPS)}` };
  else if (domain === 'file')
    action.parameters = { file_path: action.resource ?? '', content: 'export const answer = 42;\n'.repeat(1 + rand(20)) };
  else action.parameters = { body: { id: rand(1e6), note: 'routine call' } };
  if (rand(3) === 0)
    action.context = { environment: rand(2) ? 'production' : 'staging', estimated_rows: rand(20_000), has_backup: rand(2) === 0 };
  return action;
}

// ---------------------------------------------------------------------------------------------
// The same policies in Cedar: allow → permit; deny and require_approval → forbid; monitor → permit
// (it is evaluated too). action_type / agent_id equalities go into the scope, everything else into
// `when` over context attributes, guarded with `has` (a missing field is false in both languages).

const cedarString = (s: string): string => JSON.stringify(s);
const cedarLike = (pattern: string): string => `"${pattern.replace(/[\\"]/g, '\\$&')}"`;

const CONTEXT_ATTRIBUTE: Record<string, string> = {
  action_type: 'action_type',
  agent_id: 'agent_id',
  resource: 'resource',
  'context.environment': 'environment',
  'context.estimated_rows': 'estimated_rows',
  'risk.score': 'risk_score',
};

function cedarCondition(field: string, value: unknown): string {
  const attribute = CONTEXT_ATTRIBUTE[field];
  if (!attribute) throw new Error(`no Cedar attribute for ${field}`);
  const ref = `context.${attribute}`;
  const guard = (expr: string) => `(context has ${attribute} && ${expr})`;
  if (typeof value === 'string') return guard(value.includes('*') ? `${ref} like ${cedarLike(value)}` : `${ref} == ${cedarString(value)}`);
  if (typeof value === 'number') return guard(`${ref} == ${value}`);
  const ops = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const [op, operand] of Object.entries(ops)) {
    if (op === 'in') parts.push(`[${(operand as string[]).map(cedarString).join(', ')}].contains(${ref})`);
    else if (op === 'starts_with') parts.push(`${ref} like ${cedarLike(`${String(operand)}*`)}`);
    else if (op === 'gte') parts.push(`${ref} >= ${Number(operand)}`);
    else throw new Error(`no Cedar translation for ${op}`);
  }
  return guard(parts.join(' && '));
}

function cedarWhen(when: Record<string, unknown>): string[] {
  const clauses: string[] = [];
  for (const [key, value] of Object.entries(when)) {
    if (key === 'any')
      clauses.push(`(${(value as Record<string, unknown>[]).map((w) => `(${cedarWhen(w).join(' && ') || 'true'})`).join(' || ')})`);
    else if (key === 'all') clauses.push(...(value as Record<string, unknown>[]).flatMap(cedarWhen));
    else clauses.push(cedarCondition(key, value));
  }
  return clauses;
}

function toCedar(p: Policy): string {
  const { action_type: actionType, agent_id: agentId, ...rest } = p.when;
  let actionScope = 'action';
  const conditions: Record<string, unknown> = { ...rest };
  if (typeof actionType === 'string' && !actionType.includes('*')) actionScope = `action == Action::${cedarString(actionType)}`;
  else if (actionType && typeof actionType === 'object' && 'in' in actionType)
    actionScope = `action in [${(actionType as { in: string[] }).in.map((a) => `Action::${cedarString(a)}`).join(', ')}]`;
  else if (actionType !== undefined) conditions.action_type = actionType;
  let principalScope = 'principal';
  if (typeof agentId === 'string' && !agentId.includes('*')) principalScope = `principal == Agent::${cedarString(agentId)}`;
  else if (agentId !== undefined) conditions.agent_id = agentId;
  const effect = p.effect === 'allow' || p.effect === 'monitor' ? 'permit' : 'forbid';
  const clauses = cedarWhen(conditions);
  return `${effect} (${principalScope}, ${actionScope}, resource)${clauses.length ? ` when { ${clauses.join(' && ')} }` : ''};`;
}

/** Cedar's request for an action: the same facts, with the risk computed beforehand (not timed). */
function cedarRequest(
  action: NormalizedAction,
  riskScore: number,
): { principal: cedar.EntityUid; action: cedar.EntityUid; resource: cedar.EntityUid; context: cedar.Context } {
  const context: cedar.Context = { action_type: action.action_type, agent_id: action.agent_id, risk_score: riskScore };
  if (action.resource !== undefined) context.resource = action.resource;
  const environment = action.context?.environment ?? action.environment;
  if (typeof environment === 'string') context.environment = environment;
  const rows = action.context?.estimated_rows;
  if (typeof rows === 'number') context.estimated_rows = rows;
  return {
    principal: { type: 'Agent', id: action.agent_id },
    action: { type: 'Action', id: action.action_type },
    resource: { type: 'Resource', id: action.resource ?? 'none' },
    context,
  };
}

// ---------------------------------------------------------------------------------------------
// Measurement.

interface Latency {
  p50: number;
  p99: number;
  samples: number;
}

function measure(samples: number, warmup: number, run: (i: number) => void): Latency {
  for (let i = 0; i < warmup; i++) run(i);
  const us = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const t0 = process.hrtime.bigint();
    run(i);
    us[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const sorted = Array.from(us).sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), samples };
}

/** As many samples (up to `SAMPLES`) as fit in the budget, judged from a probe after a short warm-up. */
function measureWithin(budgetMs: number, run: (i: number) => void): Latency {
  const warmUntil = performance.now() + Math.min(2_000, budgetMs / 5);
  let calls = 0;
  while (calls < 200 && performance.now() < warmUntil) run(calls++);
  const probeCalls = 10;
  const t0 = performance.now();
  for (let i = 0; i < probeCalls; i++) run(i);
  const perCallMs = (performance.now() - t0) / probeCalls;
  const fit = Math.floor(budgetMs / Math.max(perCallMs, 1e-6));
  const samples = Math.max(MIN_CEDAR_SAMPLES, Math.min(SAMPLES, Math.floor(fit * 0.8)));
  const warmup = Math.min(WARMUP, Math.floor(fit * 0.1));
  return measure(samples, warmup, run);
}

const ctx: DecideContext = { now: new Date(2026, 10, 18, 14, 0), agentRegistered: true, recentAgentActions: 3 };
const ACTIONS = Array.from({ length: 2_000 }, generateAction);

interface SizeResult {
  size: number;
  compileMs: number;
  /** One policy created, updated or deleted in the set: the compile that change costs (the service's main-thread hold). */
  change: { worstMs: number; medianMs: number; changes: number };
  engine: Latency;
  /** The same decisions with five A/B tests running (SPEC 12) on the five policies that decide most. */
  ab: Latency & { share: number; inTestPlainP50: number; inTestAbP50: number };
  risk: Latency;
  cedar: Latency;
  cedarParsing: Latency;
  agreement: string;
}

function cedarDecide(id: string, request: ReturnType<typeof cedarRequest>): cedar.AuthorizationAnswer {
  return cedar.statefulIsAuthorized({ ...request, preparsedPolicySetId: id, entities: [] });
}

/** Checks the translation: Cedar's forbid reasons are exactly our matching deny / require_approval policies. */
function agreement(engine: Engine, policies: Policy[], id: string, requests: ReturnType<typeof cedarRequest>[]): string {
  const effectOf = new Map(policies.map((p) => [p.id, p.effect]));
  let agree = 0;
  const checked = Math.min(100, requests.length);
  for (let i = 0; i < checked; i++) {
    const action = ACTIONS[i] as NormalizedAction;
    const ours = engine
      .explain(action, ctx)
      .trace.filter((t) => t.matched && (t.effect === 'deny' || t.effect === 'require_approval'))
      .map((t) => t.policy_id)
      .sort();
    const answer = cedarDecide(id, requests[i] as ReturnType<typeof cedarRequest>);
    if (answer.type !== 'success') throw new Error(`Cedar failed: ${JSON.stringify(answer.errors)}`);
    const theirs =
      answer.response.decision === 'deny'
        ? answer.response.diagnostics.reason.filter((r) => effectOf.get(r) !== 'allow' && effectOf.get(r) !== 'monitor').sort()
        : [];
    if (JSON.stringify(ours) === JSON.stringify(theirs)) agree++;
  }
  return `${agree}/${checked}`;
}

/**
 * SPEC 12: five A/B tests (50 % split) whose control policies are the five that decide the most
 * actions of the mix, each tested against another policy of the set; `share` is the fraction of the
 * mix that falls in a test (both arms evaluated, the arm hashed).
 */
function abContext(engine: Engine, policies: Policy[]): { ctx: DecideContext; share: number; inTest: NormalizedAction[] } {
  const counts = new Map<string, number>();
  const deciders = ACTIONS.map((a) => engine.decide(a as NormalizedAction, ctx).policy?.id ?? null);
  for (const id of deciders) if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  const top = [...counts].sort((x, y) => y[1] - x[1]).slice(0, 5);
  const controls = new Set(top.map(([id]) => id));
  const inTest = ACTIONS.filter((_, i) => controls.has(deciders[i] ?? '')) as NormalizedAction[];
  const abTests = top.map(([control], k) => ({
    id: `abt_bench_${k}`,
    control,
    test: (policies[(k * 7_919) % policies.length] as Policy).id,
    split: 50,
    startsAtMs: 0,
    endsAtMs: Number.MAX_SAFE_INTEGER,
  }));
  const share = top.reduce((sum, [, c]) => sum + c, 0) / ACTIONS.length;
  return { ctx: { ...ctx, abTests }, share, inTest };
}

const POLICY_CHANGES = 30;

/**
 * What one policy change costs the main thread: the service makes the next engine from the one in
 * force (`engine.withPolicy`: the changed policy compiled and placed, only its index buckets copied)
 * once per create / update / delete. A third of each kind, at spread-out places in the set; the worst
 * and the median.
 */
function policyChangeHold(policies: Policy[]): SizeResult['change'] {
  const set = [...policies];
  let engine: Engine = compilePolicies({ policies: set, settings: DEFAULT_SETTINGS, riskRules: [] });
  const times: number[] = [];
  // What the cold compile of the whole set left is collected first (a server collects it long before a
  // person edits a policy); what each change leaves is collected inside the changes, and counts.
  collectGarbage();
  for (let k = 0; k < POLICY_CHANGES; k++) {
    const i = (k * 7_919) % set.length;
    const current = set[i] as Policy;
    let next: Policy | null = null;
    if (k % 3 === 0) next = set[i] = PolicySchema.parse({ ...current, priority: (current.priority + 10) % 1_000 });
    else if (k % 3 === 1) {
      next = PolicySchema.parse({ id: `changed-${k}`, priority: 500, effect: 'deny', when: { resource: `/srv/app-${k}/*.env` } });
      set.push(next);
    } else set.splice(i, 1);
    const id = next?.id ?? current.id;
    const t0 = performance.now();
    engine = engine.withPolicy(id, next);
    times.push(performance.now() - t0);
  }
  const sorted = times.sort((a, b) => a - b);
  return { worstMs: sorted[sorted.length - 1] ?? NaN, medianMs: percentile(sorted, 50), changes: POLICY_CHANGES };
}

/**
 * The whole-set changes through the service, as a server makes them (SPEC 8: none may hold the event
 * loop over 50 ms): the set imported as a YAML file (read on a thread of its own, compiled in
 * slices, one commit) into a fresh data dir, then one settings change (the compiled policies kept).
 * The longest stretch the main thread ran without the loop turning (process.threadCpuUsage: this
 * thread's own work, whatever else the machine runs) and the import's whole time.
 */
async function wholeSetHolds(policies: Policy[]): Promise<{ importMs: number; importWallMs: number; settingsMs: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-import-'));
  const g = await Gatehouse.open({ mode: 'headless', defaultPolicies: false, dataDir, checkpoints: { enabled: false } });
  try {
    const text = exportPolicyFile(policies, {}, [], 'yaml');
    collectGarbage();
    const t0 = performance.now();
    const imported = await stallDuring(() => g.policies.importText(text));
    const importWallMs = performance.now() - t0;
    collectGarbage();
    const settings = await stallDuring(() => g.settings.update({ auto_allow_below: 25, require_approval_at: 65 }));
    return { importMs: imported.busyMs, importWallMs, settingsMs: settings.busyMs };
  } finally {
    await g.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function runSize(size: number): SizeResult {
  const policies = Array.from({ length: size }, (_, i) => generatePolicy(i));
  const t0 = performance.now();
  const engine = compilePolicies({ policies, settings: DEFAULT_SETTINGS, riskRules: [] });
  const compileMs = performance.now() - t0;
  const riskOnly = compilePolicies({ policies: [], settings: DEFAULT_SETTINGS, riskRules: [] });

  const n = ACTIONS.length;
  let sink = 0;
  const progress = (what: string) => process.stderr.write(`  [${size} policies] ${what}\n`);
  progress(`compiled in ${compileMs.toFixed(0)} ms`);
  const change = policyChangeHold(policies);
  progress(`one policy change: worst ${change.worstMs.toFixed(1)} ms`);
  const engineLatency = measure(SAMPLES, WARMUP, (i) => {
    sink += engine.decide(ACTIONS[i % n] as NormalizedAction, ctx).risk.score;
  });
  const riskLatency = measure(SAMPLES, WARMUP, (i) => {
    sink += riskOnly.decide(ACTIONS[i % n] as NormalizedAction, ctx).risk.score;
  });
  const ab = abContext(engine, policies);
  const abLatency = measure(SAMPLES, WARMUP, (i) => {
    sink += engine.decide(ACTIONS[i % n] as NormalizedAction, ab.ctx).risk.score;
  });
  // Only the actions that fall in a test (both arms evaluated), with and without the tests, side by side.
  const m = Math.max(1, ab.inTest.length);
  const inTestPlain = measure(SAMPLES, WARMUP, (i) => {
    sink += engine.decide(ab.inTest[i % m] as NormalizedAction, ctx).risk.score;
  });
  const inTestAb = measure(SAMPLES, WARMUP, (i) => {
    sink += engine.decide(ab.inTest[i % m] as NormalizedAction, ab.ctx).risk.score;
  });

  progress('engine measured');
  if (NO_CEDAR) {
    const none: Latency = { p50: NaN, p99: NaN, samples: 0 };
    const abResult = { ...abLatency, share: ab.share, inTestPlainP50: inTestPlain.p50, inTestAbP50: inTestAb.p50 };
    return {
      size,
      compileMs,
      change,
      engine: engineLatency,
      ab: abResult,
      risk: riskLatency,
      cedar: none,
      cedarParsing: none,
      agreement: 'n/a',
    };
  }
  const setId = `bench-${size}`;
  const staticPolicies: Record<string, string> = Object.fromEntries(policies.map((p) => [p.id, toCedar(p)]));
  const parsed = cedar.preparsePolicySet(setId, { staticPolicies });
  if (parsed.type !== 'success') throw new Error(`Cedar could not parse the policies: ${JSON.stringify(parsed.errors.slice(0, 3))}`);
  progress('Cedar policy set parsed');
  const requests = ACTIONS.map((a) => cedarRequest(a, riskOnly.decide(a, ctx).risk.score));
  const cedarLatency = measureWithin(CEDAR_BUDGET_MS, (i) => {
    const answer = cedarDecide(setId, requests[i % n] as ReturnType<typeof cedarRequest>);
    sink += answer.type === 'success' && answer.response.decision === 'allow' ? 1 : 0;
  });
  progress('Cedar measured');
  const cedarParsing = measureWithin(CEDAR_PARSING_BUDGET_MS, (i) => {
    const answer = cedar.isAuthorized({
      ...(requests[i % n] as ReturnType<typeof cedarRequest>),
      policies: { staticPolicies },
      entities: [],
    });
    sink += answer.type === 'success' ? 1 : 0;
  });
  if (sink === Number.MIN_SAFE_INTEGER) console.log(sink);
  return {
    size,
    compileMs,
    change,
    engine: engineLatency,
    ab: { ...abLatency, share: ab.share, inTestPlainP50: inTestPlain.p50, inTestAbP50: inTestAb.p50 },
    risk: riskLatency,
    cedar: cedarLatency,
    cedarParsing,
    agreement: agreement(engine, policies, setId, requests),
  };
}

// ---------------------------------------------------------------------------------------------
// Issue 13's adversarial inputs, each as a request body at the 1 MiB limit, decided by the default
// policies: the worst of several runs after the same short warm-up for every shape.

const ADVERSARIAL_RUNS = 9;
/**
 * Uncounted decisions of the same input before the measured runs, the same number for every shape: a
 * server deciding its thousandth request has its regexes compiled and its functions optimised (the
 * first decisions run them interpreted). A full collection before the warm-up clears what building the
 * inputs left (the binary search over body sizes stringifies ~20 MiB per shape; a full collection also
 * drops compiled regex code, hence before); the garbage the measured decisions make themselves is
 * collected inside them, and counts.
 */
const ADVERSARIAL_WARMUP = 5;
const collectGarbage = ((): (() => void) => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();
const MAX_BODY = BODY_LIMIT - 1024;

function fillTo(unit: string, size: number): string {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

/** A body of at most 1 MiB: `make(n)` with the largest `n` that fits. */
function atLimit(make: (n: number) => Omit<ActionRequest, 'agent_id'>): ActionRequest {
  let lo = 1;
  let hi = MAX_BODY;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (JSON.stringify({ agent_id: 'bench-agent', ...make(mid) }).length <= MAX_BODY) lo = mid;
    else hi = mid - 1;
  }
  return { agent_id: 'bench-agent', ...make(lo) };
}

const ATTACK = 'sudo rm -rf / ; cat ~/.ssh/id_rsa';
function deep(levels: number): unknown {
  let v: unknown = ATTACK;
  for (let i = 0; i < levels; i++) v = { d: v };
  return v;
}

interface Adversarial {
  id: string;
  label: string;
  request: ActionRequest;
  /** Extra policies an admin wrote (the default set is always there). */
  extra?: Policy[];
  /** The issue's target (5 ms) unless given; null for a shape shown for information. */
  target?: number | null;
}

const ADVERSARIAL: Adversarial[] = [
  {
    id: 'rm_f',
    label: '`rm -f rm -f …` as a shell command (36.6 s at 16 KiB on 0.1)',
    request: atLimit((n) => ({ action_type: 'shell.exec', resource: fillTo('rm -f ', n) })),
  },
  {
    id: 'rm_r',
    label: '`rm -r rm -r …` as a shell command (30 s at 16 KiB on 0.1)',
    request: atLimit((n) => ({ action_type: 'shell.exec', resource: fillTo('rm -r ', n) })),
  },
  {
    id: 'regex_nested',
    label: 'admin regex (a+)+$ on a…a! (8 s at 31 chars on 0.1)',
    request: atLimit((n) => ({ action_type: 'file.write', resource: `${'a'.repeat(n)}!` })),
    extra: [PolicySchema.parse({ id: 'admin-regex', effect: 'deny', when: { resource: { regex: '(a+)+$' } } })],
  },
  {
    id: 'regex_nested_match',
    label: 'admin regex (a+)+$ on a…a (it matches)',
    request: atLimit((n) => ({ action_type: 'file.write', resource: 'a'.repeat(n) })),
    extra: [PolicySchema.parse({ id: 'admin-regex', effect: 'deny', when: { resource: { regex: '(a+)+$' } } })],
  },
  {
    id: 'regex_both_ends',
    label: 'admin regex ^(a+)+$ on a…a (anchored at both ends: the whole value is read)',
    request: atLimit((n) => ({ action_type: 'file.write', resource: 'a'.repeat(n) })),
    extra: [PolicySchema.parse({ id: 'admin-regex', effect: 'deny', when: { resource: { regex: '^(a+)+$' } } })],
    target: null,
  },
  {
    id: 'glob_stars',
    label: 'admin glob *a*a*b*c on a…ac (11 s at 4 KB on 0.1)',
    request: atLimit((n) => ({ action_type: 'file.write', resource: `${'a'.repeat(n)}c` })),
    extra: [PolicySchema.parse({ id: 'admin-glob', effect: 'deny', when: { resource: { glob: '*a*a*b*c' } } })],
  },
  {
    id: 'fork_bomb_scan',
    label: 'fork-bomb detector on a 1 MiB `:(){ :|` string (1.8 s at 64 KiB on 0.1)',
    request: atLimit((n) => ({ action_type: 'file.write', resource: 'notes.txt', parameters: { content: fillTo(':(){ :|', n) } })),
  },
  {
    id: 'dodge_padding',
    label: 'dodge: the attack after ~1 MiB of padding',
    request: atLimit((n) => ({ action_type: 'shell.exec', parameters: { padding: 'x'.repeat(n), note: ATTACK } })),
  },
  {
    id: 'dodge_items',
    label: 'dodge: the attack after as many array items as fit',
    request: atLimit((n) => ({
      action_type: 'shell.exec',
      parameters: { items: [...Array.from({ length: Math.floor(n / 4) }, () => 'x'), ATTACK] },
    })),
  },
  {
    id: 'dodge_deep',
    label: 'dodge: the attack 60 levels deep',
    request: { agent_id: 'bench-agent', action_type: 'shell.exec', parameters: { p: deep(60) } as Record<string, unknown> },
  },
  {
    id: 'dodge_spaces',
    label: 'dodge: the attack after ~1 MiB of spaces',
    request: atLimit((n) => ({ action_type: 'shell.exec', resource: `${' '.repeat(n)}${ATTACK}` })),
  },
];

function adversarialFigures(): Figure[] {
  const defaults = parsePolicyFile(readFileSync(new URL('../resources/default-policies.yaml', import.meta.url), 'utf8')).policies;
  const out: Figure[] = [];
  const adversarialCtx: DecideContext = { ...ctx, agentRegistered: false };
  console.log(
    '\nadversarial inputs at the 1 MiB body limit (default policies), worst of',
    ADVERSARIAL_RUNS,
    'runs after',
    ADVERSARIAL_WARMUP,
    'uncounted:',
  );
  for (const a of ADVERSARIAL) {
    const engine = compilePolicies({ policies: [...defaults, ...(a.extra ?? [])], settings: DEFAULT_SETTINGS, riskRules: [] });
    const text = JSON.stringify(a.request);
    const parseStarted = performance.now();
    const action = normalizeAction(parseJsonText(text) as ActionRequest);
    const parseMs = performance.now() - parseStarted;
    // As the server decides it: a body with OFF_LOOP_FROM characters of text or more has its secrets
    // scanned on the secrets thread first (services/secret-scans.ts), and the decision reads those scans.
    const { texts, chars } = textsOf([action]);
    const threadStarted = performance.now();
    const scans = chars >= OFF_LOOP_FROM ? new Map(texts.map((t) => [t, scanSecrets(t)])) : null;
    const threadMs = performance.now() - threadStarted;
    const served = (): Outcome =>
      scans ? withSecretScans(scans, () => engine.decide(action, adversarialCtx)) : engine.decide(action, adversarialCtx);
    collectGarbage();
    for (let i = 0; i < ADVERSARIAL_WARMUP; i++) {
      served();
      engine.decide(action, adversarialCtx);
    }
    const times: number[] = [];
    const inlineTimes: number[] = [];
    const cpu: number[] = [];
    let decision = '';
    let score = 0;
    // Side by side: as served, then the whole decision (secrets scan included) on one thread.
    for (let i = 0; i < ADVERSARIAL_RUNS; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const outcome = served();
      times.push(performance.now() - t0);
      const used = process.cpuUsage(c0);
      cpu.push((used.user + used.system) / 1000);
      decision = outcome.decision;
      score = outcome.risk.score;
      const t1 = performance.now();
      engine.decide(action, adversarialCtx);
      inlineTimes.push(performance.now() - t1);
    }
    const sorted = [...times].sort((x, y) => x - y);
    const worst = sorted[sorted.length - 1] ?? NaN;
    const median = percentile(sorted, 50);
    const cpuMedian = percentile(
      [...cpu].sort((x, y) => x - y),
      50,
    );
    const inline = [...inlineTimes].sort((x, y) => x - y);
    const inlineNote = scans
      ? `; the secrets scan on its thread ${threadMs.toFixed(1)} ms; the whole decision on one thread: worst ${inline[inline.length - 1]!.toFixed(2)} ms, median ${percentile(inline, 50).toFixed(2)} ms`
      : '';
    const kib = Math.round(text.length / 1024);
    console.log(
      `  ${a.id.padEnd(16)} ${`${kib} KiB`.padStart(9)}  worst ${worst.toFixed(2).padStart(8)} ms  median ${median.toFixed(2).padStart(8)} ms  CPU median ${cpuMedian.toFixed(2).padStart(7)} ms  body parse ${parseMs.toFixed(2)} ms  → ${decision} (risk ${score})${inlineNote}`,
    );
    out.push({
      id: `adversarial_${a.id}`,
      label: `adversarial: ${a.label}`,
      value: worst,
      unit: 'ms',
      ...(a.target === null ? {} : { target: a.target ?? 5 }),
      better: 'lower',
      note: `${kib} KiB body; main thread as served, median ${median.toFixed(2)} ms wall, ${cpuMedian.toFixed(2)} ms CPU; strict body parse ${parseMs.toFixed(1)} ms; ${decision}, risk ${score}${inlineNote}; load ${loadavg()[0]?.toFixed(1)}`,
    });
  }
  return out;
}

/**
 * Text dense with what the secrets catalogue's patterns start from: each costs the catalogue tens of
 * ms a MiB for the risk factor and as much again for the mask (the worst found by timing every
 * kind's hint words repeated).
 */
const SECRET_DENSE = ['curl -u ', '--token aaaa ', 'mysql -u ', 'AKIAAAAAAAAAAAAAAAAA ', 'Authorization: Basic '];

/**
 * SPEC 8 for the secrets catalogue: a submit whose 1 MiB parameter is such text, through the service
 * as the API calls it (the body's parse included), the longest stretch the main thread ran without the
 * loop turning. Such bodies are scanned on the secrets thread (services/secret-scans.ts).
 */
async function secretDenseHolds(): Promise<Figure> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-secrets-'));
  const g = await Gatehouse.open({ mode: 'headless', dataDir, checkpoints: { enabled: false } });
  const caller = { boundAgentId: null, keyId: null };
  try {
    const holds: { unit: string; busyMs: number }[] = [];
    for (const unit of SECRET_DENSE) {
      const text = JSON.stringify(
        atLimit((n) => ({ action_type: 'file.write', resource: 'notes.txt', parameters: { content: fillTo(unit, n) } })),
      );
      // One uncounted submit: the thread started and every function optimised, as in a running server.
      await g.actions.submit(parseJsonText(text) as ActionRequest, caller);
      collectGarbage();
      const { busyMs } = await stallDuring(() => g.actions.submit(parseJsonText(text) as ActionRequest, caller));
      holds.push({ unit, busyMs });
      console.log(`  secrets-dense submit ${JSON.stringify(unit).padEnd(24)} longest main-thread hold ${busyMs.toFixed(1)} ms`);
    }
    const worst = holds.reduce((a, b) => (b.busyMs > a.busyMs ? b : a));
    return {
      id: 'secret_dense_submit_hold',
      label: 'adversarial: submit of 1 MiB of text dense with secret-pattern starts: longest main-thread hold',
      value: worst.busyMs,
      unit: 'ms',
      target: 50,
      better: 'lower',
      note: `worst of ${holds.map((h) => `${JSON.stringify(h.unit)} ${h.busyMs.toFixed(1)}`).join(', ')} ms; parse, decision, masking, commit; load ${loadavg()[0]?.toFixed(1)}`,
    };
  } finally {
    await g.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The largest `make(n)` whose JSON fits a 1 MiB body. */
function fitBody(make: (n: number) => unknown): string {
  let lo = 1;
  let hi = MAX_BODY;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (JSON.stringify(make(mid)).length <= MAX_BODY) lo = mid;
    else hi = mid - 1;
  }
  return JSON.stringify(make(lo));
}

/** 1 MiB of small JSON values in the shapes that cost the most to parse and copy. */
const MANY_VALUES: Record<string, (n: number) => unknown> = {
  numbers: (n) => Array<number>(n).fill(7),
  objects: (n) => Array.from({ length: n }, () => ({ a: 1 })),
  keys: (n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 1])),
  nested: (n) => Array.from({ length: n }, () => [[1]]),
};

/**
 * SPEC 8 for the bodies that may hold a whole document from an agent key: an outcome report's
 * result and an MCP server's tool list, 1 MiB of small values each, through the services as the API
 * calls them (read and reduced on the secrets thread), the longest stretch the main thread ran
 * without the loop turning. Side by side, the outcome as it was read before (parsed, checked and
 * masked on the main thread).
 */
async function manyValueHolds(): Promise<Figure[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-documents-'));
  const g = await Gatehouse.open({ mode: 'headless', dataDir, checkpoints: { enabled: false } });
  const caller = { boundAgentId: null, keyId: null };
  const allowed = async () =>
    (await g.actions.submit({ agent_id: 'bench-agent', action_type: 'file.read', resource: 'notes.txt' }, caller)).action_id;
  try {
    const outcome: string[] = [];
    const before: string[] = [];
    const mcp: string[] = [];
    let worstOutcome = 0;
    let worstMcp = 0;
    for (const [shape, make] of Object.entries(MANY_VALUES)) {
      const report = fitBody((n) => ({ status: 'success', result: { rows: make(n) } }));
      const complete = async () =>
        g.actions.completeStored(await allowed(), await g.secretScans.readBody('outcome', report, DOCUMENT_VALUES, null), null);
      await complete(); // uncounted: the thread started and every function optimised, as in a running server
      collectGarbage();
      const served = (await stallDuring(complete)).busyMs;
      collectGarbage();
      const id = await allowed();
      const inline = (
        await stallDuring(() =>
          g.actions.complete(id, CompleteRequestSchema.parse(parseJsonText(report, { maxValues: DOCUMENT_VALUES })), null),
        )
      ).busyMs;
      worstOutcome = Math.max(worstOutcome, served);
      outcome.push(`${shape} ${served.toFixed(1)}`);
      before.push(`${shape} ${inline.toFixed(1)}`);
      const tools = fitBody((n) => ({
        server_id: `bench-${shape}`,
        tools: [{ name: 'query', inputSchema: { type: 'object', x: make(n) } }],
      }));
      await g.mcp.registerText(tools.replace(`bench-${shape}`, `warm-${shape}`), DOCUMENT_VALUES, 'user');
      collectGarbage();
      const registered = (await stallDuring(() => g.mcp.registerText(tools, DOCUMENT_VALUES, 'user'))).busyMs;
      worstMcp = Math.max(worstMcp, registered);
      mcp.push(`${shape} ${registered.toFixed(1)}`);
      console.log(
        `  1 MiB of ${shape.padEnd(8)} complete ${served.toFixed(1).padStart(6)} ms (read on the main thread: ${inline.toFixed(1)} ms)  MCP register ${registered.toFixed(1).padStart(6)} ms`,
      );
    }
    const load = loadavg()[0]?.toFixed(1);
    return [
      {
        id: 'many_values_complete_hold',
        label: 'outcome report (complete) of 1 MiB of small values: longest main-thread hold',
        value: worstOutcome,
        unit: 'ms',
        target: 50,
        better: 'lower',
        note: `worst of ${outcome.join(', ')} ms; read on the main thread as before, same run: ${before.join(', ')} ms; load ${load}`,
      },
      {
        id: 'many_values_mcp_register_hold',
        label: 'MCP server registration with a 1 MiB tool schema of small values: longest main-thread hold',
        value: worstMcp,
        unit: 'ms',
        target: 50,
        better: 'lower',
        note: `worst of ${mcp.join(', ')} ms (each a first registration of its server); load ${load}`,
      },
    ];
  } finally {
    await g.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const adversarialOnly = process.argv.includes('--adversarial-only');
const figures: Figure[] = process.argv.includes('--no-adversarial')
  ? []
  : [...adversarialFigures(), await secretDenseHolds(), ...(await manyValueHolds())];
const results: SizeResult[] = [];
for (const size of adversarialOnly ? [] : SIZES) {
  const r = runSize(size);
  results.push(r);
  const holds = await wholeSetHolds(Array.from({ length: size }, (_, i) => generatePolicy(i)));
  process.stderr.write(
    `  [${size} policies] import: longest hold ${holds.importMs.toFixed(1)} ms; settings change ${holds.settingsMs.toFixed(1)} ms\n`,
  );
  const label = size.toLocaleString('en-US');
  const atTarget = size === 10_000;
  figures.push(
    {
      id: `decide_p50_${size}`,
      label: `decide p50, ${label} policies`,
      value: r.engine.p50,
      unit: 'µs',
      ...(atTarget ? { target: 10 } : {}),
      better: 'lower',
    },
    {
      id: `decide_ab_p50_${size}`,
      label: `decide p50 with 5 A/B tests running, ${label} policies`,
      value: r.ab.p50,
      unit: 'µs',
      ...(atTarget ? { target: 10 } : {}),
      better: 'lower',
      note: `${Math.round(r.ab.share * 100)} % of the mix in a test; without tests ${r.engine.p50.toFixed(2)} µs in the same run`,
    },
    {
      id: `decide_ab_in_test_ratio_${size}`,
      label: `A/B arm cost: decide p50 of the actions in a test, with / without the tests, ${label} policies`,
      value: r.ab.inTestAbP50 / r.ab.inTestPlainP50,
      unit: '×',
      better: 'lower',
      note: `${r.ab.inTestAbP50.toFixed(2)} µs with the tests (both arms evaluated) vs ${r.ab.inTestPlainP50.toFixed(2)} µs without, same run`,
    },
    {
      id: `decide_p99_${size}`,
      label: `decide p99, ${label} policies`,
      value: r.engine.p99,
      unit: 'µs',
      ...(atTarget ? { target: 50 } : {}),
      better: 'lower',
    },
    {
      id: `cedar_p50_${size}`,
      label: `Cedar statefulIsAuthorized p50, ${label} policies`,
      value: r.cedar.p50,
      unit: 'µs',
      better: 'lower',
      note: `${r.cedar.samples} samples; preparsed policy set; risk precomputed, not timed`,
    },
    {
      id: `cedar_p99_${size}`,
      label: `Cedar statefulIsAuthorized p99, ${label} policies`,
      value: r.cedar.p99,
      unit: 'µs',
      better: 'lower',
    },
    {
      id: `cedar_parse_p50_${size}`,
      label: `Cedar isAuthorized (parses per call) p50, ${label} policies`,
      value: r.cedarParsing.p50,
      unit: 'µs',
      better: 'lower',
      note: `${r.cedarParsing.samples} samples`,
    },
    {
      id: `cedar_ratio_p50_${size}`,
      label: `Cedar p50 / decide p50, ${label} policies`,
      value: r.cedar.p50 / r.engine.p50,
      unit: '×',
      target: 1,
      better: 'higher',
      note: `translation agrees on ${r.agreement} decisions`,
    },
    {
      id: `cedar_ratio_p99_${size}`,
      label: `Cedar p99 / decide p99, ${label} policies`,
      value: r.cedar.p99 / r.engine.p99,
      unit: '×',
      target: 1,
      better: 'higher',
    },
    { id: `compile_ms_${size}`, label: `compilePolicies, ${label} policies`, value: r.compileMs, unit: 'ms', better: 'lower' },
    {
      id: `policy_change_hold_ms_${size}`,
      label: `one policy change (create / update / delete), ${label} policies: longest main-thread hold`,
      value: r.change.worstMs,
      unit: 'ms',
      ...(atTarget ? { target: 50 } : {}),
      better: 'lower',
      note: `worst of ${r.change.changes} changes, median ${r.change.medianMs.toFixed(1)} ms; the whole set compiled cold: ${r.compileMs.toFixed(0)} ms; load ${loadavg()[0]?.toFixed(1)}`,
    },
    {
      id: `policy_import_hold_ms_${size}`,
      label: `import of ${label} policies (YAML file): longest main-thread hold`,
      value: holds.importMs,
      unit: 'ms',
      ...(atTarget ? { target: 50 } : {}),
      better: 'lower',
      note: `main-thread CPU between two turns of the event loop (garbage collection included); the whole import took ${holds.importWallMs.toFixed(0)} ms; load ${loadavg()[0]?.toFixed(1)}`,
    },
    {
      id: `settings_change_hold_ms_${size}`,
      label: `settings change at ${label} policies: longest main-thread hold`,
      value: holds.settingsMs,
      unit: 'ms',
      ...(atTarget ? { target: 50 } : {}),
      better: 'lower',
      note: 'the compiled policies and their indexes kept (Engine.withSettings)',
    },
  );
}
const riskFigure = results[0]?.risk;
if (riskFigure) {
  figures.push(
    { id: 'risk_p50', label: 'decide with no policies (risk scoring) p50', value: riskFigure.p50, unit: 'µs', better: 'lower' },
    { id: 'risk_p99', label: 'decide with no policies (risk scoring) p99', value: riskFigure.p99, unit: 'µs', better: 'lower' },
  );
}

console.log(
  `load average while measuring: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} (2 cores shared with other work)`,
);
console.log(
  `\n${SAMPLES.toLocaleString('en-US')} samples per decide figure after ${WARMUP.toLocaleString('en-US')} warm-up calls, ${ACTIONS.length} distinct actions, Node ${process.version}`,
);
console.log('policies   decide p50/p99 µs   Cedar p50/p99 µs   ratio p50   Cedar isAuthorized p50 µs   translation agrees');
for (const r of results) {
  console.log(
    `${r.size.toLocaleString('en-US').padStart(8)}   ${`${r.engine.p50.toFixed(2)} / ${r.engine.p99.toFixed(2)}`.padStart(17)}   ${`${r.cedar.p50.toFixed(1)} / ${r.cedar.p99.toFixed(1)}`.padStart(16)}   ${`${(r.cedar.p50 / r.engine.p50).toFixed(1)}×`.padStart(9)}   ${r.cedarParsing.p50.toFixed(0).padStart(25)}   ${r.agreement.padStart(18)}`,
  );
}
writeResults('engine', figures);
