import { describe, expect, it } from 'vitest';
import type { NormalizedAction, Policy } from '../../src-shared/index.js';
import { compileWhen } from '../../src-main/engine/conditions/compile.js';
import { compileField } from '../../src-main/engine/conditions/fields.js';
import { compileBareValue, compileOperator, type ValueOperator } from '../../src-main/engine/conditions/operators.js';
import { isPlainObject } from '../../src-main/engine/conditions/values.js';
import { compileProgram, runProgram } from '../../src-main/engine/conditions/program.js';
import { anchorOf, MAX_ANCHOR_KEYS } from '../../src-main/engine/policy/anchors.js';
import { CharTrie } from '../../src-main/engine/policy/char-trie.js';
import { localTimeOf, type Subject } from '../../src-main/engine/subject.js';
import { action, ctx, engineOf, NOON, policy } from './helpers.js';

describe('CharTrie (radix tree of prefixes / suffixes)', () => {
  const literals = ['/etc/', '/etc/ssh/', '/e', '/var/log/', '/var/lib/', 'x'];
  it('collects every stored prefix of a value, shortest first, across edge splits', () => {
    const trie = new CharTrie<string>(false);
    for (const l of literals) trie.bucket(l).push(l);
    const found = (value: string) => {
      const out: (readonly string[])[] = [];
      trie.collect(value, out);
      return out.flat();
    };
    expect(found('/etc/ssh/sshd_config')).toEqual(['/e', '/etc/', '/etc/ssh/']);
    expect(found('/etc/hosts')).toEqual(['/e', '/etc/']);
    expect(found('/var/lib/x')).toEqual(['/var/lib/']);
    expect(found('/var/l')).toEqual([]);
    expect(found('/et')).toEqual(['/e']);
    expect(found('xyz')).toEqual(['x']);
    expect(found('')).toEqual([]);
  });
  it('collects suffixes when reversed', () => {
    const trie = new CharTrie<string>(true);
    for (const l of ['.env', '.env.local', 'id_rsa', '_rsa', '.ts', 's']) trie.bucket(l).push(l);
    const found = (value: string) => {
      const out: (readonly string[])[] = [];
      trie.collect(value, out);
      return out.flat().sort();
    };
    expect(found('/app/.env')).toEqual(['.env']);
    expect(found('/home/me/.ssh/id_rsa')).toEqual(['_rsa', 'id_rsa']);
    expect(found('a.ts')).toEqual(['.ts', 's']);
    expect(found('/app/.env.local')).toEqual(['.env.local']);
  });
  it('collects suffixes holding characters beyond the BMP (surrogate pairs)', () => {
    const trie = new CharTrie<string>(true);
    for (const l of ['🚀', 'x🚀', '🚀.txt', 'é']) trie.bucket(l).push(l);
    const found = (value: string) => {
      const out: (readonly string[])[] = [];
      trie.collect(value, out);
      return out.flat().sort();
    };
    expect(found('launch x🚀')).toEqual(['x🚀', '🚀']);
    expect(found('a🚀.txt')).toEqual(['🚀.txt']);
    expect(found('café')).toEqual(['é']);
    const e = engineOf([policy({ id: 'p', when: { resource: '*🚀' } }), policy({ id: 'q', when: { resource: { ends_with: '🔑.pem' } } })]);
    expect(e.decide(action({ resource: 'launch 🚀' }), ctx()).policy?.id).toBe('p');
    expect(e.decide(action({ resource: '/keys/🔑.pem' }), ctx()).policy?.id).toBe('q');
  });
  it('returns the same bucket for the same literal', () => {
    const trie = new CharTrie<number>(false);
    trie.bucket('abc').push(1);
    trie.bucket('ab').push(2);
    trie.bucket('abc').push(3);
    const out: (readonly number[])[] = [];
    trie.collect('abcd', out);
    expect(out).toEqual([[2], [1, 3]]);
  });
});

