import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findSecret, maskSecrets, scanSecrets, SECRET_KINDS, withSecretScans } from '../../src-shared/secrets.js';

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

// The kinds read from a client's name on (mysql -p…, sshpass -p, curl -u …) find their secrets by a
// one-pass scan: it must find exactly what their pattern (up to 24 words after the name) finds.
describe('the client flag scans', () => {
  const ids = ['mysql-password-flag', 'sshpass-password', 'redis-cli-password', 'mongo-password', 'curl-user'];
  const kinds = ids.map((id) => SECRET_KINDS.find((k) => k.id === id)!);
  const byPattern = (re: RegExp, text: string): [number, number][] =>
    [...text.matchAll(new RegExp(re.source, 'g'))].map((m) => [m.index + m[1]!.length, m.index + m[1]!.length + m[2]!.length]);

  it('are the scans of those kinds', () => {
    for (const k of kinds) expect(k.scan, k.id).toBeTypeOf('function');
  });

  it('find exactly the secrets the patterns find, on generated commands', () => {
    const piece = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.constantFrom(
          ' ',
          ' ',
          ' ',
          '\t',
          '      ',
          'a',
          'db',
          '-u',
          'root',
          '-p',
          '-a',
          '-psecret',
          '-p"pw"',
          "'",
          ':',
          '@',
          '$x',
          '-',
        ),
      },
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          'mysql',
          'mysqldump',
          'mariadb-dump',
          'xmysql',
          '/usr/bin/mysql',
          'sshpass',
          'redis-cli',
          'mongosh',
          'mongo',
          'curl',
          'u:pw',
          '--user',
          '=',
          ';',
          '|',
          '&',
          '\n',
          '\u00a0',
        ),
      },
      { weight: 1, arbitrary: fc.integer({ min: 255, max: 258 }).map((n) => 'w'.repeat(n)) },
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 70 }), (parts) => {
        const text = parts.join('');
        for (const k of kinds) expect(k.scan!(text), `${k.id}: ${JSON.stringify(text)}`).toEqual(byPattern(k.re, text));
      }),
      { numRuns: 3000, seed: 25 },
    );
  });

  it('on the edges: the 24-word window, a later name, blanks, long words, the end of the command', () => {
    const mysql = kinds[0]!;
    const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
    for (const text of [
      `mysql ${words(23)} -ppw`,
      `mysql ${words(24)} -ppw`,
      `mysql ${words(25)} -ppw`,
      `mysql ${words(10)} mysql ${words(20)} -ppw`,
      `mysql ${words(30)} mysql ${words(20)} -ppw`,
      `mysql ${words(30)} mysql ${words(30)} -ppw`,
      'mysql -ppw -ppw2 mysql -ppw3',
      'mysql      -ppw',
      'mysql     -ppw',
      `mysql ${'w'.repeat(256)} -ppw`,
      `mysql ${'w'.repeat(257)} -ppw`,
      `mysql -p${'s'.repeat(300)}mysql -ppw`,
      `mysql -p${'s'.repeat(250)}.mysql -ppw`,
      `mysql -p${'s'.repeat(253)}.mysql -ppw`,
      'mysql a; -ppw',
      'mysql a\n -ppw',
      'mysql',
      '',
    ])
      expect(mysql.scan!(text), text.slice(0, 60)).toEqual(byPattern(mysql.re, text));
  });
});

/** Pieces of text around the catalogue's hints and patterns, for generated texts. */
const HINT_PIECES = [
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
  'pass=',
  'PASS: ',
  'db_pass=',
  'passphrase: ',
  'pwd=',
  'MYSQL_PWD=',
  'auth=',
  'Authorization: Basic ',
  'Authorization: Splunk ',
  '_auth = ',
  'auth: "',
  'hunter2',
  'authorization: ',
  '--password ',
  '--db-pass ',
  '--client-secret ',
  '--api-key=',
  '--no-password ',
  'mysql ',
  '-p',
  'sshpass -p ',
  'redis-cli -a ',
  'mongosh -p ',
  'curl -u ',
  'u:',
  'Cookie: ',
  'Set-Cookie:',
  '--cookie ',
  'a=b',
  '$',
  '-',
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
];

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
    const piece = fc.constantFrom(...HINT_PIECES);
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const text = parts.join('');
        expect(findSecret(text), text).toBe(reference(text));
      }),
      { numRuns: 3000, seed: 19 },
    );
  });
});

// The secrets thread scans a big body once for both the risk factor and the mask (scanSecrets), and
// the decision and the redactor take its answers (withSecretScans): the one pass must give what the two give.
describe('one scan for the risk factor and the mask', () => {
  it('scanSecrets gives what maskSecrets and findSecret give, on generated text', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...HINT_PIECES), { maxLength: 12 }), (parts) => {
        const text = parts.join('');
        expect(scanSecrets(text), text).toEqual({ masked: maskSecrets(text), detail: findSecret(text) });
      }),
      { numRuns: 3000, seed: 31 },
    );
  });

  it('withSecretScans answers from the scans inside it, for the server mask only, and not after it', () => {
    const text = `token=${'s'.repeat(12)}`;
    const scans = new Map([[text, { masked: 'MASKED', detail: 'DETAIL' }]]);
    const inside = withSecretScans(scans, () => [
      findSecret(text),
      maskSecrets(text),
      maskSecrets(text, (keep) => `${keep}#`),
      findSecret('other'),
    ]);
    expect(inside).toEqual(['DETAIL', 'MASKED', 'token=#', null]);
    expect(() =>
      withSecretScans(scans, () => {
        throw new Error('work failed');
      }),
    ).toThrow('work failed');
    expect([findSecret(text), maskSecrets(text)]).toEqual([scanSecrets(text).detail, scanSecrets(text).masked]);
    expect(findSecret(text)).not.toBe('DETAIL');
  });
});
