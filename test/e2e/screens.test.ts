import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, login, nav, shot, startGatehouse, waitLive, type Browser, type Server } from './helpers/gatehouse.js';

let s: Server;
let b: Browser;

beforeAll(async () => {
  s = await startGatehouse();
  b = await launchBrowser();
});
afterAll(async () => {
  await b?.close();
  await s?.stop();
});

describe('login and screens', () => {
  it('the API answers 401 without a key or session', async () => {
    for (const path of ['/api/v1/approvals?status=pending', '/api/v1/audit', '/api/v1/policies', '/api/v1/settings']) {
      const r = await s.api('GET', path, undefined, null);
      expect(r.status, path).toBe(401);
    }
    const res = await fetch(`${s.url}/api/v1/events`);
    expect(res.status).toBe(401);
    await res.body?.cancel();
  });

  it('without a session the console explains how to get a login link', async () => {
    const p = b.page;
    await p.goto(`${s.url}/`);
    await p.getByText('Sign in with a login link').waitFor();
    await expect(p.getByText('gatehouse open', { exact: true }).first().isVisible()).resolves.toBe(true);
    await shot(p, '01-login');
  });

  it('a login link works once; reusing it says the link was already used', async () => {
    const p = b.page;
    const link = await s.newLoginUrl();
    await p.goto(link);
    await p.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(new URL(p.url()).pathname).toBe('/approvals');
    // A second browser profile trying the same link.
    const other = await launchBrowser();
    try {
      await other.page.goto(link);
      await other.page.getByText('This login link was already used.').waitFor();
      expect(other.page.url()).not.toContain('login=expired'); // the console cleans the URL after reading it
      await shot(other.page, '02-login-expired');
    } finally {
      await other.close();
    }
  });

  it('navigation reaches every screen, with empty states that teach the next step', async () => {
    const p = b.page;
    await login(p, s);
    await waitLive(p);
    await p.getByRole('heading', { name: 'Nothing is waiting for you' }).waitFor();
    await shot(p, '03-approvals-empty');

    await nav(p, 'Activity');
    expect(new URL(p.url()).pathname).toBe('/activity');
    await p.getByRole('heading', { name: 'No actions yet' }).waitFor();
    await p.getByRole('radio', { name: 'Raw events' }).click();
    await p.getByRole('table', { name: 'Audit records' }).waitFor();
    await p.locator('.vbody .vrow').first().waitFor(); // server.started and the default policy import are logged
    await shot(p, '04-activity');

    await nav(p, 'Policies');
    await p.locator('tr[data-policy-id="prod-db-delete"]').waitFor();
    await shot(p, '05-policies');

    await nav(p, 'Agents');
    await p.getByRole('heading', { name: 'No agents have checked in yet' }).waitFor();
    await shot(p, '06-agents-empty');

    await nav(p, 'MCP servers');
    expect(new URL(p.url()).pathname).toBe('/mcp');
    await p.getByRole('heading', { name: 'No MCP servers yet' }).waitFor();
    await shot(p, '07-mcp-empty');

    await nav(p, 'Dashboard');
    await p.getByText('Approval latency').waitFor();
    await shot(p, '08-dashboard-empty');

    await nav(p, 'Settings');
    await p.getByRole('heading', { name: 'Risk thresholds' }).waitFor();
    await shot(p, '09-settings');
    await p.getByRole('tab', { name: 'API keys' }).click();
    await p.getByRole('heading', { name: 'Create a key' }).waitFor();
    await shot(p, '10-settings-keys');
    await p.getByRole('tab', { name: 'Webhooks' }).click();
    await p.getByRole('heading', { name: 'Add a webhook' }).waitFor();
    await shot(p, '11-settings-webhooks');
    await p.getByRole('tab', { name: 'Integrations' }).click();
    await p.getByRole('heading', { name: 'Claude Code' }).waitFor();
    await shot(p, '12-settings-integrations');

    // The back button walks the History API entries.
    await p.goBack();
    // (Settings tabs replace their entry, so one step back is the dashboard.)
    await p.locator('.header h1', { hasText: 'Dashboard' }).waitFor();
    expect(new URL(p.url()).pathname).toBe('/dashboard');
  });

  it('settings save: thresholds change and are reflected by the API', async () => {
    const p = b.page;
    await login(p, s, '/settings');
    await p.getByLabel('Require approval at').fill('65');
    await p.getByRole('button', { name: 'Save settings' }).click();
    await p.getByText('Settings saved').waitFor();
    const r = await s.api<{ require_approval_at: number }>('GET', '/api/v1/settings');
    expect(r.body.require_approval_at).toBe(65);
    // Invalid values are refused before they reach the server.
    await p.getByLabel('Allow below').fill('90');
    await p.getByText('Must not be above "require approval at"').waitFor();
    await expect(p.getByRole('button', { name: 'Save settings' }).isDisabled()).resolves.toBe(true);
  });

  it('an API key is shown once and can be revoked', async () => {
    const p = b.page;
    await login(p, s, '/settings?tab=keys');
    await p.getByLabel('Name', { exact: true }).fill('e2e-runner');
    await p.getByRole('button', { name: 'Create key' }).click();
    const secret = (await p.getByTestId('new-key-secret').textContent())?.trim() ?? '';
    expect(secret).toMatch(/^gk_agent_/);
    await p.getByRole('button', { name: 'I have stored it' }).click();
    const ok = await s.api('GET', '/api/v1/actions', undefined, secret);
    expect(ok.status).toBe(200);
    await p
      .getByRole('row', { name: /e2e-runner/ })
      .getByRole('button', { name: 'Revoke' })
      .click();
    await p.getByRole('alertdialog').getByRole('button', { name: 'Revoke key' }).click();
    await p.getByText('Revoked key e2e-runner').waitFor();
    const refused = await s.api('GET', '/api/v1/actions', undefined, secret);
    expect(refused.status).toBe(401);
    // The default admin key offers no Revoke: the CLI and the console's login link use it.
    const own = p.getByRole('row', { name: /default admin key/ });
    await own.getByText('used by the CLI').waitFor();
    expect(await own.getByRole('button', { name: 'Revoke' }).count()).toBe(0);
  });
  // Dark mode and large screens are asserted (contrast, layout) in visual.test.ts.
});
