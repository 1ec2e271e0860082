import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findSecret, maskSecrets, SECRET_KINDS } from '../../src-shared/secrets.js';
import type { EventEnvelope } from '../../src-shared/index.js';
import { secretValues } from '../../src-main/engine/risk/detectors/secrets.js';
import { redact } from '../../src-main/services/redact.js';
import { maskSecrets as consoleMask, MASK } from '../../src-renderer/lib/mask.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

/**
 * The one table of secret forms: each must raise the `secrets` risk factor, be masked by the
 * server's redactor and by the console — all three reading the same catalogue — at its shortest
 * accepted length, and followed by `_`, `-`, `.` or a quote. `secret` is the part that must vanish.
 */
const FORMS: { name: string; text: string; secret: string }[] = [
  { name: 'AWS access key id', text: 'AKIAIOSFODNN7EXAMPLE', secret: 'IOSFODNN7EXAMPLE' },
  { name: 'AWS session key id', text: 'ASIAIOSFODNN7EXAMPLE', secret: 'IOSFODNN7EXAMPLE' },
  {
    name: 'AWS secret access key (bare)',
    text: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  },
  {
    name: 'AWS secret access key (assigned)',
    text: 'aws_secret_access_key = aB3dEfGhIjKlMnOpQrStUvWxYz0123456789ABCD',
    secret: 'aB3dEfGhIjKlMnOpQrStUvWxYz0123456789ABCD',
  },
  {
    name: 'RSA private key',
    text: '-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretbody\n-----END RSA PRIVATE KEY-----',
    secret: 'MIIEsecretbody',
  },
  { name: 'private key without its end', text: '-----BEGIN PRIVATE KEY-----\nMIIEtruncatedbody', secret: 'MIIEtruncatedbody' },
  {
    name: 'OpenSSH private key',
    text: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----',
    secret: 'b3BlbnNzaC1rZXk',
  },
  {
    name: 'PGP private key block',
    text: '-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBGpgpsecret\n-----END PGP PRIVATE KEY BLOCK-----',
    secret: 'lQOYBGpgpsecret',
  },
  { name: 'GitHub token, 20 chars', text: `ghp_${'a1'.repeat(10)}`, secret: 'a1'.repeat(10) },
  { name: 'GitHub OAuth token', text: `gho_${'b2'.repeat(18)}`, secret: 'b2'.repeat(18) },
  { name: 'GitHub app token', text: `ghs_${'c3'.repeat(18)}`, secret: 'c3'.repeat(18) },
  { name: 'GitHub fine-grained PAT', text: `github_pat_11AB_${'d4'.repeat(12)}`, secret: `11AB_${'d4'.repeat(12)}` },
  { name: 'Slack bot token', text: 'xoxb-1234567890-abcdef', secret: '1234567890-abcdef' },
  { name: 'Slack app token', text: 'xoxa-2-1234567890-abcdef', secret: '1234567890-abcdef' },
  { name: 'Stripe live key, 10 chars', text: 'sk_live_4eC39HqLyj', secret: '4eC39HqLyj' },
  { name: 'Stripe live key, 15 chars', text: 'sk_live_4eC39HqLyjWDarj', secret: '4eC39HqLyjWDarj' },
  { name: 'Stripe restricted key', text: 'rk_live_4eC39HqLyjWDarjtT1', secret: '4eC39HqLyjWDarjtT1' },
  { name: 'OpenAI project key', text: `sk-proj-${'e5'.repeat(12)}`, secret: 'e5'.repeat(12) },
  { name: 'Anthropic key', text: `sk-ant-api03-${'f6'.repeat(12)}`, secret: 'f6'.repeat(12) },
  { name: 'GitLab token', text: `glpat-${'g7'.repeat(10)}`, secret: 'g7'.repeat(10) },
  { name: 'Google API key', text: `AIza${'h8'.repeat(17)}x`, secret: `${'h8'.repeat(17)}x` },
  { name: 'Gatehouse agent key, 8 chars', text: 'gk_agent_k8k8k8k8', secret: 'k8k8k8k8' },
  { name: 'Gatehouse agent key, 19 chars', text: `gk_agent_${'k'.repeat(19)}`, secret: 'k'.repeat(19) },
  { name: 'Gatehouse admin key', text: `gk_admin_${'m'.repeat(32)}`, secret: 'm'.repeat(32) },
  {
    name: 'JWT',
    text: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    secret: 'dozjgNryP4J3jVmNHl0w5N',
  },
  { name: 'postgres URL password', text: 'postgres://app:Pg-s3cret!@db.internal:5432/prod', secret: 'Pg-s3cret!' },
  { name: 'mysql URL password', text: 'mysql://root:hunter2hunter2@localhost/app', secret: 'hunter2hunter2' },
  { name: 'https URL password', text: 'https://user:p4ssw0rd@example.com/x', secret: 'p4ssw0rd' },
  { name: 'redis URL password only', text: 'redis://:r3d1sPass@cache:6379', secret: 'r3d1sPass' },
  { name: 'bearer token', text: 'curl -H "Authorization: Bearer opaqueTokenValue123"', secret: 'opaqueTokenValue123' },
  { name: 'password assignment', text: 'psql "host=db password=hunter22 user=x"', secret: 'hunter22' },
  { name: 'api_key in JSON text', text: '{"api_key": "abcd1234efgh"}', secret: 'abcd1234efgh' },
  // Flags with their value after a blank.
  { name: '--password value', text: 'mysql --password hunter3x -u root', secret: 'hunter3x' },
  { name: '--token value', text: 'cli --token abc123def', secret: 'abc123def' },
  { name: '--api-key value', text: 'tool --api-key XYZabc123456', secret: 'XYZabc123456' },
  { name: '--secret value', text: 'vault write --secret s3cr3tval', secret: 's3cr3tval' },
  { name: '--client-secret value', text: 'oidc login --client-secret cl1entSecret', secret: 'cl1entSecret' },
  { name: '--db-pass value', text: 'migrate --db-pass dbPass77 up', secret: 'dbPass77' },
  { name: '--passphrase value', text: 'gpg --batch --passphrase Gpg-Phrase9 -d f.gpg', secret: 'Gpg-Phrase9' },
  // Passwords given to clients as short flags, read from the client's name on.
  { name: 'mysql -p attached', text: 'mysql -h db -u root -phunter2x app', secret: 'hunter2x' },
  { name: 'mariadb-dump -p quoted', text: "mariadb-dump -uroot -p'Mar1aPw' db", secret: 'Mar1aPw' },
  { name: 'sshpass -p', text: 'sshpass -p S5hpassPw ssh host', secret: 'S5hpassPw' },
  { name: 'redis-cli -a', text: 'redis-cli -h cache -a R3disPw ping', secret: 'R3disPw' },
  { name: 'mongosh -p', text: 'mongosh -u admin -p M0ngoPw', secret: 'M0ngoPw' },
  { name: 'curl -u user:password', text: 'curl -sS -u bob:CurlPw99 https://api.example.com', secret: 'CurlPw99' },
  { name: 'curl --user=user:password', text: 'curl --user=bob:CurlPw98 https://x', secret: 'CurlPw98' },
  // Environment assignments in a shell command.
  { name: 'PGPASSWORD=', text: 'PGPASSWORD=pgHunter2 psql -h db', secret: 'pgHunter2' },
  { name: 'MYSQL_PWD=', text: 'MYSQL_PWD=myPwd123 mysql -u root', secret: 'myPwd123' },
  { name: 'AWS_SECRET_ACCESS_KEY= (any length)', text: 'AWS_SECRET_ACCESS_KEY=abc123def456 aws s3 ls', secret: 'abc123def456' },
  // Key names outside SECRET_WORD.
  { name: 'pwd=', text: 'connect pwd=Pwd12345', secret: 'Pwd12345' },
  { name: 'db_pass=', text: 'db_pass=DbPass12', secret: 'DbPass12' },
  { name: 'pass: in JSON text', text: '{"pass": "Hunter2x"}', secret: 'Hunter2x' },
  { name: 'pass= with a lowercase word', text: 'login user=bob pass=hunter', secret: 'hunter' },
  { name: 'passphrase=', text: 'passphrase=phrase99', secret: 'phrase99' },
  { name: 'auth= in a query string', text: 'https://x.firebaseio.com/a.json?auth=authTok3n', secret: 'authTok3n' },
  { name: '.npmrc _auth', text: '_auth = bnBtOnNlY3JldA==', secret: 'bnBtOnNlY3JldA==' },
  { name: 'Authorization: Basic', text: 'curl -H "Authorization: Basic dXNlcjpwYXNzd29yZA=="', secret: 'dXNlcjpwYXNzd29yZA==' },
  { name: 'Authorization: Token', text: 'Authorization: Token drfT0ken123', secret: 'drfT0ken123' },
  { name: 'Authorization: any scheme', text: '{"Authorization": "Splunk hecT0ken-42"}', secret: 'hecT0ken-42' },
  { name: 'Authorization: no scheme', text: 'authorization=rawT0ken99', secret: 'rawT0ken99' },
  { name: 'x-api-key header', text: "curl -H 'x-api-key: xApiKey12345'", secret: 'xApiKey12345' },
  { name: 'Cookie header', text: 'curl -H "Cookie: session=s3ss10nId"', secret: 's3ss10nId' },
  { name: 'Set-Cookie header', text: 'Set-Cookie: sid=S1dValue99; Path=/; HttpOnly', secret: 'S1dValue99' },
  { name: 'curl --cookie name=value', text: 'curl --cookie "sid=CookieFlag1" https://x', secret: 'CookieFlag1' },
  // An error message.
  { name: 'token= in an error', text: 'auth failed for token=abc123tok', secret: 'abc123tok' },
];

