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

describe('secrets never stored or sent in clear (every field, every way out)', () => {
  it('masks them in status bodies, lists, approvals, exports, events and the files on disk', async () => {
    t = await openTestCore();
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
        parameters: { [S.key]: { v: S.param } },
      },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.body.risk.factors.map((f) => f.id)).toContain('secrets');
    await t.json('POST', `/api/v1/actions/${allowed.body.action_id}/complete`, {
      key: t.agentKey,
      body: { status: 'failure', error: S.error },
    });
    const held = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: 'leaky', action_type: 'x.hold', resource: S.param },
    });
    await t.json('POST', `/api/v1/approvals/${held.body.action_id}/deny`, { body: { comment: S.comment } });

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
