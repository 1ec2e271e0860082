import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision, PolicyView } from '../../src-shared/index.js';
import { FORCE_PUSH, launchBrowser, login, shot, startGatehouse, type Browser, type Server } from './helpers/gatehouse.js';

let s: Server;
let b: Browser;

const PUBLISH = {
  agent_id: 'release-bot',
  action_type: 'shell.exec',
  resource: 'npm publish --tag latest',
  parameters: { command: 'npm publish --tag latest' },
};
const submit = async (body: object) => (await s.api<Decision>('POST', '/api/v1/actions/submit', body, s.agentKey)).body;

beforeAll(async () => {
  s = await startGatehouse();
  b = await launchBrowser();
  await login(b.page, s, '/policies');
  await b.page.locator('tr[data-policy-id="prod-db-delete"]').waitFor();
});
afterAll(async () => {
  await b?.close();
  await s?.stop();
});

describe('policies', () => {
  it('a policy written in the editor (validated as you type) decides the next action', async () => {
    const p = b.page;
    expect((await submit(PUBLISH)).decision).toBe('allowed'); // medium risk, no policy: allowed with a flag

    await p.getByRole('button', { name: 'New policy' }).click();
    const editor = p.getByRole('dialog', { name: 'New policy' });
    // Empty, not wrong: no field is marked before anything is typed, and Create waits for a name.
    await editor.getByText('Give the policy a name and an id.').waitFor();
    expect(await editor.locator('[aria-invalid="true"]').count()).toBe(0);
    await expect(editor.getByRole('button', { name: 'Create policy' }).isDisabled()).resolves.toBe(true);
    await editor.getByLabel('Name').fill('Deny npm publish');
    await expect(editor.getByLabel('Id').inputValue()).resolves.toBe('deny-npm-publish');
    await editor.getByLabel('Id').fill('Bad Id!');
    await editor.getByText('must match [a-z0-9][a-z0-9._-]{0,63}').waitFor();
    await expect(editor.getByRole('button', { name: 'Create policy' }).isDisabled()).resolves.toBe(true);
    await editor.getByLabel('Id').fill('deny-npm-publish');
    await editor.getByRole('radio', { name: 'Deny' }).click();
    await editor.getByLabel('Priority').fill('600');
    await editor.getByLabel('Action type').fill('shell.exec');
    await editor.getByLabel('Resource').fill('npm publish*');
    await editor.getByText('Valid.').waitFor();
    await shot(p, '40-policy-editor');
    await editor.getByRole('button', { name: 'Create policy' }).click();
    await p.getByText('Created policy deny-npm-publish').waitFor();
    await p.locator('tr[data-policy-id="deny-npm-publish"]').waitFor();

    const denied = await submit(PUBLISH);
    expect(denied.decision).toBe('denied');
    expect(denied.policy?.id).toBe('deny-npm-publish');

    // Edit it: allow instead.
    await p.getByRole('button', { name: 'Edit deny-npm-publish' }).click();
    const edit = p.getByRole('dialog', { name: 'Edit deny-npm-publish' });
    await edit.getByRole('radio', { name: 'Allow' }).click();
    await edit.getByText('Valid.').waitFor();
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await p.getByText('Saved policy deny-npm-publish').waitFor();
    const allowed = await submit(PUBLISH);
    expect(allowed.decision).toBe('allowed');
    expect(allowed.policy?.id).toBe('deny-npm-publish');
  });

  it('the YAML tab shows the server compiler errors (a bad regex) next to the draft', async () => {
    const p = b.page;
    await p.getByRole('button', { name: 'New policy' }).click();
    const editor = p.getByRole('dialog', { name: 'New policy' });
    await editor.getByRole('tab', { name: 'YAML / JSON' }).click();
    await editor.getByLabel('Policy as YAML').fill('id: bad-regex\nname: Bad regex\neffect: deny\nwhen:\n  resource: { regex: "([" }\n');
    await editor.locator('.issue-list', { hasText: 'when.resource' }).waitFor();
    await expect(editor.getByRole('button', { name: 'Create policy' }).isDisabled()).resolves.toBe(true);
    await shot(p, '41-policy-yaml-error');
    await editor.getByLabel('Policy as YAML').fill('id: bad-regex\nname: Fine regex\neffect: deny\nwhen:\n  resource: { regex: "^rm " }\n');
    await editor.getByText('Valid.').waitFor();
    await editor.getByRole('button', { name: 'Cancel' }).click();
    await editor.waitFor({ state: 'detached' });
  });

  it('the enable toggle turns a policy off through the API', async () => {
    const p = b.page;
    const row = p.locator('tr[data-policy-id="deny-npm-publish"]');
    await row.getByRole('switch').click();
    await expect.poll(async () => (await s.api<PolicyView>('GET', '/api/v1/policies/deny-npm-publish')).body.enabled).toBe(false);
    await expect(row.getAttribute('class')).resolves.toContain('disabled');
    await row.getByRole('switch').click();
    await expect.poll(async () => (await s.api<PolicyView>('GET', '/api/v1/policies/deny-npm-publish')).body.enabled).toBe(true);
  });

  it('"Test an action" shows the decision, the risk factors and the trace', async () => {
    const p = b.page;
    const panel = p.locator('section.panel', { hasText: 'Test an action' });
    await panel.getByRole('button', { name: 'rm -rf' }).click();
    await panel.getByRole('button', { name: 'Test', exact: true }).click();
    const result = panel.locator('.test-result');
    await result.locator('.pill', { hasText: 'pending' }).first().waitFor();
    await result.getByText('dangerous-shell-needs-approval').first().waitFor();
    await panel.locator('.test-trace tr.decided').waitFor();
    await result.locator('.factor-id', { hasText: 'dangerous-shell' }).waitFor();
    await panel.scrollIntoViewIfNeeded();
    await shot(p, '42-policy-test');
  });

  it('a draft can be simulated against recent history', async () => {
    const p = b.page;
    await p.getByRole('button', { name: 'New policy' }).click();
    const editor = p.getByRole('dialog', { name: 'New policy' });
    await editor.getByLabel('Name').fill('Deny all shell');
    await editor.getByRole('radio', { name: 'Deny' }).click();
    await editor.getByLabel('Priority').fill('990');
    await editor.getByLabel('Action type').fill('shell.*');
    await editor.getByText('Valid.').waitFor();
    await editor.getByRole('tab', { name: 'Simulate' }).click();
    await editor.getByRole('button', { name: 'Simulate against recent history' }).click();
    await editor.getByText(/would be decided differently/).waitFor();
    await expect(editor.locator('table tbody tr').count()).resolves.toBeGreaterThanOrEqual(2);
    // Current set against current set + draft: each changed row names the policy deciding it now.
    await editor.getByRole('columnheader', { name: 'Current set' }).waitFor();
    await editor.getByRole('columnheader', { name: 'With draft' }).waitFor();
    await shot(p, '43-policy-simulate');
    await editor.getByRole('button', { name: 'Cancel' }).click();
    expect((await s.api('GET', '/api/v1/policies/deny-all-shell')).status).toBe(404); // nothing was saved
  });

  it('import a YAML file and export the set', async () => {
    const p = b.page;
    const file = join(b.downloads, 'team-policies.yaml');
    writeFileSync(
      file,
      'version: 1\npolicies:\n  - id: deny-drop-table\n    name: Never drop tables\n    effect: deny\n    priority: 700\n    when:\n      parameters.sql: { contains: DROP TABLE }\n',
    );
    await p.getByTestId('policy-import-file').setInputFiles(file);
    await p.getByText('Imported 1 policy from team-policies.yaml').waitFor();
    await p.locator('tr[data-policy-id="deny-drop-table"]').waitFor();

    const [download] = await Promise.all([p.waitForEvent('download'), p.getByRole('button', { name: 'Export YAML' }).click()]);
    expect(download.suggestedFilename()).toBe('policies.yaml');
    const out = join(b.downloads, 'exported.yaml');
    await download.saveAs(out);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('deny-drop-table');
    expect(text).toContain('version: 1');
  });

  it('suggests an allow policy after three identical approvals, created in one click', async () => {
    const p = b.page;
    for (let i = 0; i < 3; i++) {
      const d = await submit(FORCE_PUSH);
      expect(d.decision).toBe('pending');
      expect((await s.api('POST', `/api/v1/approvals/${d.action_id}/approve`, { remember: 'once' })).status).toBe(200);
    }
    await p.reload();
    const suggestion = p.locator('.suggestion', { hasText: 'You approved' });
    await suggestion.waitFor();
    await expect(suggestion.textContent()).resolves.toMatch(/shell\.exec.*git push --force origin main.*claude-code.*3 times/);
    await shot(p, '44-policy-suggestion');
    await suggestion.getByRole('button', { name: 'Always allow' }).click();
    await p.getByText(/^Created policy always-allow-/).waitFor();
    const next = await submit(FORCE_PUSH);
    expect(next.decision).toBe('allowed');
    expect(next.policy?.id).toMatch(/^always-allow-/);
  });

  it('the form shows nested any / all / not conditions in words; the code editor marks problems on their line as you type', async () => {
    const p = b.page;
    const nested = {
      id: 'nested-release-rules',
      name: 'Release rules',
      priority: 300,
      effect: 'require_approval',
      when: {
        action_type: 'shell.exec',
        any: [{ resource: { regex: '^git push' } }, { all: [{ 'risk.score': { gte: 70 } }, { not: { agent_id: { in: ['ci-bot'] } } }] }],
      },
    };
    expect((await s.api('POST', '/api/v1/policies', nested)).status).toBe(201);
    await p.reload();
    await p.getByRole('button', { name: 'Edit nested-release-rules' }).click();
    const edit = p.getByRole('dialog', { name: 'Edit nested-release-rules' });
    const more = edit.getByTestId('rich-conditions');
    await expect(more.textContent()).resolves.toMatch(
      /any of.*resource\s*matches the regex\s*\^git push.*all of.*risk\.score\s*is at least\s*70.*not.*agent_id\s*is any of\s*ci-bot/s,
    );
    await expect(edit.getByText('matches every action').count()).resolves.toBe(0);
    await more.scrollIntoViewIfNeeded();
    await shot(p, '45-policy-nested-conditions');

    await more.getByRole('button', { name: 'Edit in YAML / JSON' }).click();
    const code = edit.getByLabel('Policy as YAML');
    await code.waitFor();
    await expect(edit.locator('.cm-editor .tok-propertyName, .cm-editor .cm-line span').count()).resolves.toBeGreaterThan(5); // highlighted
    // A bad regex on line 5: the server's compiler error lands on that line, marked in the editor.
    await code.fill('id: nested-release-rules\nname: Release rules\neffect: deny\nwhen:\n  resource: { regex: "([" }\n');
    const line5 = edit.locator('.cm-content .cm-line').nth(4);
    await line5.locator('.cm-lintRange-error').waitFor();
    await expect(edit.locator('.cm-content .cm-line').nth(2).locator('.cm-lintRange-error').count()).resolves.toBe(0);
    await shot(p, '46-policy-code-error-on-line');
    // Broken YAML on line 3 is marked there while typing, and clears once fixed.
    await code.fill('id: nested-release-rules\nname: Release rules\neffect: [deny\n');
    await edit.locator('.cm-content .cm-line').nth(2).locator('.cm-lintRange-error').waitFor();
    await code.fill('id: nested-release-rules\nname: Release rules\neffect: deny\nwhen:\n  resource: { regex: "^rm " }\n');
    await edit.getByText('Valid.').waitFor();
    await expect(edit.locator('.cm-lintRange-error').count()).resolves.toBe(0);
    await edit.getByRole('button', { name: 'Cancel' }).click();
    await edit.waitFor({ state: 'detached' });
  });
});
