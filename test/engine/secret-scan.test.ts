import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findSecret, SECRET_KINDS } from '../../src-shared/secrets.js';

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

// findSecret runs a kind only where a cheap hint passes: the hints must never hide a secret the
// kind's own pattern finds.
describe('the hints in front of the secret patterns', () => {
  const reference = (t: string): string | null =>
    SECRET_KINDS.find((k) =>
      k.scan
        ? k.scan(t).some(([a, b]) => !k.accept || k.accept(t.slice(a, b)))
        : [...t.matchAll(new RegExp(k.re.source, k.re.flags))].some((m) => m[0].length > 0 && (!k.accept || k.accept(m[2]!))),
    )?.detail ?? null;

  it('findSecret finds what running every pattern finds, on generated text', () => {
    const piece = fc.constantFrom(
      'AKIA',
      'ASIA',
      'AIza',
      'ghp_',
      'gho_',
      'ghs_',
      'github_pat_',
      'xoxb-',
      'xoxs-',
      'sk-',
      'sk_live_',
      'rk_test_',
      'glpat-',
      'gk_agent_',
      'gk_admin_',
      'eyJ',
      'Bearer ',
      'BEARER ',
      'password=',
      'PASSWORD: ',
      'Passwd=',
      'client_secret=',
      'SECRET=',
      'token: ',
      'TOKEN=',
      'api_key=',
      'API-KEY:',
      'aws_secret_access_key=',
      '-----BEGIN RSA PRIVATE KEY-----',
      'postgres://u:',
      '@h',
      'A1b2C3d4E5',
      'abcdefghij0123456789',
      'QWERTYUIOP',
      '/',
      '+',
      '.',
      ' ',
      '"',
      '=',
      'x',
      'ey',
      'EY',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), (parts) => {
        const text = parts.join('');
        expect(findSecret(text), text).toBe(reference(text));
      }),
      { numRuns: 3000, seed: 19 },
    );
  });
});
