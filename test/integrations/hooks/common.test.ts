import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundParameters, oneLine, valueDigest } from '../../../src-main/services/hooks/common.js';
import { clip } from '../../../src-main/services/tool-call.js';

// A hook's description holds the command on one line, clipped: oneLine reads only as far as the clip
// needs (a 1 MiB command is cut to 160 characters), and must give what collapsing the whole text gives.
describe('a command on one line', () => {
  const byRegex = (s: string, max: number) => clip(s.replace(/\s+/g, ' ').trim(), max);

  it('is what collapsing the whole text and clipping it gives, on generated text', () => {
    const piece = fc.constantFrom(
      'a',
      'rm',
      '-rf',
      ' ',
      '  ',
      '\t',
      '\n',
      '\r\n',
      '\u00a0',
      '\u2028',
      '\ufeff',
      '\u3000',
      'é',
      '😀',
      'x'.repeat(7),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.integer({ min: 1, max: 30 }), (parts, max) => {
        const s = parts.join('');
        expect(oneLine(s, max)).toBe(byRegex(s, max));
      }),
      { numRuns: 3000, seed: 7 },
    );
  });

  it('on the edges: empty, only white space, exactly the limit, one past it, a long run of blanks', () => {
    for (const [s, max] of [
      ['', 5],
      ['   \n\t ', 5],
      ['abcde', 5],
      ['abcdef', 5],
      [' ab  cd ', 5],
      [`a${' '.repeat(1 << 20)}b`, 160],
      ['x'.repeat(1 << 20), 160],
    ] as const)
      expect(oneLine(s, max)).toBe(byRegex(s, max));
  });
});

// Tool inputs go into the action's parameters, far below the 1 MiB body limit: up to 256 KiB of JSON
// as they are, beyond that with every text over 16 KiB cut (and said so).
describe('a tool input bounded for the request', () => {
  it('is sent as it is up to 256 KiB of JSON', () => {
    const input = { command: 'x'.repeat(200_000), n: 1 };
    expect(boundParameters(input)).toBe(input);
  });

  it('has its long texts cut beyond that, whether it is long in text or only as JSON (escapes)', () => {
    for (const [key, value] of [
      ['command', 'rm -rf / '.repeat(100_000)],
      ['content', '"'.repeat(200_000)],
    ] as const) {
      const out = boundParameters({ [key]: value });
      expect(out[key]).toBe(`${value.slice(0, 16 * 1024)}…[${value.length - 16 * 1024} more characters not sent]`);
    }
  });

  it('keeps the first 200 items of lists and keys of objects, and says so when even that is too large', () => {
    const wide = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, 'y'.repeat(1_000)]));
    const out = boundParameters({ wide }) as { wide: Record<string, string> };
    expect(Object.keys(out.wide)).toHaveLength(200);
    const tooLarge = boundParameters({ a: Array.from({ length: 200 }, () => Array.from({ length: 200 }, () => 'z'.repeat(100))) });
    expect(tooLarge).toEqual({ note: expect.stringMatching(/^tool input too large to send \(\d+ characters with its long texts cut\)$/) });
  });
});

describe('the digest of a tool input (call and idempotency keys)', () => {
  it('is the same for equal values and differs for different ones, however their texts split', () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    fc.assert(
      fc.property(json, json, (a, b) => {
        const same = JSON.stringify(a) === JSON.stringify(b);
        expect(valueDigest(a) === valueDigest(b)).toBe(same);
        expect(valueDigest(structuredClone(a))).toBe(valueDigest(a));
      }),
      { numRuns: 3_000 },
    );
    // Values whose texts run together the same way are told apart by their kinds and sizes.
    const apart: unknown[] = [['ab', 'c'], ['a', 'bc'], { a: 'b' }, { ab: '' }, 1, '1', [1], ['1'], null, 'null', {}, [], '', [[]], [{}]];
    expect(new Set(apart.map(valueDigest)).size).toBe(apart.length);
  });

  it('reads an 8 MB input without serialising it', () => {
    const big = { file_path: 'a.txt', content: 'x'.repeat(8_000_000) };
    const stringify = JSON.stringify;
    let calls = 0;
    JSON.stringify = ((...args: Parameters<typeof stringify>) => (calls++, stringify(...args))) as typeof stringify;
    try {
      expect(valueDigest(big)).toMatch(/^[0-9a-f]{16}$/);
    } finally {
      JSON.stringify = stringify;
    }
    expect(calls).toBe(0);
    expect(valueDigest({ ...big, content: `${big.content}y` })).not.toBe(valueDigest(big));
  });
});
