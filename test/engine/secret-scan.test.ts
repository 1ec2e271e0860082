import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SECRET_KINDS } from '../../src-shared/secrets.js';

// The bare AWS secret key is found by a scan (two forward regex searches) rather than its pattern:
// the scan must find exactly what the pattern finds.
describe('the bare AWS key scan', () => {
  const kind = SECRET_KINDS.find((k) => k.id === 'aws-secret-access-key-bare')!;
  const byPattern = (text: string): [number, number][] =>
    [...text.matchAll(new RegExp(kind.re.source, 'g'))].map((m) => [m.index, m.index + m[0].length]);

  it('finds exactly the runs of 40 base64 characters the pattern finds', () => {
    const piece = fc.oneof(
      fc.constantFrom('a', 'Z', '7', '/', '+', '=', ' ', '-', '"', '\n'),
      fc.integer({ min: 38, max: 42 }).map((n) => 'aB3/'.repeat(11).slice(0, n)),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const text = parts.join('');
        expect(kind.scan!(text)).toEqual(byPattern(text));
      }),
      { numRuns: 2000, seed: 40 },
    );
  });

  it('on the edges: alone, at either end, next to =, inside a longer run', () => {
    const key = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    for (const text of [
      key,
      ` ${key}`,
      `${key} `,
      `=${key}`,
      `${key}=`,
      `x${key}`,
      `${key}${key}`,
      `${key} ${key}`,
      '',
      ' '.repeat(1 << 16),
    ])
      expect(kind.scan!(text), text.slice(0, 50)).toEqual(byPattern(text));
  });
});
