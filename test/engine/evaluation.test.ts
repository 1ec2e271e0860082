import { describe, expect, it } from 'vitest';
import type { NormalizedAction, Policy } from '../../src-shared/index.js';
import { compilePolicies } from '../../src-main/engine/index.js';
import { action, ctx, engineOf, NOON, policy, settings } from './helpers.js';

const del = action({ action_type: 'database.delete', resource: 'postgres://prod/users' });

describe('evaluation: priority and tie-breaks (SPEC 3.3)', () => {
  it('the highest priority matching policy decides', () => {
    const e = engineOf([
      policy({ id: 'low-deny', priority: 10, effect: 'deny', when: { action_type: 'database.*' } }),
      policy({ id: 'high-allow', priority: 90, effect: 'allow', when: { action_type: 'database.delete' } }),
    ]);
    const out = e.decide(del, ctx());
    expect(out.decision).toBe('allowed');
    expect(out.policy).toEqual({ id: 'high-allow', name: 'high-allow', effect: 'allow' });
    expect(out.reason).toBe("Matched policy 'high-allow' (priority 90)");
    expect(out.hits).toEqual(['high-allow']);
  });

  const ties: [Policy['effect'], Policy['effect'], string][] = [
    ['deny', 'require_approval', 'denied'],
    ['require_approval', 'deny', 'denied'],
    ['allow', 'deny', 'denied'],
    ['allow', 'require_approval', 'pending'],
    ['require_approval', 'allow', 'pending'],
  ];
  it.each(ties)('at equal priority %s vs %s → %s', (a, b, decision) => {
    const e = engineOf([policy({ id: 'a', priority: 50, effect: a }), policy({ id: 'b', priority: 50, effect: b })]);
    expect(e.decide(del, ctx()).decision).toBe(decision);
  });

  it('a non-matching higher policy does not decide', () => {
    const e = engineOf([
      policy({ id: 'other', priority: 100, effect: 'deny', when: { action_type: 'file.read' } }),
      policy({ id: 'me', priority: 1, effect: 'allow', when: { resource: 'postgres://*' } }),
    ]);
    expect(e.decide(del, ctx()).policy?.id).toBe('me');
  });

  it('disabled policies never match', () => {
    const e = engineOf([policy({ id: 'off', enabled: false, effect: 'deny' })]);
    expect(e.decide(action({ action_type: 'file.read' }), ctx()).policy).toBeNull();
  });

  it('expired policies no longer match; unexpired ones do', () => {
    const past = new Date(NOON.getTime() - 1000).toISOString();
    const future = new Date(NOON.getTime() + 60_000).toISOString();
    const e = engineOf([
      policy({ id: 'expired', priority: 90, effect: 'deny', expires_at: past }),
      policy({ id: 'current', priority: 80, effect: 'allow', expires_at: future }),
    ]);
    expect(e.decide(del, ctx()).policy?.id).toBe('current');
    expect(e.decide(del, ctx({ now: new Date(NOON.getTime() + 120_000) })).policy).toBeNull();
  });
});

describe('evaluation: require_approval', () => {
  it('is pending with the policy approval terms', () => {
    const e = engineOf([policy({ id: 'ask', effect: 'require_approval', approval: { timeout_s: 60, timeout_action: 'allow' } })]);
    const out = e.decide(del, ctx());
    expect(out.decision).toBe('pending');
    expect(out.approval).toEqual({ timeout_s: 60, timeout_action: 'allow' });
  });
  it('falls back to the settings terms', () => {
    const e = engineOf([policy({ id: 'ask', effect: 'require_approval' })], {
      settings: { approval_timeout_s: 120, timeout_action: 'deny' },
    });
    expect(e.decide(del, ctx()).approval).toEqual({ timeout_s: 120, timeout_action: 'deny' });
  });
  it('allowed and denied have no approval', () => {
    expect(engineOf([policy({ id: 'a', effect: 'allow' })]).decide(del, ctx()).approval).toBeNull();
    expect(engineOf([policy({ id: 'd', effect: 'deny' })]).decide(del, ctx()).approval).toBeNull();
  });
});

