import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileLinearRegex, maxWidth, requiredLiterals, type LinearRegex } from '../../src-main/engine/text/regex.js';

// A regex condition skips its pass over a value that lacks a literal every match contains (issue 13:
// no full pass per pattern over a 1 MiB value for nothing). The skip must never change an answer.

const compile = (source: string, flags = ''): LinearRegex => {
  const r = compileLinearRegex(source, flags);
  if ('error' in r) throw new Error(r.error);
  return r;
};

/** The regexes of the shipped default policies. */
const DEFAULT_REGEXES = [
  ...readFileSync(new URL('../../resources/default-policies.yaml', import.meta.url), 'utf8').matchAll(/regex: '((?:[^']|'')*)'/g),
].map((m) => m[1]!.replace(/''/g, "'"));

describe('the literal a regex requires', () => {
  it.each([
    ['curl', ['curl']],
    ['\\bcurl\\b[^|;\\n]*\\|\\s*(?:sudo\\s+)?sh\\b', ['curl', 'sh']],
    ['\\.aws/credentials\\b', ['.aws/credentials']],
    ['(?:^|[\\s/"\'=~])\\.ssh(?:/|\\s|$)', ['.ssh']],
    ['\\bid_(?:rsa|dsa)\\b', ['id_']],
    ['\\bgit\\s+(?:-\\S+\\s+)*reset\\b[^;&|\\n]*\\s--hard\\b', ['git', 'reset', '--hard']],
    ['abc?d', ['ab']],
    ['abc*def', ['ab', 'def']],
    ['ab+cde', ['ab', 'cde']],
    ['ab{0,3}cd', ['cd']],
    ['x.yz', ['yz']],
    ['^prod$', ['prod']],
    ['a\\d\\dbc', ['bc']],
    ['[abc]de[^f]', ['de']],
    ['[]ab', ['ab']],
    ['\\u0041bc', ['bc']],
    ['\\x41bcd\\u{1F600}ef', ['bcd', 'ef']],
    ['\\p{L}xy\\cJzz', ['xy', 'zz']],
  ])('/%s/ requires %j', (source, literals) => {
    expect(requiredLiterals(source)).toEqual(literals);
  });

  it.each([
    ['curl|wget', 'a top-level alternation'],
    ['(a+)+$', 'only a group'],
    ['a?b?', 'nothing required'],
    ['(?i)curl', 'inline flags'],
    ['(?i:curl)x', 'inline flags'],
    ['ab{|c}', 'a brace that is not a quantifier'],
    ['x\u{1F600}?yz'.slice(0, 4), 'a quantified astral character'],
    ['a', 'a single character'],
  ])('/%s/ requires none (%s)', (source) => {
    expect(requiredLiterals(source)).toEqual([]);
  });

  it.each([
    ['(?:^|[\\s/])', 1],
    ['\\b', 0],
    ['^', 0],
    ['a{2,3}', 3],
    ['(?:ab|c)?', 2],
    ['(?<n>x|yyy)??', 3],
    ['\\x41\\u{1F600}[^]]', 4],
    ['a*', Infinity],
    ['(?:a+)', Infinity],
    ['a{2,}', Infinity],
    ['(?=a)', Infinity],
  ])('what /%s/ matches is at most %d characters long', (source, width) => {
    expect(maxWidth(source, 0, source.length)).toBe(width);
  });

  it('the default policies name one, so a value without it skips the pass', () => {
    expect(DEFAULT_REGEXES.length).toBeGreaterThan(5);
    for (const source of DEFAULT_REGEXES) expect(requiredLiterals(source).length, source).toBeGreaterThan(0);
  });

  it('answers exactly as the regex does without the skip, on generated values (JavaScript RegExp as the reference)', () => {
    const patterns: [string, string][] = [
      ...DEFAULT_REGEXES.map((s): [string, string] => [s, '']),
      ['ab+c', ''],
      ['abc?d', ''],
      ['ab{0,2}cd', ''],
      ['x.yz', 's'],
      ['^ab$', 'm'],
      ['[ab]cd[^e]f', ''],
      ['\\.env(?:\\.[\\w.-]+)?', ''],
      ['cur?l', ''],
      ['CURL', 'i'],
      ['\\u0063url', ''],
      ['(?:^|[\\s/])\\.ssh', ''],
      ['(?:^|[\\s/])\\.ssh', 'm'],
      ['a{2,3}bc', ''],
      ['(?:ab|c)?de', ''],
      ['(?<n>x|yy)??sh', ''],
      ['\\bsh\\b', ''],
      ['^sh', ''],
      ['^sh', 'm'],
      ['.sh', 's'],
      ['\\x63u\\x72l', ''],
    ];
    const alphabet = fc.constantFrom(
      ...'abcdefrsuwlhgitpx _-./|;\n\'"=~\\'.split(''),
      'curl',
      'wget',
      'sudo ',
      'sh',
      'git ',
      'push',
      ' --force',
      '.ssh',
      'id_rsa',
      '.aws/credentials',
      '.env',
      'reset --hard',
      'CURL',
    );
    for (const [source, flags] of patterns) {
      const linear = compile(source, flags);
      const reference = new RegExp(source, flags);
      fc.assert(
        fc.property(fc.array(alphabet, { maxLength: 12 }), fc.nat(300), fc.constantFrom(' ', 'x', '\n', 'a/'), (parts, pad, unit) => {
          // Often after padding: the search then starts near the first literal, not at the start.
          const text = `${unit.repeat(pad)}${parts.join('')}`;
          expect(linear.test(text), `/${source}/${flags} on ${JSON.stringify(text)}`).toBe(reference.test(text));
        }),
        { numRuns: 400, seed: 13 },
      );
    }
  });
});