/** Ordinary text that must stay exactly as it is. */
const QUIET = [
  'use sk-learn',
  'git show 4f3a9c2b1d0e8f7a6b5c4d3e2f1a0b9c8d7e6f5a',
  '/home/user/projects/gatehouse/src/AppMain1',
  'max_tokens=100',
  'SELECT * FROM users WHERE author = 1',
  'postgres://db.internal:5432/prod',
  'http://localhost:8080/path@x',
  'rm -rf build/ && npm test',
  'ghp_short',
  'sk_live_short',
  'gk_agent_short',
  // Flags that are not followed by a secret, and short flags of other commands.
  'mkdir -p src',
  'mkdir -p build && cd build && cmake ..',
  'git log -p',
  'cp -pr a b',
  'ls --password-file /etc/pw',
  'docker login --password-stdin',
  'pg_dump --no-password mydb',
  'npm install --save',
  'gh auth token',
  'deploy --token $GITHUB_TOKEN',
  'deploy --token "${TOKEN}"',
  'deploy --token <TOKEN>',
  'mysql -u root -p mydb',
  'mysql --password',
  'mysql -u root -p app && mkdir -pv out',
  'docker run -u 1000:1000 node',
  'docker run -u node:node img',
  'rsync -u host:dir .',
  'git push -u origin main',
  'python -u script.py',
  'curl -u bob https://x',
  'curl --cookie jar.txt https://x',
  // `pass`, `pwd`, `auth` and `cookie` in prose, paths and settings.
  'all tests pass',
  'tests pass: 12',
  'import passport from "passport.js"',
  'bypass=true',
  'oauth=enabled',
  'author=someone',
  'PWD=/home/me/project',
  'pwd: /Users/me',
  'cd "$(pwd)"',
  'auth: none',
  'Error: auth: failed to connect',
  'a basic understanding of auth',
  'authorization: required for this endpoint',
  'the cookie: a small file',
];

