import { statSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, ensureBuilt, startServerProcess, stopServerProcess, type ServerProc } from '../reliability/server-process.js';

const SECRETS = {
  aws: 'AKIAIOSFODNN7EXAMPLE',
  github: 'ghp_1234567890abcdefghijklmnopqrstuvwxyzAB',
  slack: 'xoxb-123456789012-abcdefghijklmnop',
  openai: 'sk-proj-abcdefghijklmnopqrstuvwxyz123456',
  pem: '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAuY0secretmaterial\n-----END RSA PRIVATE KEY-----',
};

let s: ServerProc;
beforeAll(async () => {
  ensureBuilt();
  s = await startServerProcess();
});
afterAll(() => stopServerProcess(s));

describe('files on disk', () => {
  it('keeps the data directory 0700 and credentials.json 0600', () => {
    expect(statSync(s.dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(s.dataDir, 'credentials.json')).mode & 0o777).toBe(0o600);
    // The database, its full-text index and their WALs (SQLite gives a WAL its database file's mode).
    for (const f of ['gatehouse.sqlite', 'gatehouse.sqlite-wal', 'gatehouse-fts.sqlite', 'gatehouse-fts.sqlite-wal'])
      expect(statSync(join(s.dataDir, f)).mode & 0o077, f).toBe(0);
  });
});

describe('secrets are never written in clear', () => {
  it('masks secrets found in parameters, resources and results in the audit log, and never logs keys', async () => {
    const d = await api<{ action_id: string; risk: { factors: { id: string }[] } }>(s, 'POST', '/api/v1/actions/submit', s.agentKey, {
      agent_id: 'leaky',
      action_type: 'http.request',
      resource: `https://api.example.com/?token=${SECRETS.github}`,
      description: `uses ${SECRETS.slack}`,
      parameters: {
        headers: { Authorization: `Bearer ${SECRETS.openai}` },
        body: { aws_key: SECRETS.aws, nested: [{ pem: SECRETS.pem }] },
      },
    });
    expect(d.status).toBe(200);
    expect(d.body.risk.factors.map((f) => f.id)).toContain('secrets');
    await api(s, 'POST', `/api/v1/actions/${d.body.action_id}/complete`, s.agentKey, {
      status: 'success',
      result: { echoed: SECRETS.aws },
    });
    const k = await api<{ key: string }>(s, 'POST', '/api/v1/keys', s.adminKey, { name: 'new', scope: 'agent' });

    const exported = await (await fetch(`${s.url}/api/v1/audit/export?format=jsonl`, { headers: { 'X-API-Key': s.adminKey } })).text();
    const status = JSON.stringify((await api(s, 'GET', `/api/v1/actions/${d.body.action_id}/status`, s.adminKey)).body);
    // Every file of the data dir while it runs (the database and its WAL), and after a clean stop.
    const files = () =>
      readdirSync(s.dataDir)
        .filter((f) => f.startsWith('gatehouse.sqlite'))
        .map((f) => readFileSync(join(s.dataDir, f)).toString('latin1'))
        .join('');
    const journal = files();
    await stopServerProcess(s);
    const snapshot = files();
    for (const [name, secret] of Object.entries({ ...SECRETS, pem: 'MIIEowIBAAKCAQEAuY0secretmaterial' })) {
      expect(exported, name).not.toContain(secret);
      expect(status, name).not.toContain(secret);
      expect(journal, name).not.toContain(secret);
      expect(snapshot, name).not.toContain(secret);
    }
    for (const key of [s.adminKey, s.agentKey, k.body.key]) {
      expect(exported).not.toContain(key);
      expect(journal).not.toContain(key);
      expect(s.output()).not.toContain(key);
    }
    s = await startServerProcess(s.dataDir);
  });
});
