import fc from 'fast-check';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { compileLinearRegex, type LinearRegex } from '../../src-main/engine/text/regex.js';
import { reverseMatcherFor, reversePattern } from '../../src-main/engine/text/reverse-match.js';

/** RE2-syntax atoms over a small alphabet that exercises surrogate pairs, newlines and word edges. */
const ATOMS = [
  'a',
  'b',
  'é',
  '😀',
  ' ',
  '\\n',
  '-',
  '\\{',
  '\\}',
  '}',
  '[ab]',
  '[^a]',
  '[a-c]',
  '[[:alpha:]]',
  '[]a]',
  '\\d',
  '\\w',
  '\\W',
  '\\s',
  '\\b',
  '\\B',
  '.',
  '^',
  '$',
  '\\A',
  '\\z',
  '\\x{e9}',
  '\\x61',
  '\\pL',
  '\\p{Greek}',
  '\\141',
];
const QUANTS = ['', '', '', '*', '+', '?', '{2}', '{1,3}', '{0,}', '*?', '+?', '??'];

const pattern: fc.Arbitrary<string> = fc.letrec<{ node: string; item: string }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 3, withCrossShrink: true },
    fc.array(tie('item'), { minLength: 1, maxLength: 4 }).map((items) => items.join('')),
    fc.tuple(tie('node'), tie('node')).map(([a, b]) => `${a}|${b}`),
  ),
  item: fc
    .tuple(
      fc.oneof(
        { maxDepth: 3 },
        fc.constantFrom(...ATOMS),
        tie('node').map((n) => `(${n})`),
        tie('node').map((n) => `(?:${n})`),
      ),
      fc.constantFrom(...QUANTS),
    )
    .map(([atom, quant]) =>
      atom === '^' || atom === '$' || atom === '\\A' || atom === '\\z' || atom === '\\b' || atom === '\\B' ? atom : atom + quant,
    ),
})).node;

/** Patterns whose matches all end at the end of the text, in the shapes reversal looks for. */
const endAnchoredPattern = fc.oneof(
  fc.tuple(pattern, fc.constantFrom('$', '\\z')).map(([p, a]) => `(?:${p})${a}`),
  fc.tuple(pattern, fc.constantFrom('$', '\\z')).map(([p, a]) => `${p}${a}`),
  fc.tuple(pattern, pattern).map(([p, q]) => `(?:(?:${p})$|(?:${q})\\z)`),
);

const text = fc
  .array(fc.constantFrom('a', 'b', 'c', 'é', 'É', '😀', '\uD83D', '\uDE00', ' ', '\n', '-', '{', '}', '2', 'α', '_'), { maxLength: 24 })
  .map((cs) => cs.join(''));

const FLAGS = [0, RE2JS.CASE_INSENSITIVE, RE2JS.MULTILINE, RE2JS.DOTALL, RE2JS.CASE_INSENSITIVE | RE2JS.MULTILINE];

function forward(p: string, bits: number): RE2JS | null {
  try {
    return RE2JS.compile(p, bits);
  } catch {
    return null;
  }
}

describe('reversing RE2 patterns', () => {
  it('reverses the order of every sequence, mirrors anchors and keeps atoms whole', () => {
    expect(reversePattern('(a+)+$')).toBe('^(a+)+');
    expect(reversePattern('\\.pem\\z')).toBe('\\Amep\\.');
    expect(reversePattern('(?:ab|c[de]{2,3})$')).toBe('^(?:ba|[de]{2,3}c)');
    expect(reversePattern('(?P<name>x😀\\x{e9}\\pL)$')).toBe('^(?P<name>\\pL\\x{e9}😀x)');
    // A literal run that would read as a repetition once reversed stays literal.
    expect(reversePattern('a}2{b$')).toBe('^b\\{2\\}a');
  });

  it('leaves alone what it does not reverse', () => {
    for (const p of ['(?i)ab$', '(?i:ab)$', '\\Qa.b\\E$', 'a**$', '(ab$', 'ab)$']) expect(() => reversePattern(p), p).toThrow();
    expect(reverseMatcherFor('(?i)ab$', 0)).toBeNull();
  });

  it('is used only for patterns whose every match ends where the text ends', () => {
    expect(reverseMatcherFor('(a+)+$', 0)).not.toBeNull();
    expect(reverseMatcherFor('(?:x$|y\\z)', 0)).not.toBeNull();
    expect(reverseMatcherFor('a\\z', RE2JS.MULTILINE)).not.toBeNull();
    for (const [p, bits] of [
      ['a', 0],
      ['a$|b', 0],
      ['a$b', 0],
      ['(?:a$)?', 0],
      ['a$', RE2JS.MULTILINE],
    ] as const)
      expect(reverseMatcherFor(p, bits), p).toBeNull();
  });

  it('reverses patterns nested as deeply as RE2 accepts', () => {
    const deep = `${'('.repeat(500)}a${')'.repeat(500)}$`;
    const rev = reverseMatcherFor(deep, 0);
    expect(rev).not.toBeNull();
    expect([rev!.test('xa'), rev!.test('ax')]).toEqual([true, false]);
  });

  it('decides `(a+)+$` over a mebibyte from its last characters', () => {
    const re = reverseMatcherFor('(a+)+$', 0)!;
    const mib = 1 << 20;
    expect(re.test(`${'a'.repeat(mib - 1)}!`)).toBe(false);
    expect(re.test('a'.repeat(mib))).toBe(true);
    expect(re.test('')).toBe(false);
  });

  it('answers exactly as the forward matcher, whatever the pattern, flags and text', () => {
    fc.assert(
      fc.property(endAnchoredPattern, fc.constantFrom(...FLAGS), fc.array(text, { minLength: 1, maxLength: 6 }), (p, bits, texts) => {
        const fwd = forward(p, bits);
        fc.pre(fwd !== null);
        const rev = reverseMatcherFor(p, bits);
        if (rev === null) return; // not reversible (inline flags, stacked repetitions): the forward matcher is used
        for (const t of texts) {
          const got = rev.test(t);
          if (got !== null) expect(got, `${JSON.stringify(p)} flags ${bits} on ${JSON.stringify(t)}`).toBe(fwd!.test(t));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('reverses the patterns users write (JavaScript syntax) with their JavaScript meaning', () => {
    const cases: [string, string, string[]][] = [
      ['\\.(pem|key)$', '', ['id.pem', 'x.key', 'x.keys', 'pem', '.pem\n']],
      ['(a+)+$', '', ['aaa', 'aa!', 'b', '']],
      ['^rm\\s+-rf\\s+/$', '', ['rm -rf /', 'rm\u00a0-rf /', 'rm -rf /x', 'xrm -rf /']],
      ['.*secret$', '', ['my secret', 'secret\nx', 'x\nsecret', 'a\u2028secret']],
      ['.*secret$', 's', ['a\nsecret', 'secret\n']],
      ['SECRET$', 'i', ['my secret', 'secreT', 'secrets']],
      ['😀{2}$', 'u', ['😀😀', 'x😀', '\uDE00\uD83D']],
      ['\\bend$', '', ['the end', 'theend', 'end']],
    ];
    for (const [source, flags, inputs] of cases) {
      const linear = compileLinearRegex(source, flags) as LinearRegex;
      const native = new RegExp(source, flags);
      for (const input of inputs) expect(linear.test(input), `/${source}/${flags} on ${JSON.stringify(input)}`).toBe(native.test(input));
    }
  });
});
