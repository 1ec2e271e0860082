import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestCore, type TestCore } from '../helpers/core.js';

// credentials.json holds the default keys in plain text; the database only their hashes. A file
// that was lost and written again (with new secrets) must not lock the CLI and the hooks out.
let t: TestCore;
afterAll(() => t?.close());

const creds = (dir: string) => JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')) as { agent_key: string; admin_key: string };
const health = (key: string) => t.json('GET', '/api/v1/actions?limit=1', { key });

describe('a lost credentials.json', () => {
  it('is written again at the next start, and its new default keys work while the old ones stop, both audited', async () => {
    t = await openTestCore();
    const old = creds(t.dataDir);
    expect((await health(old.admin_key)).status).toBe(200);
    rmSync(join(t.dataDir, 'credentials.json'));
    await t.reopen();
    const fresh = creds(t.dataDir);
    expect(fresh.admin_key).not.toBe(old.admin_key);
    expect((await health(fresh.admin_key)).status).toBe(200);
    expect((await health(fresh.agent_key)).status).toBe(200);
    expect((await health(old.admin_key)).status).toBe(401);
    expect((await health(old.agent_key)).status).toBe(401);

    const audit = await t.json<{ items: { type: string; actor: string; data: Record<string, unknown> }[] }>(
      'GET',
      '/api/v1/audit?limit=20',
      {
        key: fresh.admin_key,
      },
    );
    const rotated = audit.body.items.filter((r) => r.type.startsWith('key.') && r.data.reason);
    expect(rotated.map((r) => `${r.type} ${String(r.data.key_id)}`).sort()).toEqual([
      'key.created key_default_admin',
      'key.created key_default_agent',
      'key.revoked key_default_admin',
      'key.revoked key_default_agent',
    ]);
    expect(rotated.every((r) => r.actor === 'system')).toBe(true);
    // Still the default admin key: it approves as the owner.
    const keys = await t.json<{ items: { id: string; approver: string | null; revoked_at: string | null }[] }>('GET', '/api/v1/keys', {
      key: fresh.admin_key,
    });
    expect(keys.body.items.find((k) => k.id === 'key_default_admin')).toMatchObject({ approver: 'owner', revoked_at: null });
  });

  it('a credentials.json holding another key’s secret (copied in by hand) changes nothing', async () => {
    const admin = creds(t.dataDir).admin_key;
    const made = await t.json<{ key: string }>('POST', '/api/v1/keys', { key: admin, body: { scope: 'agent', name: 'ci' } });
    expect(made.status).toBe(201);
    const agent = creds(t.dataDir).agent_key;
    writeFileSync(join(t.dataDir, 'credentials.json'), JSON.stringify({ agent_key: made.body.key, admin_key: admin }));
    await t.reopen();
    for (const key of [admin, made.body.key, agent]) expect((await health(key)).status).toBe(200);
  });

  it('a default key the user revoked stays revoked when the file is written again; the other one takes its new secret', async () => {
    const admin = creds(t.dataDir).admin_key;
    expect((await t.json('DELETE', '/api/v1/keys/key_default_agent', { key: admin })).status).toBe(200);
    rmSync(join(t.dataDir, 'credentials.json'));
    await t.reopen();
    const fresh = creds(t.dataDir);
    expect((await health(fresh.admin_key)).status).toBe(200);
    expect((await health(fresh.agent_key)).status).toBe(401);
    const keys = await t.json<{ items: { id: string; revoked_at: string | null }[] }>('GET', '/api/v1/keys', { key: fresh.admin_key });
    expect(keys.body.items.find((k) => k.id === 'key_default_agent')?.revoked_at).not.toBeNull();
  });

  it('the default admin key cannot be revoked through the API (it would lock the CLI and the console login out): a 409 saying how to renew it', async () => {
    const admin = creds(t.dataDir).admin_key;
    const r = await t.json<{ error: { code: string; message: string } }>('DELETE', '/api/v1/keys/key_default_admin', { key: admin });
    expect(r.status).toBe(409);
    expect(r.body.error.message).toContain('delete credentials.json');
    expect((await health(admin)).status).toBe(200);
  });
});
