import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ActionRequest, NormalizedAction } from '../../src-shared/index.js';
import { normalizeAction, parsePolicyFile, PolicyValidationError } from '../../src-main/engine/index.js';
import { forkBomb } from '../../src-main/engine/risk/shell/analyze.js';
import { compileLinearRegex } from '../../src-main/engine/text/regex.js';
import { wildcardMatcher } from '../../src-main/engine/text/wildcard.js';
import { action, ctx, engineOf, holds, policy } from './helpers.js';

/**
 * Issue 13, from outside testing of 0.1: inputs that froze the server (cubic and exponential
 * backtracking) and inputs that dodged the risk scanner. On 0.1 each of the stall tests runs for
 * seconds to hours (past the timeout given here); each dodge scored 55 and was allowed.
 */
const MiB = 1024 * 1024;
const fill = (unit: string, size: number): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
const defaults = engineOf(
  parsePolicyFile(readFileSync(fileURLToPath(new URL('../../resources/default-policies.yaml', import.meta.url)), 'utf8')).policies,
);
const submit = (req: Omit<ActionRequest, 'agent_id'>, registered = false) =>
  defaults.decide(normalizeAction({ agent_id: 'some-agent', ...req }), ctx({ agentRegistered: registered }));

describe('no stalls: what an agent sends is matched in linear time', () => {
  it.each([
    ['16 KiB of rm -f (36.6 s on 0.1)', fill('rm -f ', 16 * 1024)],
    ['16 KiB of rm -r (30 s on 0.1)', fill('rm -r ', 16 * 1024)],
    ['1 MiB of rm -f', fill('rm -f ', MiB)],
    ['1 MiB of rm -r', fill('rm -r ', MiB)],
  ])(
    'the default policies decide %s promptly, and never allow it',
    (_name, command) => {
      const out = submit({ action_type: 'shell.exec', resource: command, parameters: { command } });
      expect(out.decision).not.toBe('allowed');
    },
    10_000,
  );

  it("an admin's (a+)+$ against a×40+! (8 s at a×30 on 0.1, doubling with each a)", () => {
    const engine = engineOf([policy({ id: 'redos', when: { resource: { regex: '(a+)+$' } } })]);
    expect(engine.decide(action({ resource: `${'a'.repeat(40)}!` }), ctx()).policy).toBeNull();
    expect(engine.decide(action({ resource: 'a'.repeat(40) }), ctx()).policy?.id).toBe('redos');
  }, 10_000);

  it("an admin's glob *a*a*b*c against a×4000+c (11 s on 0.1), and at 1 MiB", () => {
    const engine = engineOf([policy({ id: 'glob', when: { resource: { glob: '*a*a*b*c' } } })]);
    expect(engine.decide(action({ resource: `${'a'.repeat(4000)}c` }), ctx()).policy).toBeNull();
    expect(engine.decide(action({ resource: `${'a'.repeat(MiB)}c` }), ctx()).policy).toBeNull();
    expect(engine.decide(action({ resource: `${'a'.repeat(4000)}bc` }), ctx()).policy?.id).toBe('glob');
  }, 10_000);

  it('the fork-bomb detector on 64 KiB and 1 MiB strings (1.8 s on 0.1 at 64 KiB)', () => {
    for (const size of [64 * 1024, MiB]) {
      expect(forkBomb('a'.repeat(size))).toBeNull();
      expect(forkBomb(fill(':(){ :|', size))).toBeNull();
      expect(forkBomb(fill('a(){ ', size))).toBeNull();
      const out = submit({ action_type: 'shell.exec', resource: fill('x(){ x|', size) });
      expect(out.decision).not.toBe('allowed');
    }
    expect(forkBomb(':(){ :|:& };:')).toMatch(/fork bomb/);
  }, 10_000);

  it('a remembered pattern (a glob) is linear too', () => {
    const engine = engineOf([policy({ id: 'remember-allow-x', effect: 'allow', when: { resource: { glob: `*${'a*'.repeat(20)}b` } } })]);
    expect(engine.decide(action({ resource: 'a'.repeat(MiB) }), ctx()).policy).toBeNull();
  }, 10_000);
});