const AFTER = ['', '_', '-', '.', '"', ' tail'];

describe('the secrets catalogue: one table for the detector, the redactor and the console', () => {
  it('names every kind once', () => {
    const ids = SECRET_KINDS.map((k) => k.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  describe.each(FORMS)('$name', ({ text, secret }) => {
    it.each(AFTER)('is flagged and masked everywhere when followed by %j', (after) => {
      const s = `x ${text}${after}`;
      expect(findSecret(s)).not.toBeNull();
      expect(secretValues.detect(s)).not.toBeNull();
      expect(maskSecrets(s)).not.toContain(secret);
      expect(JSON.stringify(redact({ v: s }))).not.toContain(secret);
      const shown = consoleMask(s);
      expect(shown).not.toContain(secret);
      expect(shown).toContain(MASK);
    });
  });

  it.each(QUIET)('leaves %j alone', (text) => {
    expect(findSecret(text)).toBeNull();
    expect(maskSecrets(text)).toBe(text);
    expect(consoleMask(text)).toBe(text);
  });

  it('flags only what it masks: one character short of a form is neither', () => {
    for (const t of ['sk_live_4eC39HqLy', 'gk_agent_k8k8k8k', `ghp_${'a'.repeat(19)}`, 'AKIAIOSFODNN7EXAMP']) {
      expect(findSecret(t), t).toBeNull();
      expect(maskSecrets(t), t).toBe(t);
    }
  });

  it('masks secret object keys and the values of secret-named keys', () => {
    const out = JSON.stringify(
      redact({ [`ghp_${'z'.repeat(30)}`]: 1, password: 'hunter22', nested: { Authorization: 'Basic dXNlcjpwYXNz' } }),
    );
    expect(out).not.toContain('z'.repeat(30));
    expect(out).not.toContain('hunter22');
    expect(out).not.toContain('dXNlcjpwYXNz');
  });

  it('masks the values of the other secret-named keys, and of `auth` and `pwd` when they can be secrets', () => {
    const out = redact({
      db_pass: 'dbpw',
      pass: 'Passw0rd',
      passphrase: 'Phr4se',
      DB_PWD: 'pw-1',
      Cookie: 'sid=1',
      'set-cookie': ['sid=2; Path=/'],
      'Proxy-Authorization': 'Basic cHJveHk6cHc=',
      'x-api-key': 'xkey',
      auth: 'authTok3n',
      basic: { auth: ['alice', 'Al1cePw'] },
      env: { PWD: '/home/me/project', pwd: 'Hunter2x' },
      // Not secrets: a path, a setting, a count, a structure, and words that only end in `pass`.
      settings: { auth: 'none', pwd: '/Users/me', pass: 12, bypass: 'proxy', compass: 'north', passport: 'local' },
      results: { pass: ['test_login', 'test_logout'], fail: [] },
      config: { auth: { type: 'oauth' } },
    });
    const text = JSON.stringify(out);
    for (const s of ['dbpw', 'Passw0rd', 'Phr4se', 'pw-1', 'sid=1', 'sid=2', 'cHJveHk6cHc=', 'xkey', 'authTok3n', 'Al1cePw', 'Hunter2x'])
      expect(text).not.toContain(s);
    expect(out).toMatchObject({
      env: { PWD: '/home/me/project' },
      settings: { auth: 'none', pwd: '/Users/me', pass: 12, bypass: 'proxy', compass: 'north', passport: 'local' },
      results: { pass: ['test_login', 'test_logout'] },
      config: { auth: { type: 'oauth' } },
    });
  });

  it('masks a number or a list held by a secret-named key, and walks an object it holds', () => {
    const out = redact({
      password: 987654321987,
      api_key: ['plain-secret-in-a-list', 42],
      credentials: { user: 'bob', password: 4242424242 },
      use_token: true,
      secret: null,
      access_key: '',
      // An MCP tool's schema: the argument named `token` is described, not a secret.
      properties: { token: { type: 'string', description: 'the access token' } },
    });
    const text = JSON.stringify(out);
    for (const s of ['987654321987', 'plain-secret-in-a-list', '4242424242']) expect(text).not.toContain(s);
    // What cannot hold a secret is left as sent.
    expect(out).toMatchObject({
      use_token: true,
      secret: null,
      access_key: '',
      credentials: { user: 'bob' },
      properties: { token: { type: 'string', description: 'the access token' } },
    });
  });

  it('runs in linear time: 1 MiB of adversarial text per kind stays well under a second', () => {
    const inputs = [
      'sk-'.repeat(350_000),
      'ghp_'.repeat(260_000),
      'x://a:'.repeat(175_000),
      'password='.repeat(116_000),
      'a/'.repeat(520_000),
      'Bearer '.repeat(150_000),
      'eyJ.'.repeat(260_000),
      '-----BEGIN PRIVATE KEY-----'.repeat(38_000),
      `${'A'.repeat(39)}/`.repeat(26_000),
      // The kinds read from a client's name on: names everywhere, words up to the limits.
      'mysql '.repeat(175_000),
      'mysql\t'.repeat(175_000),
      'mysql -u '.repeat(116_000),
      'mysql -u root -p mydb '.repeat(48_000),
      `mysql ${'w'.repeat(256)} `.repeat(4_000),
      'sshpass -p'.repeat(105_000),
      'redis-cli -a '.repeat(80_000),
      'mongosh -p '.repeat(95_000),
      'curl '.repeat(210_000),
      'curl -u a:'.repeat(105_000),
      'curl -u '.repeat(130_000),
      // Flags, weak keys and cookies.
      '--password '.repeat(95_000),
      '--aaaaaaaaaaaaaaaa-'.repeat(55_000),
      '--no-'.repeat(210_000),
      'pass='.repeat(210_000),
      'auth: '.repeat(175_000),
      'Authorization: Basic '.repeat(50_000),
      'auth: abcdefghijklmnopqrst '.repeat(45_000),
      'pwd=/'.repeat(210_000),
      'Set-Cookie: '.repeat(87_000),
      `cookie: ${'a'.repeat(1 << 20)}`,
    ];
    for (const s of inputs) {
      const t = performance.now();
      findSecret(s);
      maskSecrets(s);
      // A catastrophic pattern takes minutes here; a linear one tens of milliseconds (shared machine).
      expect(performance.now() - t, s.slice(0, 12)).toBeLessThan(1_000);
    }
  });
});

let t: TestCore | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

// Bodies with 64 KiB of text or more are scanned on the secrets thread (services/secret-scans.ts):
// the same masks, from the scans it sends back.
describe.each([
  ['small bodies, scanned on the main thread', 0],
  ['big bodies, scanned on the secrets thread', 70_000],
])('secrets never stored or sent in clear (every field, every way out): %s', (_, pad) => {
  it('masks them in status bodies, lists, approvals, exports, events and the files on disk', async () => {
    t = await openTestCore();
    const padding = pad > 0 ? { padding: ' '.repeat(pad) } : {};
    const events: EventEnvelope[] = [];
    t.g.bus.subscribe((e) => events.push(e));
    await t.json('POST', '/api/v1/policies', { body: { id: 'hold', effect: 'require_approval', when: { action_type: 'x.hold' } } });
    const S = {
      key: `ghp_${'K'.repeat(30)}`,
      tool: 'sk_live_T00lSecret1',
      target: 'postgres://u:TargetPass9@db/prod',
      session: `gk_agent_${'S'.repeat(12)}`,
      idem: `sk_live_${'I'.repeat(20)}`,
      param: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      comment: 'xoxb-1234567890-commentsecret',
      error: 'mysql://root:ErrPassw0rd@db/x',
      env: `AKIA${'E'.repeat(16)}`,
      // Secrets in free text that only the flag, client, key-name and cookie kinds find.
      flagPw: 'FlagPassw0rd7',
      sshPw: 'SshpassPw77',
      curlPw: 'CurlUserPw77',
      cookie: 'CookieSid777',
      basic: 'YWxpY2U6c2VjcmV0Nzc3',
      pwdKey: 'PwdKeyValue77',
    };
    const allowed = await t.json<{ action_id: string; risk: { factors: { id: string }[] } }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: {
        agent_id: 'leaky',
        action_type: 'x.run',
        tool_name: S.tool,
        target_system: S.target,
        session_id: S.session,
        environment: S.env,
        idempotency_key: S.idem,
        parameters: {
          [S.key]: { v: S.param },
          command: `sshpass -p ${S.sshPw} ssh deploy@host`,
          headers: { 'X-Trace': `Authorization: Basic ${S.basic}` },
          db: { pwd: S.pwdKey },
          ...padding,
        },
      },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.body.risk.factors.map((f) => f.id)).toContain('secrets');
    await t.json('POST', `/api/v1/actions/${allowed.body.action_id}/complete`, {
      key: t.agentKey,
      body: {
        status: 'failure',
        error: `${S.error}; retried: mysql --password ${S.flagPw} -u root`,
        result: { log: `< Set-Cookie: sid=${S.cookie}; Path=/`, ...padding },
      },
    });
    expect(t.g.secretScans.threadStarted).toBe(pad > 0);
    const held = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: 'leaky', action_type: 'x.hold', resource: S.param },
    });
    await t.json('POST', `/api/v1/approvals/${held.body.action_id}/deny`, {
      body: { comment: `${S.comment}; it ran curl -u bob:${S.curlPw}` },
    });

    const outputs = [
      await (await t.req('GET', `/api/v1/actions/${allowed.body.action_id}/status`)).text(),
      await (await t.req('GET', `/api/v1/actions/${held.body.action_id}/status`)).text(),
      await (await t.req('GET', '/api/v1/actions')).text(),
      await (await t.req('GET', '/api/v1/approvals?status=rejected')).text(),
      await (await t.req('GET', '/api/v1/audit')).text(),
      await (await t.req('GET', '/api/v1/audit/export?format=jsonl')).text(),
      await (await t.req('GET', '/api/v1/audit/export?format=csv')).text(),
      JSON.stringify(events),
    ];
    // Every acknowledged write is already on disk (gatehouse.sqlite and its WAL), so the files are read as they are.
    const onDisk = filesUnder(t.dataDir)
      .filter((f) => !f.endsWith('credentials.json'))
      .map((f) => readFileSync(f).toString('latin1'));
    for (const [name, secret] of Object.entries(S)) {
      for (const [i, out] of [...outputs, ...onDisk].entries()) expect(out, `${name} in output ${i}`).not.toContain(secret);
    }
  });
});