describe('evaluation: monitor policies', () => {
  it('never decide but add monitor:<id> flags and count as hits', () => {
    const e = engineOf([
      policy({ id: 'watch-deletes', priority: 999, effect: 'monitor', when: { action_type: '*delete*' } }),
      policy({ id: 'watch-prod', priority: 1, effect: 'monitor', when: { resource: '*prod*' } }),
      policy({ id: 'watch-nothing', effect: 'monitor', when: { action_type: 'file.read' } }),
      policy({ id: 'allow', priority: 10, effect: 'allow' }),
    ]);
    const out = e.decide(del, ctx());
    expect(out.decision).toBe('allowed');
    expect(out.policy?.id).toBe('allow');
    expect(out.flags).toEqual(['monitor:watch-deletes', 'monitor:watch-prod']);
    expect(out.hits).toEqual(['allow', 'watch-deletes', 'watch-prod']);
  });
  it('flag even when the settings decide', () => {
    const e = engineOf([policy({ id: 'watch', effect: 'monitor' })]);
    const out = e.decide(action({ action_type: 'file.read' }), ctx());
    expect(out.policy).toBeNull();
    expect(out.flags).toEqual(['monitor:watch']);
  });
});

describe('evaluation: settings decide by risk when no policy does', () => {
  const risk = (actionType: string, extra: Partial<NormalizedAction> = {}) => action({ action_type: actionType, ...extra });
  it('score < auto_allow_below → allowed', () => {
    const out = engineOf([]).decide(risk('file.read'), ctx());
    expect(out).toMatchObject({ decision: 'allowed', policy: null, flags: [], reason: 'Risk 10 (low) < auto_allow_below 30' });
  });
  it('between the thresholds → allowed with medium-risk', () => {
    const out = engineOf([]).decide(risk('shell.exec'), ctx());
    expect(out).toMatchObject({ decision: 'allowed', flags: ['medium-risk'], reason: 'Risk 45 (medium) < require_approval_at 70' });
  });
  it('score ≥ require_approval_at → pending with the settings terms', () => {
    const out = engineOf([]).decide(risk('database.delete', { parameters: { sql: 'DELETE FROM t' } }), ctx());
    expect(out).toMatchObject({
      decision: 'pending',
      reason: 'Risk 90 (critical) ≥ require_approval_at 70',
      approval: { timeout_s: 300, timeout_action: 'deny' },
    });
  });
  it('exact threshold values', () => {
    const at = (score: number, s: Parameters<typeof settings>[0]) =>
      engineOf([], { settings: s, riskRules: [{ id: 'set', when: {}, points: score - 25 }] }).decide(risk('thing.do'), ctx()).decision;
    expect(at(29, {})).toBe('allowed');
    expect(at(30, {})).toBe('allowed');
    expect(at(69, {})).toBe('allowed');
    expect(at(70, {})).toBe('pending');
    expect(at(84, { deny_at: 85 })).toBe('pending');
    expect(at(85, { deny_at: 85 })).toBe('denied');
  });
  it('deny_at → denied', () => {
    const out = engineOf([], { settings: { deny_at: 80 } }).decide(risk('database.delete', { parameters: { sql: 'DROP TABLE t' } }), ctx());
    expect(out).toMatchObject({ decision: 'denied', policy: null, reason: 'Risk 90 (critical) ≥ deny_at 80', approval: null });
  });
  it('an allow policy overrides a high risk', () => {
    const out = engineOf([policy({ id: 'ok', effect: 'allow' })]).decide(
      risk('database.delete', { parameters: { sql: 'DROP TABLE t' } }),
      ctx(),
    );
    expect(out.decision).toBe('allowed');
  });
});

