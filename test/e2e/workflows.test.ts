import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AbTest, ActionStatus, Decision } from '../../src-shared/index.js';
import { launchBrowser, login, shot, startGatehouse, waitLive, type Browser, type Server } from './helpers/gatehouse.js';

/**
 * SPEC 11 and 12 in the console: the approval detail shows a workflow's steps, who answered and who
 * is still needed, and updates live as approvers answer; Policies lists A/B tests with their
 * per-arm reports and stops one.
 */

let s: Server;
let b: Browser;

beforeAll(async () => {
  s = await startGatehouse();
  b = await launchBrowser({ width: 1400, height: 1000 });
  expect((await s.api('PUT', '/api/v1/settings', { answer_grace_s: 0 })).status).toBe(200);
});
afterAll(async () => {
  await b?.close();
  await s?.stop();
});

const statusOf = async (id: string) => (await s.api<ActionStatus>('GET', `/api/v1/actions/${id}/status`, undefined, s.agentKey)).body;

describe('approval workflow in the console', () => {
  it('shows the steps, who answered and who is still needed; the owner answers the step it is named on', async () => {
    const lead = await s.api<{ key: string }>('POST', '/api/v1/keys', { name: 'Dana', scope: 'admin', approver: 'team-lead' });
    expect(lead.status).toBe(201);
    const wf = await s.api<{ id: string }>('POST', '/api/v1/workflows', {
      name: 'High Value Transaction Workflow',
      steps: [
        { approvers: ['team-lead'], required: 1, timeout_hours: 4 },
        { approvers: ['finance-manager', 'owner'], required: 1, timeout_hours: 24 },
      ],
      escalation: { timeout_action: 'escalate', escalation_approvers: ['vp-finance'] },
    });
    expect(wf.status).toBe(201);
    expect(
      (
        await s.api('POST', '/api/v1/policies', {
          id: 'big-transfers',
          effect: 'require_approval',
          priority: 900,
          when: { action_type: 'payment.transfer' },
          approval: { workflow: wf.body.id },
        })
      ).status,
    ).toBe(201);
    const d = await s.api<Decision>(
      'POST',
      '/api/v1/actions/submit',
      {
        agent_id: 'treasury-bot',
        action_type: 'payment.transfer',
        resource: 'iban://DE89370400440532013000',
        parameters: { amount_eur: 250000 },
      },
      s.agentKey,
    );
    expect(d.body.decision).toBe('pending');

    const p = b.page;
    await login(p, s, '/approvals');
    await waitLive(p);
    const pane = p.getByRole('region', { name: 'Request' });
    const steps = pane.getByTestId('workflow-steps');
    await steps.waitFor();
    await expect(steps.locator('h3').textContent()).resolves.toContain('High Value Transaction Workflow · step 1 of 2');
    const step1 = steps.locator('li[data-step="0"]');
    const step2 = steps.locator('li[data-step="1"]');
    await expect(step1.textContent()).resolves.toContain('Still needed: 1 approval from team-lead');
    await expect(step1.getAttribute('aria-current')).resolves.toBe('step');
    await expect(step2.textContent()).resolves.toContain('waiting');
    // The console answers as owner: step 1 is not its to answer, and it says so.
    await expect(steps.getByRole('note').textContent()).resolves.toContain(
      'This console answers as owner; step 1 is answered by team-lead',
    );
    await shot(p, '70-workflow-step-1');

    // The team lead answers with their own key: the pane updates live.
    const first = await s.api<ActionStatus>('POST', `/api/v1/approvals/${d.body.action_id}/approve`, {}, lead.body.key);
    expect(first.status).toBe(200);
    await steps.locator('h3', { hasText: 'step 2 of 2' }).waitFor();
    await expect(step1.textContent()).resolves.toMatch(/Step 1passed.*Approved by team-lead \(Dana\)/);
    await expect(step2.textContent()).resolves.toContain('Still needed: 1 approval from finance-manager or owner');
    await expect(steps.getByRole('note').count()).resolves.toBe(0);
    await shot(p, '71-workflow-step-2');
    // On a phone's width the steps fit without sideways scrolling.
    await p.setViewportSize({ width: 390, height: 844 });
    await steps.scrollIntoViewIfNeeded();
    await expect(p.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).resolves.toBe(true);
    await shot(p, '71b-workflow-phone');
    await p.setViewportSize({ width: 1400, height: 1000 });

    // The owner is named on step 2: Approve in the console finishes the workflow.
    await p.locator('[role="region"][aria-label="Request"][data-armed="true"]').waitFor();
    await expect(pane.getByRole('button', { name: /^Approve/ }).isDisabled()).resolves.toBe(false);
    await p.keyboard.press('a');
    await expect.poll(async () => (await statusOf(d.body.action_id)).status, { timeout: 10_000 }).toBe('approved');
    const done = await statusOf(d.body.action_id);
    expect(done.workflow!.steps.map((x) => x.approvals.map((a) => a.approver))).toEqual([['team-lead'], ['owner']]);
  });
});