describe('anchors: what the index keys a policy on', () => {
  it.each([
    [{ action_type: 'db.delete', resource: '/x/*' }, 'action_type', 'action_type'],
    [{ action_type: { in: ['a', 'b'] } }, 'action_type', 'action_type'],
    [{ action_type: { in: ['a', 'b'], ne: 'c' } }, 'action_type', null],
    [{ agent_id: 'bot', action_type: 'db.*' }, 'agent_id', 'agent_id'],
    [{ resource: '/etc/*' }, 'resource', 'resource'],
    [{ resource: '*.env' }, 'resource', 'resource'],
    [{ resource: '/etc/*.conf' }, 'resource', null],
    [{ resource: { starts_with: '/etc/' } }, 'resource', 'resource'],
    [{ all: [{ action_type: 'a' }] }, 'action_type', null],
    [{ 'context.environment': 'production', 'risk.score': { gte: 5 } }, 'context.environment', 'context.environment'],
    [{ any: [{ action_type: 'a' }] }, null, null],
    [{ resource: '*secret*' }, null, null],
    [{ resource: { exists: false } }, null, null],
  ])('%j → %s (implied: %s)', (when, field, implied) => {
    const anchor = anchorOf(when);
    expect(anchor?.field ?? null).toBe(field);
    expect(anchor?.impliedKey ?? null).toBe(implied);
  });

  it('a condition listing more than MAX_ANCHOR_KEYS values is no anchor, and decides the same from the catch-all bucket', () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `host-${i}`);
    expect(anchorOf({ resource: { in: names(MAX_ANCHOR_KEYS) } })?.keys).toHaveLength(MAX_ANCHOR_KEYS);
    expect(anchorOf({ resource: { in: names(MAX_ANCHOR_KEYS + 1) } })).toBeNull();
    // The next best anchor is taken instead.
    expect(anchorOf({ resource: { in: names(MAX_ANCHOR_KEYS + 1) }, action_type: 'http.get' })?.field).toBe('action_type');
    // One policy indexed by its 64 values, one left to the catch-all bucket: each matches its own list only, by rank.
    const e = engineOf([
      policy({ id: 'small-list', priority: 60, effect: 'allow', when: { resource: { in: names(MAX_ANCHOR_KEYS) } } }),
      policy({ id: 'big-list', priority: 50, effect: 'deny', when: { resource: { in: names(5_000) } } }),
    ]);
    const decided = (resource: string) => e.decide(action({ resource }), ctx()).policy?.id ?? null;
    expect(decided('host-3')).toBe('small-list');
    expect(decided(`host-${MAX_ANCHOR_KEYS}`)).toBe('big-list');
    expect(decided('host-4999')).toBe('big-list');
    expect(decided('host-5000')).toBeNull();
  });
});