describe('evaluation: enforcement monitor (monitoring mode)', () => {
  it('a deny becomes allowed with would_deny', () => {
    const out = engineOf([policy({ id: 'no', effect: 'deny' })], { settings: { enforcement: 'monitor' } }).decide(del, ctx());
    expect(out.decision).toBe('allowed');
    expect(out.flags).toContain('would_deny');
    expect(out.policy?.id).toBe('no');
    expect(out.reason).toBe("Monitoring mode, would deny: Matched policy 'no' (priority 50)");
    expect(out.approval).toBeNull();
  });
  it('a require approval becomes allowed with would_require_approval', () => {
    const out = engineOf([policy({ id: 'ask', effect: 'require_approval' })], { settings: { enforcement: 'monitor' } }).decide(del, ctx());
    expect(out).toMatchObject({ decision: 'allowed', flags: ['would_require_approval'], approval: null });
  });
  it('risk-based outcomes too', () => {
    const out = engineOf([], { settings: { enforcement: 'monitor', deny_at: 50 } }).decide(
      action({ action_type: 'database.delete' }),
      ctx(),
    );
    expect(out).toMatchObject({ decision: 'allowed', flags: ['would_deny'] });
  });
});

describe('evaluation: shadow policies (SPEC 3.3 step 4)', () => {
  it('report where they would decide differently, without deciding', () => {
    const e = engineOf([
      policy({ id: 'current', priority: 50, effect: 'allow', when: { action_type: 'database.*' } }),
      policy({ id: 'candidate', priority: 60, effect: 'deny', mode: 'shadow', when: { resource: '*prod*' } }),
    ]);
    const out = e.decide(del, ctx());
    expect(out.decision).toBe('allowed');
    expect(out.policy?.id).toBe('current');
    expect(out.shadow).toEqual({
      decision: 'denied',
      policy: { id: 'candidate', name: 'candidate', effect: 'deny' },
      reason: "Matched policy 'candidate' (priority 60)",
    });
    expect(out.hits).toEqual(['current']);
  });
  it('nothing is reported when they agree', () => {
    const e = engineOf([policy({ id: 'candidate', effect: 'allow', mode: 'shadow' })]);
    expect(e.decide(action({ action_type: 'file.read' }), ctx()).shadow).toBeNull();
  });
  it('nothing is reported when an enforced policy outranks them', () => {
    const e = engineOf([
      policy({ id: 'current', priority: 90, effect: 'allow' }),
      policy({ id: 'candidate', priority: 60, effect: 'deny', mode: 'shadow' }),
    ]);
    expect(e.decide(del, ctx()).shadow).toBeNull();
  });
  it('differences from a settings decision are reported', () => {
    const e = engineOf([policy({ id: 'candidate', effect: 'require_approval', mode: 'shadow', when: { action_type: 'file.read' } })]);
    expect(e.decide(action({ action_type: 'file.read' }), ctx()).shadow?.decision).toBe('pending');
  });
  it('compare as enforce-mode decisions even in monitoring mode', () => {
    const e = engineOf([policy({ id: 'candidate', effect: 'deny', mode: 'shadow' })], { settings: { enforcement: 'monitor' } });
    expect(e.decide(action({ action_type: 'file.read' }), ctx()).shadow?.decision).toBe('denied');
  });
});

