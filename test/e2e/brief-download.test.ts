import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, login, nav, shot, startGatehouse, type Browser, type Server } from './helpers/gatehouse.js';

/** The Dashboard's "Download brief" button (SPEC 13) in the real console, in Chromium. */
let s: Server;
let b: Browser;

beforeAll(async () => {
  s = await startGatehouse();
  b = await launchBrowser();
  for (const type of ['file.read', 'file.read', 'shell.exec'])
    await s.api('POST', '/api/v1/actions/submit', { agent_id: 'e2e-agent', action_type: type, resource: 'x' }, s.agentKey);
});
afterAll(async () => {
  await b?.close();
  await s?.stop();
});

describe('Dashboard → Download brief', () => {
  it('downloads the PDF brief for the window shown (30 days when the dashboard shows 30d, else 7)', async () => {
    const p = b.page;
    await login(p, s, '/dashboard');
    await nav(p, 'Dashboard');
    const button = p.getByRole('button', { name: 'Download brief' });
    await button.waitFor();
    const [download] = await Promise.all([p.waitForEvent('download', { timeout: 60_000 }), button.click()]);
    expect(download.suggestedFilename()).toMatch(/^gatehouse-brief-7d-\d{4}-\d{2}-\d{2}\.pdf$/);
    const file = await download.path();
    expect(readFileSync(file).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await p.getByText(/Executive brief downloaded \(PDF, last 7d\)/).waitFor();
    await shot(p, '54-dashboard-brief');

    await p.getByRole('radio', { name: '30d' }).click();
    await p.waitForURL(/window=30d/);
    const [again] = await Promise.all([p.waitForEvent('download', { timeout: 60_000 }), button.click()]);
    expect(again.suggestedFilename()).toMatch(/^gatehouse-brief-30d-.*\.pdf$/);
  });
});