describe('approver names on keys in the console', () => {
  it('Settings → API keys creates an admin key with an approver name and lists it', async () => {
    const p = b.page;
    await login(p, s, '/settings?tab=keys');
    await p.getByLabel('Name', { exact: true }).fill('Priya');
    await p.getByLabel('Scope').selectOption('admin');
    await p.getByLabel('Approver name (optional)').fill('finance-manager');
    await p.getByRole('button', { name: 'Create key' }).click();
    await p.getByText('answers approval workflow steps as finance-manager').waitFor();
    await p.getByRole('button', { name: 'I have stored it' }).click();
    await p.getByRole('cell', { name: 'answers as finance-manager' }).waitFor();
    const keys = await s.api<{ items: { name: string; approver: string | null }[] }>('GET', '/api/v1/keys');
    expect(keys.body.items.find((k) => k.name === 'Priya')!.approver).toBe('finance-manager');
    await shot(p, '73-keys-approver');
  });
});

describe('A/B tests under Policies', () => {
  it('lists a test with its per-arm report (the same numbers as the API) and stops it', async () => {
    expect(
      (await s.api('POST', '/api/v1/policies', { id: 'refunds', effect: 'deny', priority: 800, when: { action_type: 'payment.refund' } }))
        .status,
    ).toBe(201);
    expect(
      (
        await s.api('POST', '/api/v1/policies', {
          id: 'refunds-v2',
          effect: 'allow',
          mode: 'shadow',
          priority: 800,
          when: { action_type: 'payment.refund' },
        })
      ).status,
    ).toBe(201);
    const created = await s.api<AbTest>('POST', '/api/ab-tests', {
      name: 'New Refund Policy Test',
      control_policy: 'refunds',
      test_policy: 'refunds-v2',
      traffic_split: 30,
      duration_days: 7,
    });
    expect(created.status).toBe(201);
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        s.api<Decision>(
          'POST',
          '/api/v1/actions/submit',
          { agent_id: 'support-bot', action_type: 'payment.refund', resource: `order/${i}` },
          s.agentKey,
        ),
      ),
    );
    const allowed = results.filter((r) => r.body.decision === 'allowed').length;
    const report = (await s.api<AbTest>('GET', `/api/ab-tests/${created.body.id}`)).body;
    expect(report.arms.test.actions).toBe(allowed);
    expect(report.arms.control.actions).toBe(60 - allowed);

    const p = b.page;
    await login(p, s, '/policies');
    const card = p.locator(`article[data-ab-test-id="${created.body.id}"]`);
    await card.waitFor();
    await expect(card.textContent()).resolves.toContain('30 % of the actions refunds decides go to refunds-v2');
    const cells = async (arm: string) => (await card.locator(`tr[data-arm="${arm}"] td`).allTextContents()).map((t) => t.trim());
    expect((await cells('test'))[0]).toBe(String(allowed));
    expect((await cells('test'))[1]).toBe(String(allowed)); // allowed
    expect((await cells('control'))[0]).toBe(String(60 - allowed));
    expect((await cells('control'))[2]).toBe(String(60 - allowed)); // denied
    expect((await cells('control'))[3]).toBe('0'); // pending: the control arm denies, holds nothing
    expect((await cells('control'))[7]).toBe(String(60 - allowed)); // the test arm would have allowed each
    await card.scrollIntoViewIfNeeded();
    await shot(p, '72-ab-tests');

    await card.getByRole('button', { name: 'Stop test' }).click();
    await card.locator('.pill', { hasText: 'stopped' }).waitFor();
    await expect(card.getByRole('button', { name: 'Stop test' }).count()).resolves.toBe(0);
    expect((await s.api<AbTest>('GET', `/api/v1/ab-tests/${created.body.id}`)).body.status).toBe('stopped');
  });
});