describe('evaluation: fail closed (SPEC 3.3 step 6)', () => {
  const hostile = (): NormalizedAction => {
    const parameters: Record<string, unknown> = {};
    Object.defineProperty(parameters, 'sql', {
      enumerable: true,
      get: () => {
        throw new Error('boom');
      },
    });
    return action({ action_type: 'file.read', parameters });
  };
  it('an internal error is denied with a reason that says so', () => {
    const out = engineOf([policy({ id: 'allow-all', effect: 'allow' })]).decide(hostile(), ctx());
    expect(out.decision).toBe('denied');
    expect(out.reason).toBe('Internal error while deciding: boom');
    expect(out.policy).toBeNull();
    expect(out.risk.score).toBe(100);
  });
  it('is denied even in monitoring mode', () => {
    expect(engineOf([], { settings: { enforcement: 'monitor' } }).decide(hostile(), ctx()).decision).toBe('denied');
  });
  it('an error inside a policy condition is denied, keeping the computed risk', () => {
    const params: Record<string, unknown> = { ok: 1 };
    const e = engineOf([policy({ id: 'p', effect: 'allow', when: { 'parameters.x.y': 1 } })]);
    Object.defineProperty(params, 'x', {
      enumerable: false,
      get: () => {
        throw new Error('getter failed');
      },
    });
    const out = e.decide(action({ action_type: 'file.read', parameters: params }), ctx());
    expect(out.decision).toBe('denied');
    expect(out.reason).toContain('getter failed');
    expect(out.risk.factors[0]?.id).toBe('base');
  });
  it('explain fails closed too', () => {
    const out = engineOf([]).explain(hostile(), ctx());
    expect(out.decision).toBe('denied');
    expect(out.trace).toEqual([]);
  });
  it('a broken clock is denied', () => {
    const out = engineOf([]).decide(action(), { now: null as unknown as Date, agentRegistered: true, recentAgentActions: 0 });
    expect(out.decision).toBe('denied');
  });
});

describe('explain: the trace', () => {
  it('lists every policy in evaluation order with why it matched or not', () => {
    const past = new Date(NOON.getTime() - 1).toISOString();
    const e = engineOf([
      policy({ id: 'etc', priority: 50, effect: 'deny', when: { resource: { glob: '/etc/*' } } }),
      policy({ id: 'decider', priority: 80, effect: 'require_approval', when: { action_type: 'database.delete' } }),
      policy({ id: 'also', priority: 70, effect: 'allow', when: { action_type: 'database.*' } }),
      policy({ id: 'off', priority: 99, enabled: false }),
      policy({ id: 'old', priority: 98, expires_at: past }),
      policy({ id: 'try', priority: 97, mode: 'shadow', when: { resource: 'x' } }),
      policy({ id: 'watch', priority: 10, effect: 'monitor' }),
    ]);
    const out = e.explain(del, ctx());
    expect(out.decision).toBe('pending');
    expect(out.trace.map((t) => [t.policy_id, t.considered, t.matched, t.decided, t.reason])).toEqual([
      ['off', false, false, false, 'disabled'],
      ['old', false, false, false, `expired at ${past}`],
      ['try', false, false, false, 'shadow mode, not enforced: resource "postgres://prod/users" does not equal "x"'],
      ['decider', true, true, true, 'matched: decides (require_approval)'],
      ['also', true, true, false, "matched, but 'decider' (priority 80) decides first"],
      ['etc', true, false, false, 'resource "postgres://prod/users" does not match glob "/etc/*"'],
      ['watch', true, true, false, 'matched: adds flag monitor:watch'],
    ]);
    const { trace: _trace, abArm, ...decision } = out;
    expect(decision).toEqual(e.decide(del, ctx()));
    expect(abArm).toBeNull();
  });
});

