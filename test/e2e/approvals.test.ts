import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionStatus, Decision, PolicyView } from '../../src-shared/index.js';
import { FORCE_PUSH, launchBrowser, login, nav, shot, startGatehouse, waitLive, type Browser, type Server } from './helpers/gatehouse.js';

let s: Server;
let b: Browser;

beforeAll(async () => {
  s = await startGatehouse();
  b = await launchBrowser();
  await login(b.page, s, '/approvals');
  await waitLive(b.page);
});
afterAll(async () => {
  await b?.close();
  await s?.stop();
});

const submit = async (body: object) => {
  const r = await s.api<Decision>('POST', '/api/v1/actions/submit', body, s.agentKey);
  expect(r.status).toBe(200);
  return r.body;
};
const longPoll = (id: string) => s.api<ActionStatus>('GET', `/api/v1/actions/${id}/status?wait=30`, undefined, s.agentKey);

describe('approvals', () => {
  it('a submitted action appears live and one click approves it, releasing the agent long-poll', async () => {
    const p = b.page;
    const d = await submit(FORCE_PUSH);
    expect(d.decision).toBe('pending');
    const poll = longPoll(d.action_id);

    const card = p.locator(`[data-action-id="${d.action_id}"]`);
    await card.waitFor(); // no reload: it came over the event stream
    await card.getByText('git-history-rewrite-needs-approval').waitFor();
    await card.getByText('dangerous-shell').waitFor();
    await expect(card.getByRole('timer').textContent()).resolves.toMatch(/^\d+:\d\d$/);
    // The safe default: Deny holds the focus.
    await expect(
      card
        .getByRole('button', { name: /^Deny/ })
        .evaluate((el) => el === (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement),
    ).resolves.toBe(true);
    await expect(
      p
        .getByRole('link', { name: /Approvals/ })
        .getByLabel('1 pending')
        .isVisible(),
    ).resolves.toBe(true);
    await shot(p, '20-approval-card');

    await card.getByRole('button', { name: /^Approve/ }).click();
    const released = await poll;
    expect(released.status).toBe(200);
    expect(released.body.status).toBe('approved');
    await p.getByText('Allowed once').waitFor();
    await card.waitFor({ state: 'detached' });
    await p.getByRole('heading', { name: 'Nothing is waiting for you' }).waitFor();
    await p.getByRole('region', { name: 'Recently answered' }).getByText('by you').waitFor();
    await shot(p, '26-approvals-answered');
  });

  it('remember 1h with a widened pattern creates an expiring policy that allows the next one', async () => {
    const p = b.page;
    const d = await submit(FORCE_PUSH);
    const card = p.locator(`[data-action-id="${d.action_id}"]`);
    await card.waitFor();
    await card.getByRole('radio', { name: /1h/ }).click();
    const pattern = card.getByLabel('Applies to');
    await expect(pattern.inputValue()).resolves.toBe(FORCE_PUSH.resource);
    await pattern.fill('git push --force *');
    await card.getByLabel('Comment').fill('release day');
    await shot(p, '21-approval-remember');
    await card.getByRole('button', { name: /^Approve for 1h/ }).click();

    const toast = p.locator('.toast', { hasText: 'Allowed for 1h — created policy remember-allow-' });
    await toast.waitFor();
    const policyId = /created policy (\S+)/.exec((await toast.locator('.toast-title').textContent()) ?? '')?.[1];
    expect(policyId).toMatch(/^remember-allow-/);

    const list = await s.api<{ items: PolicyView[] }>('GET', '/api/v1/policies');
    const pol = list.body.items.find((x) => x.id === policyId);
    expect(pol?.source).toBe('approval');
    expect(pol?.effect).toBe('allow');
    const inMs = Date.parse(pol!.expires_at!) - Date.now();
    expect(inMs).toBeGreaterThan(3_600_000 - 120_000);
    expect(inMs).toBeLessThan(3_600_000 + 120_000);

    const next = await submit({
      ...FORCE_PUSH,
      resource: 'git push --force origin dev',
      parameters: { command: 'git push --force origin dev' },
    });
    expect(next.decision).toBe('allowed');
    expect(next.policy?.id).toBe(policyId);

    await nav(p, 'Policies');
    const row = p.locator(`tr[data-policy-id="${policyId}"]`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toMatch(/in (1 hour|60 minutes)/);
    await shot(p, '22-policies-remembered');
    await nav(p, 'Approvals');
  });

  it('keyboard: ? shows the shortcuts, 6 + A asks to confirm "forever", 1 + D denies', async () => {
    const p = b.page;
    const d = await submit({
      agent_id: 'claude-code',
      action_type: 'shell.exec',
      resource: 'rm -rf ~/projects/app',
      parameters: { command: 'rm -rf ~/projects/app' },
    });
    expect(d.decision).toBe('pending');
    const poll = longPoll(d.action_id);
    const card = p.locator(`[data-action-id="${d.action_id}"]`);
    await card.waitFor();

    await p.keyboard.press('?');
    const help = p.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    await shot(p, '23-shortcuts');
    await p.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });

    await p.keyboard.press('6');
    await expect(card.getByRole('radio', { name: /Forever/ }).getAttribute('aria-checked')).resolves.toBe('true');
    await p.keyboard.press('a');
    const confirm = p.getByRole('alertdialog', { name: 'Allow this forever?' });
    await confirm.waitFor();
    await shot(p, '24-confirm-forever');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    await expect(card.isVisible()).resolves.toBe(true);

    await p.keyboard.press('1');
    await p.keyboard.press('d');
    const released = await poll;
    expect(released.body.status).toBe('rejected');
    await p.getByText('Denied once').waitFor();
  });

  it('the countdown turns urgent near expiry and the card leaves when the approval expires', async () => {
    const p = b.page;
    const created = await s.api('POST', '/api/v1/policies', {
      id: 'deploys-need-approval-fast',
      name: 'Deploys need approval (short timeout)',
      effect: 'require_approval',
      priority: 700,
      when: { action_type: 'deploy.run' },
      approval: { timeout_s: 12, timeout_action: 'deny' },
    });
    expect(created.status).toBe(201);
    const d = await submit({ agent_id: 'release-bot', action_type: 'deploy.run', resource: 'production', description: 'Ship v2.4.0' });
    expect(d.decision).toBe('pending');
    const card = p.locator(`[data-action-id="${d.action_id}"]`);
    await card.waitFor();
    await card.locator('.countdown.urgent').waitFor();
    await shot(p, '25-approval-urgent');
    await card.waitFor({ state: 'detached', timeout: 30_000 });
    const st = await s.api<ActionStatus>('GET', `/api/v1/actions/${d.action_id}/status`, undefined, s.agentKey);
    expect(st.body.status).toBe('expired');
    expect(st.body.decision).toBe('denied');
  });
});