describe('programs decide exactly as the closures do', () => {
  const whens: Record<string, unknown>[] = [
    { action_type: 'db.delete' },
    { action_type: 'db.*' },
    { action_type: '*.delete' },
    { action_type: '*elet*' },
    { action_type: 'd?.delete' },
    { action_type: '*' },
    { action_type: ['db.delete', 'file.read'] },
    { action_type: { in: ['db.delete'] } },
    { resource: { starts_with: '/etc/' } },
    { resource: { ends_with: '.env' } },
    { resource: { contains: 'prod' } },
    { resource: { glob: '/etc/*' } },
    { environment: { eq: 'production' } },
    { environment: '5' },
    { 'context.environment': 'production' },
    { 'context.environment': ['production', 'prod'] },
    { 'context.environment': 'prod*' },
    { 'risk.score': { gte: 50 } },
    { 'risk.score': { lt: 50 } },
    { 'context.rows': { gt: 10 } },
    { 'context.rows': { lte: 10 } },
    { 'context.constructor': { gt: 0 } },
    { any: [{ 'risk.score': { gte: 90 } }, { 'context.rows': { gte: 100 } }], 'context.environment': 'production' },
    { all: [{ action_type: 'db.*' }, { resource: '/etc/*' }] },
    {},
  ];
  const actions: Partial<NormalizedAction>[] = [
    {},
    { action_type: 'db.delete', resource: '/etc/passwd', environment: 'production' },
    { action_type: 'file.read', resource: '/app/.env', context: { environment: 'prod', rows: '100' } },
    { action_type: 'db.delete', context: { rows: 5, environment: null } as Record<string, unknown>, environment: 'production' },
    { action_type: 'd1.delete', resource: 'postgres://prod/x', context: { rows: 'abc', environment: 5 } as Record<string, unknown> },
    { action_type: 'db.deleted', environment: 5 as unknown as string, context: { rows: 1e6 } },
    { action_type: 'x', resource: null as unknown as string, context: { environment: 'production', rows: ' ' } },
  ];
  const subjects: Subject[] = actions.flatMap((a) =>
    [10, 50, 95].map((score) => ({ action: action(a), risk: { score, level: 'low' as const, factors: [] }, time: localTimeOf(NOON) })),
  );
  it.each(whens.map((w) => [JSON.stringify(w), w] as const))('%s', (_shown, when) => {
    const program = compileProgram(when);
    expect(program, 'this shape should compile to a program').not.toBeNull();
    const closure = compileWhen(when, 'when', []);
    for (const s of subjects) expect(runProgram(program ?? [], s), JSON.stringify(s.action)).toBe(closure.test(s));
  });
  /** The unspecialised reading of a one-field condition: field getter, then the generic matcher. */
  function reference(when: Record<string, unknown>): ((s: Subject) => boolean) | null {
    const entries = Object.entries(when);
    if (entries.length !== 1) return null;
    const [key, value] = entries[0] as [string, unknown];
    const field = compileField(key);
    if ('error' in field) return null;
    const matcher = isPlainObject(value)
      ? compileOperator(Object.keys(value)[0] as ValueOperator, Object.values(value)[0], field)
      : compileBareValue(value, field);
    if ('error' in matcher) return null;
    return (s) => {
      const v = field.get(s);
      return v !== undefined && matcher.test(v);
    };
  }
  it.each(whens.filter((w) => reference(w) !== null).map((w) => [JSON.stringify(w), w] as const))(
    '%s matches the generic reading',
    (_shown, when) => {
      const generic = reference(when) as (s: Subject) => boolean;
      const closure = compileWhen(when, 'when', []);
      for (const s of subjects) expect(closure.test(s), JSON.stringify(s.action)).toBe(generic(s));
    },
  );
  it.each([
    [{ resource: '/etc/*.conf' }],
    [{ 'parameters.sql': 'x' }],
    [{ not: { action_type: 'x' } }],
    [{ environment: 5 }],
    [{ 'risk.level': 'high' }],
    [{ resource: { regex: 'x', ne: 'y' } }],
    [{ any: [{ action_type: 'a', resource: 'b' }] }],
  ])('%j stays with the closures', (when) => expect(compileProgram(when)).toBeNull());
});