describe('evaluation: the candidate index gives the same answers as a linear scan', () => {
  // Random policies over a small vocabulary, so that many of them collide on every field.
  const types = ['db.read', 'db.delete', 'file.read', 'file.write', 'shell.exec', 'http.get'];
  const agents = ['a1', 'a2', 'bot-x', 'bot-y'];
  const resources = ['/etc/hosts', '/tmp/x', 'postgres://prod/users', 's3://bucket/key.env', '/home/me/.ssh/id_rsa'];
  const effects: Policy['effect'][] = ['allow', 'deny', 'require_approval', 'monitor'];
  let seed = 42; // mulberry32: deterministic and well mixed
  const rand = (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
  const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)] as T;
  const condition = (): Record<string, unknown> => {
    switch (rand(17)) {
      case 12:
        return { resource: `${pick(['/etc/', '/tmp/', 'postgres://'])}*${pick(['x', 'users', 'hosts'])}` };
      case 13:
        return { action_type: { in: [pick(types), pick(types)], ne: pick(types) } };
      case 14:
        return { 'context.environment': pick(['production', 'staging']), 'risk.score': { gte: rand(100) } };
      case 15:
        return { resource: { starts_with: pick(['/etc/', '/tmp/']), contains: pick(['h', 'x']) } };
      case 16:
        return { environment: pick(['production', 'staging']), any: [{ agent_id: pick(agents) }, { 'context.rows': { gte: rand(2000) } }] };
      case 0:
        return { action_type: pick(types) };
      case 1:
        return { action_type: [pick(types), pick(types)] };
      case 2:
        return { action_type: `${pick(['db', 'file', 'sh'])}*` };
      case 3:
        return { agent_id: pick(agents) };
      case 4:
        return { agent_id: { glob: 'bot-*' } };
      case 5:
        return { resource: `*${pick(['.env', 'id_rsa', 'users', 'hosts'])}` };
      case 6:
        return { resource: { starts_with: pick(['/etc/', '/tmp/', 'postgres://']) } };
      case 7:
        return { 'risk.score': { gte: 40 + rand(60) } };
      case 8:
        return { action_type: { in: [pick(types)] }, agent_id: pick(agents) };
      case 9:
        return { all: [{ action_type: pick(types) }, { resource: { ends_with: pick(['x', 'users']) } }] };
      case 10:
        return { resource: { exists: false }, agent_id: pick(agents) };
      default:
        return { any: [{ agent_id: pick(agents) }, { action_type: pick(types) }] };
    }
  };
  const policies: Policy[] = Array.from({ length: 300 }, (_, i) =>
    policy({ id: `p${i}`, priority: rand(20) * 5, effect: pick(effects), mode: rand(10) === 0 ? 'shadow' : 'enforce', when: condition() }),
  );
  const engine = compilePolicies({ policies, settings: settings(), riskRules: [] });
  const everyPolicyOneByOne = (act: NormalizedAction) => {
    // The reference: evaluate each policy on its own and apply SPEC 3.3 by hand.
    const rank = { deny: 3, require_approval: 2, allow: 1, monitor: 0 };
    const matching = policies.filter(
      (p) =>
        p.mode === 'enforce' &&
        compilePolicies({ policies: [p], settings: settings(), riskRules: [] })
          .decide(act, ctx())
          .hits.includes(p.id),
    );
    const deciders = matching
      .filter((p) => p.effect !== 'monitor')
      .sort((a, b) => b.priority - a.priority || rank[b.effect] - rank[a.effect] || a.id.localeCompare(b.id));
    const monitors = matching.filter((p) => p.effect === 'monitor').sort((a, b) => b.priority - a.priority || a.id.localeCompare(b.id));
    return { decider: deciders[0]?.id ?? null, monitors: monitors.map((p) => `monitor:${p.id}`) };
  };
  const actions: NormalizedAction[] = [];
  for (let i = 0; i < 100; i++) {
    const act = action({ action_type: pick(types), agent_id: pick(agents) });
    if (rand(4) > 0) act.resource = pick(resources);
    if (rand(3) === 0) act.environment = pick(['production', 'staging']);
    if (rand(3) === 0) act.context = { environment: pick(['production', 'staging']), rows: rand(2000) };
    actions.push(act);
  }
  it('exercises deciders and monitors', () => {
    const outcomes = actions.map((a) => engine.decide(a, ctx()));
    expect(new Set(outcomes.map((o) => o.policy?.effect ?? 'settings')).size).toBeGreaterThanOrEqual(2);
    expect(new Set(outcomes.map((o) => o.policy?.id ?? 'settings')).size).toBeGreaterThanOrEqual(8);
    expect(outcomes.some((o) => o.flags.some((f) => f.startsWith('monitor:')))).toBe(true);
  });
  it.each(actions.map((a, i) => [i, a] as const))('action %d', (_i, act) => {
    const out = engine.decide(act, ctx());
    const expected = everyPolicyOneByOne(act);
    expect(out.policy?.id ?? null).toBe(expected.decider);
    expect(out.flags.filter((f) => f.startsWith('monitor:'))).toEqual(expected.monitors);
  });
});
