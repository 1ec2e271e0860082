import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gatehouse } from '../../src-main/app/gatehouse.js';
import { createApp } from '../../src-main/http/app.js';
import { launchBrowser, login, shot, startGatehouse, type Browser, type Server } from './helpers/gatehouse.js';

// After retention has moved every action to archive/ (SPEC 7.7), the Activity screen must not say
// "No actions yet": it says where they went, and its lists say where they end.

let s: Server;
let b: Browser;
const DAY = 86_400_000;

/** A data dir whose first 40 actions, two months old, retention has archived. */
async function archivedDataDir(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-archived-'));
  const clock = { t: Date.now() - 60 * DAY };
  const now = { now: () => clock.t };
  const g = await Gatehouse.open({ mode: 'headless', dataDir, clock: now, store: { clock: now }, checkpoints: { enabled: false } });
  const app = createApp(g, { getPort: () => 7077, consoleDir: null });
  const creds = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { agent_key: string; admin_key: string };
  const call = (method: string, path: string, body: unknown, key: string) =>
    app.request(`http://127.0.0.1:7077${path}`, {
      method,
      headers: { 'X-API-Key': key, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  for (let i = 0; i < 40; i++) {
    const r = await call(
      'POST',
      '/api/v1/actions/submit',
      { agent_id: 'claude-code', action_type: 'file.read', resource: `src/f${i}.ts` },
      creds.agent_key,
    );
    expect(r.status).toBe(200);
    clock.t += 60_000;
  }
  await g.checkpoints.sign();
  clock.t += 40 * DAY;
  expect((await call('PUT', '/api/v1/settings', { retention_days: 30 }, creds.admin_key)).status).toBe(200);
  expect((await g.retention.run()).archived).toMatchObject({ first: 1 });
  await g.close();
  return dataDir;
}

beforeAll(async () => {
  s = await startGatehouse({ dataDir: await archivedDataDir() });
  b = await launchBrowser();
});
afterAll(async () => {
  await b?.close();
  await s?.stop();
});

describe('activity and settings after retention', () => {
  it('says the actions were archived, where, and how to check them; the event list says where it ends', async () => {
    const archives = await s.api<{ archived_records: number; archives: { file: string; prefix: boolean; checkpoint: boolean }[] }>(
      'GET',
      '/api/v1/audit/archives',
    );
    expect(archives.status).toBe(200);
    const n = archives.body.archived_records;
    expect(n).toBeGreaterThanOrEqual(40);
    expect(archives.body.archives).toEqual([
      expect.objectContaining({ file: `archive/audit-1-${n}.jsonl.gz`, prefix: true, checkpoint: true }),
    ]);
    expect((await s.api('GET', '/api/v1/audit/archives', undefined, s.agentKey)).status).toBe(403);

    const p = b.page;
    await login(p, s, '/activity');
    const empty = p.getByRole('heading', { name: 'No actions in the live log' });
    await empty.waitFor();
    await expect
      .poll(() => p.locator('.empty-state, [class*="empty"]').first().innerText())
      .toContain(`Records 1–${n} were moved to archive/`);
    await shot(p, 'activity-archived');

    await p
      .getByRole('radio', { name: 'Raw events' })
      .or(p.getByRole('button', { name: 'Raw events' }))
      .first()
      .click();
    await expect.poll(() => p.getByTestId('activity-count').innerText()).toContain(`records 1–${n} are archived`);

    // Settings → Audit log lists the archive.
    await login(p, s, '/settings?tab=audit');
    await expect.poll(() => p.getByTestId('archive-list').innerText()).toContain(`archive/audit-1-${n}.jsonl.gz — records 1–${n}`);
    await shot(p, 'settings-audit-archives');
  });
});