describe('index: residual tests and mixed anchors agree with the full conditions', () => {
  it('a policy keyed on action_type still checks the rest of its condition', () => {
    const e = engineOf([policy({ id: 'p', when: { action_type: 'db.delete', resource: '/etc/*' } })]);
    expect(e.decide(action({ action_type: 'db.delete', resource: '/etc/x' }), ctx()).policy?.id).toBe('p');
    expect(e.decide(action({ action_type: 'db.delete', resource: '/tmp/x' }), ctx()).policy).toBeNull();
    expect(e.decide(action({ action_type: 'db.read', resource: '/etc/x' }), ctx()).policy).toBeNull();
  });
  it('an operator beside the indexed one is still tested', () => {
    const e = engineOf([policy({ id: 'p', when: { action_type: { in: ['a', 'b'], ne: 'b' } } })]);
    expect(e.decide(action({ action_type: 'a' }), ctx()).policy?.id).toBe('p');
    expect(e.decide(action({ action_type: 'b' }), ctx()).policy).toBeNull();
  });
  it('a glob that only starts with a literal is still tested', () => {
    const e = engineOf([policy({ id: 'p', when: { resource: '/etc/*.conf' } })]);
    expect(e.decide(action({ resource: '/etc/a.conf' }), ctx()).policy?.id).toBe('p');
    expect(e.decide(action({ resource: '/etc/a.txt' }), ctx()).policy).toBeNull();
  });
  it('context.environment buckets follow the top-level fallback', () => {
    const e = engineOf([policy({ id: 'p', when: { 'context.environment': 'production' } })]);
    expect(e.decide(action({ environment: 'production' }), ctx()).policy?.id).toBe('p');
    expect(e.decide(action({ context: { environment: 'production' } }), ctx()).policy?.id).toBe('p');
    expect(e.decide(action({ environment: 'production', context: { environment: 'staging' } }), ctx()).policy).toBeNull();
  });
  it('a number or boolean context.environment finds the buckets its condition matches (as the trace says)', () => {
    for (const [when, value] of [
      [{ 'context.environment': 1 }, 1],
      [{ 'context.environment': '1' }, 1],
      [{ 'context.environment': { in: [1, 'a'] } }, 1],
      [{ 'context.environment': true }, true],
      [{ 'context.environment': 'tr*' }, true],
    ] as const) {
      const e = engineOf([policy({ id: 'p', when })]);
      const subject = action({ environment: 'production', context: { environment: value } });
      expect(e.explain(subject, ctx()).trace[0]?.matched, JSON.stringify(when)).toBe(true);
      expect(e.decide(subject, ctx()).policy?.id, JSON.stringify(when)).toBe('p');
    }
  });
  it('priority order holds across buckets of different fields', () => {
    const policies: Policy[] = [
      policy({ id: 'by-type', priority: 10, effect: 'allow', when: { action_type: 'db.delete' } }),
      policy({ id: 'by-agent', priority: 20, effect: 'require_approval', when: { agent_id: 'bot' } }),
      policy({ id: 'by-suffix', priority: 30, effect: 'deny', when: { resource: '*.env' } }),
      policy({ id: 'unanchored', priority: 15, effect: 'deny', when: { 'risk.score': { gte: 0 } } }),
    ];
    const e = engineOf(policies);
    expect(e.decide(action({ action_type: 'db.delete', agent_id: 'bot', resource: '/a/.env' }), ctx()).policy?.id).toBe('by-suffix');
    expect(e.decide(action({ action_type: 'db.delete', agent_id: 'bot' }), ctx()).policy?.id).toBe('by-agent');
    expect(e.decide(action({ action_type: 'db.delete' }), ctx()).policy?.id).toBe('unanchored');
  });
});

describe('compileActionCondition', () => {
  it('tests actions with the engine matchers, outside a decision', async () => {
    const { compileActionCondition, PolicyValidationError } = await import('../../src-main/engine/index.js');
    const c = compileActionCondition({ agent_id: 'claude-code', resource: { glob: 'rm -rf /tmp/*' } });
    expect(c.test({ agent_id: 'claude-code', action_type: 'shell.exec', resource: 'rm -rf /tmp/x' })).toBe(true);
    expect(c.test({ agent_id: 'other', action_type: 'shell.exec', resource: 'rm -rf /tmp/x' })).toBe(false);
    expect(compileActionCondition({ 'risk.score': { gte: 50 } }).test({ agent_id: 'a', action_type: 'x' })).toBe(false);
    expect(() => compileActionCondition({ resource: { regex: '(?=x)' } })).toThrow(PolicyValidationError);
  });
});
