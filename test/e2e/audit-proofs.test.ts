// Issue 18 in the console: a record's inclusion proof verified in the browser (WebCrypto) against
// the latest signed checkpoint, and the Settings panels for sinks, retention and the checkpoint key.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, login, shot, startGatehouse, type Browser, type Server } from './helpers/gatehouse.js';

let s: Server;
let b: Browser;
let sinkDir: string;

beforeAll(async () => {
  s = await startGatehouse();
  b = await launchBrowser();
  sinkDir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-sink-'));
  for (const resource of ['src/a.ts', 'src/b.ts', 'src/c.ts']) {
    expect(
      (await s.api('POST', '/api/v1/actions/submit', { agent_id: 'claude-code', action_type: 'file.read', resource }, s.agentKey)).status,
    ).toBe(200);
  }
  // A clean stop signs a checkpoint covering everything so far.
  await s.restart();
}, 300_000);
afterAll(async () => {
  await b?.close();
  await s?.stop();
  rmSync(sinkDir, { recursive: true, force: true });
});

describe('audit proofs in the console (SPEC 7.6, 7.8)', () => {
  it("the drawer verifies a record's inclusion proof in the browser", async () => {
    const p = b.page;
    await login(p, s, '/activity?view=events');
    await p.locator('.vbody .vrow', { hasText: 'action.decided' }).first().click();
    const drawer = p.getByRole('dialog');
    const section = drawer.getByRole('region', { name: 'Inclusion proof' });
    await section.getByText(/Latest checkpoint: \d+ records/).waitFor();
    await section.getByRole('button', { name: /Verify the inclusion proof of record/ }).click();
    await section.locator('.pill', { hasText: 'verified' }).waitFor();
    await expect(section.getByRole('status').textContent()).resolves.toMatch(
      /Leaf = SHA-256\(0x00 ‖ record hash\) ✓ · path of \d+ hashes leads to the signed root ✓/,
    );
    await shot(p, '60-activity-inclusion-proof');
    await p.keyboard.press('Escape');
  });

  it('Verify checks the chain and the latest signed checkpoint, here in the browser (SPEC 10: chain and checkpoint verification)', async () => {
    const p = b.page;
    await login(p, s, '/activity');
    const cp = await fetch(`${s.url}/api/v1/audit/checkpoint`, { headers: { 'x-api-key': s.adminKey } }).then((r) => r.text());
    const size = Number(cp.split('\n')[1]);
    await p.getByRole('button', { name: 'Verify chain' }).click();
    const banner = p.locator('.verify-result');
    await banner.getByText('The hash chain verifies.').waitFor();
    await expect(banner.getByTestId('checkpoint-check').textContent()).resolves.toMatch(
      new RegExp(
        `Latest signed checkpoint \\(${size} records, key [0-9a-f]{8}\\): its Ed25519 signature verifies ✓; record #${size} is a leaf of its signed root ✓`,
      ),
    );
    await shot(p, '61-activity-verify-checkpoint');
    await banner.getByRole('button', { name: 'Dismiss' }).click();
  });

  it('Settings: add a sink and see it catch up; set retention; see the checkpoint key', async () => {
    const p = b.page;
    await login(p, s, '/settings?tab=sinks');
    await p.getByLabel('Type').selectOption('file');
    await p.getByLabel('File (absolute path)').fill(join(sinkDir, 'audit.jsonl'));
    await p.getByRole('button', { name: 'Add sink' }).click();
    const card = p.locator('[data-sink="file"]');
    await card.waitFor();
    await expect
      .poll(
        async () => {
          await card.getByRole('button', { name: 'Refresh' }).click();
          return card.textContent();
        },
        { timeout: 15_000 },
      )
      .toMatch(/lag 0/);
    await shot(p, '61-settings-sinks');

    await p.getByRole('tab', { name: 'Audit log' }).click();
    const key = (await s.api<{ key_id: string }>('GET', '/api/v1/audit/public-key')).body.key_id;
    await p.getByText(key, { exact: true }).waitFor();
    await p.getByLabel('Archive records older than').check();
    await p.getByLabel('retention_days').fill('90');
    await p.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await s.api<{ retention_days: number | null }>('GET', '/api/v1/settings')).body.retention_days).toBe(90);
    await shot(p, '62-settings-audit-log');
  });
});