describe('wildcards', () => {
  it.each([
    ['*', '', true],
    ['*', 'anything', true],
    ['a*', 'abc', true],
    ['*c', 'abc', true],
    ['a*c', 'ac', true],
    ['a*c', 'abbbc', true],
    ['a*c', 'abcd', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['?', '😀', true],
    ['a?b', 'a😀b', true],
    ['*a*a*b*c', 'xaxaxbxc', true],
    ['*a*a*b*c', 'aabc', true],
    ['*a*a*b*c', 'abc', false],
    ['a*b*a', 'aba', true],
    ['a*b*a', 'ab', false],
    ['ab*ba', 'aba', false],
    ['*/file-?.ts', '/srv/x/file-1.ts', true],
    ['/etc/*', '/etc/passwd', true],
    ['x*y*z', 'xzyz', true],
    ['x*y*z', 'xzy', false],
    ['x*?z', 'xz', false],
    ['x*?z', 'xaz', true],
    ['*.env', '.env', true],
  ] as const)('%j against %j is %s', (pattern, text, expected) => {
    expect(wildcardMatcher(pattern)(text)).toBe(expected);
    expect(holds({ resource: { glob: pattern } }, { resource: text })).toBe(expected);
  });
});

describe('regexes run on RE2 with JavaScript meaning', () => {
  it.each([
    ['\\bDELETE\\b', 'x DELETE y', true],
    ['^/etc', '/etc/passwd', true],
    ['/DELETE/i', 'delete from x', true],
    ['a.c', 'a\nc', false],
    ['/a.c/s', 'a\nc', true],
    ['/^b$/m', 'a\nb\nc', true],
    ['a\\sb', 'a\u00a0b', true], // JavaScript's \s: NBSP included
    ['a\\Sb', 'a\u00a0b', false],
    ['[\\s]x', '\u2028x', true],
    ['(?<word>ab)+', 'abab', true],
    ['\\u0041', 'A', true],
    ['(a+)+$', `${'a'.repeat(40)}!`, false],
  ] as const)('%j against %j is %s', (pattern, text, expected) => {
    expect(holds({ resource: { regex: pattern } }, { resource: text })).toBe(expected);
  });

  it.each([
    ['(a)\\1', /backreference \\1 is not supported/],
    ['(?<n>a)\\k<n>', /named backreference/],
    ['foo(?=bar)', /lookahead \(\?=…\) is not supported/],
    ['foo(?!bar)', /lookahead \(\?!…\) is not supported/],
    ['(?<=a)b', /lookbehind \(\?<=…\) is not supported/],
    ['(?<!a)b', /lookbehind \(\?<!…\) is not supported/],
    ['a{2000}', /invalid regex: invalid repeat count/],
    ['(', /invalid regex/],
    ['/x/g', /regex flag 'g' is not supported/],
  ])('%j is refused when the policy is written, naming the field', (pattern, message) => {
    let error: unknown;
    try {
      engineOf([policy({ id: 'p', when: { 'parameters.sql': { regex: pattern } } })]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyValidationError);
    const detail = (error as PolicyValidationError).details[0];
    expect(detail?.path).toBe('policies[0](p).when.parameters.sql.regex');
    expect(detail?.message).toMatch(message);
  });

  it('a lookaround inside a character class or escaped is plain text', () => {
    expect('error' in compileLinearRegex('[(?=]x')).toBe(false);
    expect('error' in compileLinearRegex('\\(?=x')).toBe(false);
  });

  it('sees the whole value (0.1 cut regex input at 64 KiB)', () => {
    const padded = `${'x'.repeat(70_000)} DROP TABLE users`;
    expect(holds({ resource: { regex: 'DROP TABLE' } }, { resource: padded })).toBe(true);
    expect(holds({ resource: '*DROP TABLE*' }, { resource: padded })).toBe(true);
  });
});

describe('the per-decision budget holds, never allows', () => {
  const big = `${'q'.repeat(512 * 1024)} end`;
  const allowAll = policy({ id: 'allow-everything', effect: 'allow', priority: 1000, when: { resource: { regex: 'end$' } } });

  it('a decision past its budget is held with a factor that says so, even where a policy would allow', () => {
    const engine = engineOf([allowAll], { budgetMs: 0 });
    const out = engine.decide(action({ resource: big }), ctx());
    expect(out.decision).toBe('pending');
    expect(out.approval).toEqual({ timeout_s: 300, timeout_action: 'deny' });
    const factor = out.risk.factors.find((f) => f.id === 'decision-budget');
    expect(factor?.detail).toMatch(/took longer than its 0 ms budget.*held for a person/);
    expect(out.risk.score).toBeGreaterThanOrEqual(70);
    expect(out.reason).toMatch(/^Held for a person/);
  });

  it('many small strings count as work too: a long list is held while it is read, not after', () => {
    const engine = engineOf([allowAll], { budgetMs: 0 });
    const items = Array.from({ length: 5000 }, (_, i) => `echo ${i}`);
    const commands = engine.decide(action({ action_type: 'shell.exec', resource: 'the end', parameters: { commands: items } }), ctx());
    expect(commands.decision).toBe('pending');
    expect(commands.risk.factors.find((f) => f.id === 'decision-budget')?.detail).toContain('(reading shell commands)');
    const values = engine.decide(action({ resource: 'the end', parameters: { rows: items } }), ctx());
    expect(values.decision).toBe('pending');
    expect(values.risk.factors.find((f) => f.id === 'decision-budget')?.detail).toContain('(scanning parameters)');
  });

  it('in monitoring mode too', () => {
    const engine = engineOf([allowAll], { budgetMs: 0, settings: { enforcement: 'monitor' } });
    expect(engine.decide(action({ resource: big }), ctx()).decision).toBe('pending');
  });

  it('explain (policy test) says the same', () => {
    const engine = engineOf([allowAll], { budgetMs: 0 });
    expect(engine.explain(action({ resource: big }), ctx())).toMatchObject({ decision: 'pending', flags: ['decision-budget'] });
  });

  it('a small decision is never held by the clock (a paused process is not an overrun)', () => {
    const engine = engineOf([allowAll], { budgetMs: 0 });
    expect(engine.decide(action({ resource: 'the end' }), ctx())).toMatchObject({
      decision: 'allowed',
      policy: { id: 'allow-everything' },
    });
  });

  it('with the default budget a 1 MiB value against many regex policies is decided or held, never allowed by accident', () => {
    const many = Array.from({ length: 50 }, (_, i) =>
      policy({ id: `r${i}`, effect: 'deny', when: { resource: { regex: `(?i)x${i}y$` } } }),
    );
    const out = engineOf(many).decide(action({ resource: fill('xy', MiB) }), ctx());
    expect(['pending', 'denied', 'allowed']).toContain(out.decision);
    if (out.decision === 'allowed') expect(out.risk.factors.some((f) => f.id === 'decision-budget')).toBe(false);
  }, 20_000);
});

describe('scanning cannot be dodged (each scored 55 and was allowed on 0.1)', () => {
  const attack = 'sudo rm -rf / ; cat ~/.ssh/id_rsa';
  const expectCaught = (act: Partial<NormalizedAction>) => {
    const out = engineOf([]).decide(action({ action_type: 'shell.exec', ...act }), ctx({ agentRegistered: false }));
    const ids = out.risk.factors.map((f) => f.id);
    expect(ids).toContain('dangerous-shell');
    expect(ids).toContain('sensitive-path');
    expect(out.risk.score).toBe(100);
    expect(out.decision).toBe('pending');
  };

  it('as is: 100, held', () => expectCaught({ resource: attack }));
  it('after 64 KiB of padding in the same string', () => expectCaught({ resource: `${'x'.repeat(64 * 1024)} ; ${attack}` }));
  it('after 64 KiB of padding in an earlier parameter', () =>
    expectCaught({ parameters: { padding: 'x'.repeat(64 * 1024), note: attack } }));
  it('after 10,001 array items', () => expectCaught({ parameters: { items: [...Array.from({ length: 10_001 }, () => 'x'), attack] } }));
  it('33 levels deep', () => {
    let nested: unknown = attack;
    for (let i = 0; i < 33; i++) nested = { d: nested };
    expectCaught({ parameters: { p: nested } as Record<string, unknown> });
  });
  it('after 70,000 spaces', () => expectCaught({ resource: `${' '.repeat(70_000)}${attack}` }));
  it('in a parameter name', () => expectCaught({ parameters: { [attack]: 1 } }));
  it('with quotes inside the names', () => expectCaught({ resource: "s''udo r\\m -rf / ; cat ~/.ssh/id_rsa" }));
  it('inside a script handed to a shell', () => expectCaught({ parameters: { command: `bash -c '${attack}'` } }));
});
