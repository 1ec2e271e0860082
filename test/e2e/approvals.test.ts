import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionStatus, PolicyView } from '../../src-shared/index.js';
import { FORCE_PUSH, launchBrowser, login, nav, shot, startGatehouse, waitLive, type Browser, type Server } from './helpers/gatehouse.js';
import { HELD, submitHeld, submitIdenticalDeletes, submitOneOfEach } from './helpers/requests.js';

// SPEC 10 Approvals: a queue and a detail pane a person can trust at speed. Each test here fails on
// 0.1 (cards in one scrolling list, no grace period, no grouping, withdrawn cards kept a countdown).

let s: Server;
let b: Browser;

beforeAll(async () => {
  s = await startGatehouse();
  b = await launchBrowser(); // 1280×800, where 0.1 approved a refund under a Terraform card
});
afterAll(async () => {
  await b?.close();
  await s?.stop();
});

/** The bits of the DOM the page functions below use (this file is type-checked for Node). */
interface Dom {
  document: {
    elementFromPoint(x: number, y: number): { closest(sel: string): unknown } | null;
    activeElement: { textContent: string | null } | null;
    querySelector(sel: string): { scrollTo(o: { top: number }): void } | null;
  };
}

const status = async (id: string) => (await s.api<ActionStatus>('GET', `/api/v1/actions/${id}/status`, undefined, s.agentKey)).body.status;
const pane = (p: Page) => p.getByRole('region', { name: 'Request' });
const queue = (p: Page) => p.getByRole('listbox', { name: 'Waiting requests' });
const option = (p: Page, actionId: string) => queue(p).locator(`[role="option"][data-action-id="${actionId}"]`);

async function setGrace(p: Page, seconds: number): Promise<void> {
  expect((await s.api('PUT', '/api/v1/settings', { answer_grace_s: seconds })).status).toBe(200);
  await login(p, s, '/approvals');
  await waitLive(p);
}

/** Denies whatever is waiting (through the API), so each test starts from an empty queue. */
async function clearQueue(p: Page): Promise<void> {
  const list = await s.api<{ items: { action_id: string }[] }>('GET', '/api/v1/approvals?status=pending&limit=1000');
  for (const it of list.body.items) await s.api('POST', `/api/v1/approvals/${it.action_id}/deny`, {});
  await p.locator('[role="option"]').first().waitFor({ state: 'detached' });
}

/**
 * The selected queue entry is the request in the pane, and the pane's header is inside the viewport
 * (bounding boxes), not covered by anything: what a person reads is what A / D answer.
 */
async function expectSelectedInView(p: Page, actionId: string): Promise<void> {
  await p.locator('[role="region"][aria-label="Request"][data-armed="true"]').waitFor();
  const selected = queue(p).locator('[role="option"][aria-selected="true"]');
  await expect(selected.count()).resolves.toBe(1);
  await expect(selected.getAttribute('data-action-id')).resolves.toBe(actionId);
  await expect(pane(p).locator('.detail-scroll').getAttribute('data-action-id')).resolves.toBe(actionId);
  const optionText = (await selected.locator('.q-headline').textContent())!;
  const head = pane(p).locator('#request-headline');
  await expect(head.textContent()).resolves.toContain(optionText);
  const box = (await head.boundingBox())!;
  const vp = p.viewportSize()!;
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.y + box.height).toBeLessThanOrEqual(vp.height);
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(vp.width);
  // Nothing sits on top of it (a toast, the answer bar, another card).
  const onTop = await p.evaluate(
    ([x, y]) => !!(globalThis as unknown as Dom).document.elementFromPoint(x!, y!)?.closest('#request-headline'),
    [box.x + Math.min(40, box.width / 2), box.y + Math.min(10, box.height / 2)],
  );
  expect(onTop).toBe(true);
  // Never Approve under the focus (Enter or Space must not approve): the safe default is Deny.
  await expect(p.evaluate(() => (globalThis as unknown as Dom).document.activeElement?.textContent ?? '')).resolves.not.toMatch(/^Approve/);
}

/** Scrolls the pane down, as a person reading the parameters would. */
const readDown = (p: Page) =>
  p.evaluate(() => (globalThis as unknown as Dom).document.querySelector('.detail-scroll')?.scrollTo({ top: 10_000 }));

describe('queue and detail pane', () => {
  it('the selected request is the one in full view after every answer, with keys and with clicks', async () => {
    const p = b.page;
    await setGrace(p, 0);
    const ids = await submitOneOfEach(s);
    await option(p, ids.env).waitFor();
    await expect(queue(p).getByRole('option').count()).resolves.toBe(5);

    // Soonest expiry first: the refund is selected and shown whole.
    await expectSelectedInView(p, ids.refund);
    await expect(pane(p).getByText('billing-agent wants to issue a refund of 129.00 USD').count()).resolves.toBe(1);
    await expect(pane(p).locator('.codeblock', { hasText: '"amount": 12900' }).textContent()).resolves.not.toContain('sk_live_');
    await shot(p, '20-approvals-queue');

    // Keys: D answers the refund; the Terraform request is selected and shown from its top.
    await readDown(p);
    await p.keyboard.press('d');
    await option(p, ids.refund).waitFor({ state: 'detached' });
    // A second press right away (a double press) lands in the arming window: nothing else is answered.
    await p.keyboard.press('d');
    await expectSelectedInView(p, ids.terraform);
    await expect(status(ids.refund)).resolves.toBe('rejected');
    await expect(status(ids.terraform)).resolves.toBe('pending');

    // J / K move the selection; the pane follows.
    await p.keyboard.press('j');
    await expectSelectedInView(p, ids.push);
    await p.keyboard.press('k');
    await expectSelectedInView(p, ids.terraform);
    await readDown(p);
    await p.keyboard.press('d');
    await option(p, ids.terraform).waitFor({ state: 'detached' });
    await expectSelectedInView(p, ids.push);

    // Clicks: pick the last entry, deny it with the button; the one before it is selected (none after).
    await option(p, ids.env).click();
    await expectSelectedInView(p, ids.env);
    await readDown(p);
    await pane(p).getByRole('button', { name: /^Deny/ }).click();
    await option(p, ids.env).waitFor({ state: 'detached' });
    await expectSelectedInView(p, ids.rm);
    await pane(p)
      .getByRole('button', { name: /^Approve/ })
      .click();
    await option(p, ids.rm).waitFor({ state: 'detached' });
    await expectSelectedInView(p, ids.push);

    // The server saw exactly these answers, each for the request that was in the pane.
    expect(await Promise.all([ids.refund, ids.terraform, ids.env, ids.rm, ids.push].map((id) => status(id)))).toEqual([
      'rejected',
      'rejected',
      'rejected',
      'approved',
      'pending',
    ]);
    await clearQueue(p);
  });

  it('identical requests are one entry ×N, and one answer answers all its members', async () => {
    const p = b.page;
    await setGrace(p, 0);
    const group = await submitIdenticalDeletes(s, 12);
    const other = (await submitHeld(s, HELD.forcePush)).action_id;
    const entry = queue(p).locator('[role="option"][data-count="12"]');
    await entry.waitFor();
    await expect(entry.textContent()).resolves.toContain('×12');
    await expect(queue(p).getByRole('option').count()).resolves.toBe(2);
    await entry.click();
    await expectSelectedInView(p, group[0]!);
    await pane(p).getByText('12 identical requests').waitFor();
    await pane(p).getByText('data-pipeline wants to delete about 18,250 rows from postgres://prod/customers').first().waitFor();
    await pane(p).getByText('Their parameters differ').click();
    await expect(pane(p).locator('.group-members li').count()).resolves.toBe(12);
    await shot(p, '21-approvals-group');
    await pane(p)
      .getByRole('button', { name: /^Approve 12/ })
      .click();
    await entry.waitFor({ state: 'detached' });
    await p.locator('.toast', { hasText: 'Approved once (12 requests)' }).waitFor();
    for (const id of group) expect(await status(id)).toBe('approved');
    expect(await status(other)).toBe('pending');
    await clearQueue(p);
  });

  it('two requests whose headlines are cut alike are told apart in the queue by their resource, start and end', async () => {
    const p = b.page;
    const table = 'postgres://prod/eu-west-1/analytics-warehouse/';
    const customers = (await submitHeld(s, { ...HELD.dbDelete, resource: `${table}customers` })).action_id;
    const orders = (await submitHeld(s, { ...HELD.dbDelete, resource: `${table}orders` })).action_id;
    const shown = async (id: string) => {
      const line = queue(p).locator(`[role="option"][data-action-id="${id}"] .q-resource`);
      await line.waitFor();
      // Its end shows whole, inside the entry, whatever the entry's width cuts of its head.
      const end = line.locator('.middle-ellipsis > .end');
      expect(await end.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
      const [box, endBox] = [(await line.boundingBox())!, (await end.boundingBox())!];
      expect(endBox.x + endBox.width).toBeLessThanOrEqual(box.x + box.width + 0.5);
      expect(await line.textContent()).toBe(await line.getAttribute('title'));
      return (await end.textContent())!;
    };
    const [a, c] = [await shown(customers), await shown(orders)];
    expect(a).toBe('/customers');
    expect(c).toBe('/orders');
    await shot(p, '21b-approvals-resources-apart');
    await clearQueue(p);
  });

  it('remember + "also answer the N waiting like it" answers them in one step (apply_to_pending)', async () => {
    const p = b.page;
    await setGrace(p, 0);
    const first = (await submitHeld(s, FORCE_PUSH)).action_id;
    const like = (
      await submitHeld(s, {
        ...FORCE_PUSH,
        resource: 'git push --force origin dev',
        parameters: { command: 'git push --force origin dev' },
      })
    ).action_id;
    const unlike = (await submitHeld(s, HELD.rmRf)).action_id;
    await option(p, unlike).waitFor();
    await option(p, first).click();
    await expectSelectedInView(p, first);
    await p.keyboard.press('2'); // 15m
    await pane(p).getByLabel('Applies to').fill('git push --force *');
    const also = pane(p).getByRole('checkbox', { name: /Also answer the 1 waiting like it/ });
    // Never ticked for the person: the buttons count only what is in view until they tick it.
    await expect(also.isChecked()).resolves.toBe(false);
    // It names what it would answer: the one like it, not the one unlike it.
    const listed = pane(p).getByRole('list', { name: 'Also answered' }).getByRole('listitem');
    await expect(listed.allTextContents()).resolves.toEqual(['git push --force origin dev']);
    await expect(listed.first().getAttribute('data-action-id')).resolves.toBe(like);
    await pane(p)
      .getByRole('button', { name: /^Approve for 15m/ })
      .waitFor();
    await also.check();
    await pane(p).getByText('Creates a timed policy and answers 1 more waiting like it.').waitFor();
    await shot(p, '22-approvals-remember');
    await pane(p)
      .getByRole('button', { name: /^Approve 2 for 15m/ })
      .click();
    const toast = p.locator('.toast', { hasText: 'and 1 more waiting like it' });
    await toast.waitFor();
    await expect(toast.textContent()).resolves.toMatch(/created policy remember-allow-/);
    expect(await status(first)).toBe('approved');
    expect(await status(like)).toBe('approved');
    expect(await status(unlike)).toBe('pending');
    const pol = (await s.api<{ items: PolicyView[] }>('GET', '/api/v1/policies')).body.items.find((x) => x.source === 'approval');
    expect(pol?.when).toMatchObject({ resource: { glob: 'git push --force *' } });
    await s.api('DELETE', `/api/v1/policies/${pol!.id}`);
    await clearQueue(p);
  });

  it('a group answered with a widened pattern answers the group only, unless "also answer" is ticked', async () => {
    const p = b.page;
    await setGrace(p, 0);
    const main = [(await submitHeld(s, FORCE_PUSH)).action_id, (await submitHeld(s, FORCE_PUSH)).action_id];
    const like = (
      await submitHeld(s, {
        ...FORCE_PUSH,
        resource: 'git push --force origin dev',
        parameters: { command: 'git push --force origin dev' },
      })
    ).action_id;
    await option(p, like).waitFor();
    await option(p, main[0]!).click();
    await expectSelectedInView(p, main[0]!);
    await p.keyboard.press('2'); // 15m
    await pane(p).getByLabel('Applies to').fill('git push --force *');
    await expect(
      pane(p)
        .getByRole('checkbox', { name: /Also answer the 1 waiting like it/ })
        .isChecked(),
    ).resolves.toBe(false);
    await pane(p).getByText('Creates a timed policy.', { exact: true }).waitFor();
    // The button says 2: the group in view, not the one "like it" nobody ticked.
    await pane(p)
      .getByRole('button', { name: /^Approve 2 for 15m/ })
      .click();
    await p.locator('.toast', { hasText: 'Approved for 15m (2 requests)' }).waitFor();
    for (const id of main) expect(await status(id)).toBe('approved');
    expect(await status(like)).toBe('pending');
    await expectSelectedInView(p, like);
    const pol = (await s.api<{ items: PolicyView[] }>('GET', '/api/v1/policies')).body.items.find((x) => x.source === 'approval');
    await s.api('DELETE', `/api/v1/policies/${pol!.id}`);
    await clearQueue(p);
  });
});

describe('a long queue', () => {
  it('250 different waiting requests are all in the queue (0.1 loaded 200), and the last one answers like the first', async () => {
    const p = b.page;
    await setGrace(p, 0);
    const ids: string[] = [];
    for (let i = 0; i < 250; i++)
      ids.push(
        (await submitHeld(s, { ...HELD.rmRf, resource: `rm -rf ~/scratch/run-${i}`, parameters: { command: `rm -rf ~/scratch/run-${i}` } }))
          .action_id,
      );
    await option(p, ids[249]!).waitFor();
    await expect(queue(p).getByRole('option').count()).resolves.toBe(250);
    await p.getByText('250 requests waiting').waitFor();
    await option(p, ids[249]!).click();
    await expectSelectedInView(p, ids[249]!);
    await p.keyboard.press('d');
    await option(p, ids[249]!).waitFor({ state: 'detached' });
    await expectSelectedInView(p, ids[248]!);
    expect(await status(ids[249]!)).toBe('rejected');
    expect(await status(ids[248]!)).toBe('pending');
    await clearQueue(p);
  });
});

describe('deep links', () => {
  it('/approvals?id= (a notification, the tray) selects that request once; later arrivals never move the selection', async () => {
    const p = b.page;
    await setGrace(p, 0);
    const first = (await submitHeld(s, HELD.refund)).action_id;
    const second = (await submitHeld(s, HELD.terraform)).action_id;
    await login(p, s, `/approvals?id=${second}`);
    await waitLive(p);
    await expectSelectedInView(p, second);
    await p.waitForURL((u) => !u.search.includes('id='));
    await p.keyboard.press('k');
    await expectSelectedInView(p, first);
    const third = (await submitHeld(s, HELD.rmRf)).action_id;
    await option(p, third).waitFor();
    await p.waitForTimeout(500);
    await expectSelectedInView(p, first);
    expect(await status(first)).toBe('pending');
    await clearQueue(p);
  });
});

describe('undo', () => {
  it('an answer waits answer_grace_s with Undo; Undo takes it back and the server never sees it', async () => {
    const p = b.page;
    await setGrace(p, 3);
    const id = (await submitHeld(s, HELD.terraform)).action_id;
    const other = (await submitHeld(s, HELD.forcePush)).action_id;
    await expectSelectedInView(p, id);
    await p.keyboard.press('a');
    const toast = p.locator('.toast', { hasText: 'Approving' });
    await toast.waitFor();
    await shot(p, '23-approvals-undo');
    // It left the queue at once; the next request is shown.
    await expectSelectedInView(p, other);
    await toast.getByRole('button', { name: 'Undo' }).click();
    await p.locator('.toast', { hasText: 'Undone — nothing was sent' }).waitFor();
    // Back in the queue, selected again.
    await expectSelectedInView(p, id);
    await p.waitForTimeout(4000); // past the grace period
    expect(await status(id)).toBe('pending');
    const audit = await s.api<{ items: unknown[] }>('GET', `/api/v1/audit?action_id=${id}&type=approval.resolved`);
    expect(audit.body.items).toHaveLength(0);

    // Without Undo, the answer is sent when the grace period ends.
    await p.keyboard.press('d');
    await p.locator('.toast', { hasText: 'Denying' }).waitFor();
    expect(await status(id)).toBe('pending');
    await p.locator('.toast', { hasText: 'Denied once' }).waitFor({ timeout: 10_000 });
    expect(await status(id)).toBe('rejected');
    await clearQueue(p);
  });

  it('during the grace, the requests "also answer" takes along are out of the queue too; Undo brings them back', async () => {
    const p = b.page;
    await setGrace(p, 3);
    const first = (await submitHeld(s, FORCE_PUSH)).action_id;
    const push = (branch: string) => ({
      ...FORCE_PUSH,
      resource: `git push --force origin ${branch}`,
      parameters: { command: `git push --force origin ${branch}` },
    });
    const like = [(await submitHeld(s, push('dev'))).action_id, (await submitHeld(s, push('qa'))).action_id];
    const unlike = (await submitHeld(s, HELD.rmRf)).action_id;
    await option(p, unlike).waitFor();
    await option(p, first).click();
    await expectSelectedInView(p, first);
    await p.keyboard.press('2'); // 15m
    await pane(p).getByLabel('Applies to').fill('git push --force origin *');
    await pane(p)
      .getByRole('checkbox', { name: /Also answer the 2 waiting like it/ })
      .check();
    await pane(p)
      .getByRole('button', { name: /^Approve 3 for 15m/ })
      .click();
    const toast = p.locator('.toast', { hasText: 'Approving' });
    await toast.waitFor();
    await expect(toast.textContent()).resolves.toContain('and 2 more waiting like it');
    // The next request shown is one this answer does not answer: never one it is about to approve.
    for (const id of like) await option(p, id).waitFor({ state: 'detached' });
    await expectSelectedInView(p, unlike);
    await expect(
      p
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: /^Approvals/ })
        .textContent(),
    ).resolves.toMatch(/1$/);
    await toast.getByRole('button', { name: 'Undo' }).click();
    for (const id of [first, ...like]) await option(p, id).waitFor();
    await expectSelectedInView(p, first);
    await p.waitForTimeout(3500);
    for (const id of [first, ...like, unlike]) expect(await status(id)).toBe('pending');
    await clearQueue(p);
  });

  it('a request withdrawn during the grace period is said so, and the answer is not sent', async () => {
    const p = b.page;
    await setGrace(p, 4);
    const id = (await submitHeld(s, HELD.forcePush)).action_id;
    await expectSelectedInView(p, id);
    await p.keyboard.press('a');
    await p.locator('.toast', { hasText: 'Approving' }).waitFor();
    expect((await s.api('POST', `/api/v1/actions/${id}/withdraw`, { reason: 'hook timed out' }, s.agentKey)).status).toBe(200);
    await p.locator('.toast', { hasText: 'The agent stopped waiting before your answer was sent' }).waitFor();
    await p.waitForTimeout(4500);
    expect(await status(id)).toBe('withdrawn');
    const audit = await s.api<{ items: unknown[] }>('GET', `/api/v1/audit?action_id=${id}&type=approval.resolved`);
    expect(audit.body.items).toHaveLength(0);
  });
});

describe('requests that leave on their own', () => {
  it('a withdrawn request leaves the queue with a note and can no longer be answered', async () => {
    const p = b.page;
    await setGrace(p, 0);
    const a = (await submitHeld(s, HELD.refund)).action_id;
    const c = (await submitHeld(s, HELD.rmRf)).action_id;
    const other = (await submitHeld(s, HELD.forcePush)).action_id;
    await expectSelectedInView(p, a);
    // Not selected: it leaves the queue, with a note.
    await s.api('POST', `/api/v1/actions/${c}/withdraw`, {}, s.agentKey);
    await option(p, c).waitFor({ state: 'detached' });
    await p.locator('.toast', { hasText: 'Left the queue' }).waitFor();
    await expectSelectedInView(p, a);
    // Selected: the pane says the agent stopped waiting instead of swapping in another request.
    await s.api('POST', `/api/v1/actions/${a}/withdraw`, { reason: 'cancelled' }, s.agentKey);
    await option(p, a).waitFor({ state: 'detached' });
    await pane(p).getByText('The agent stopped waiting').waitFor();
    await expect(
      pane(p)
        .getByRole('button', { name: /^Approve/ })
        .count(),
    ).resolves.toBe(0);
    await expect(queue(p).locator('[aria-selected="true"]').count()).resolves.toBe(0);
    await shot(p, '24-approvals-withdrawn');
    await p.keyboard.press('a'); // nothing to answer: never the next request
    await p.waitForTimeout(600);
    expect(await status(other)).toBe('pending');
    await p.keyboard.press('j');
    await expectSelectedInView(p, other);
    expect(await status(a)).toBe('withdrawn');
    await clearQueue(p);
  });

  it('keyboard: ? shows the shortcuts, 6 + A asks to confirm "forever", 1 + D denies', async () => {
    const p = b.page;
    await setGrace(p, 0);
    const id = (await submitHeld(s, HELD.rmRf)).action_id;
    await expectSelectedInView(p, id);
    await p.keyboard.press('?');
    const help = p.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    await p.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });
    await p.keyboard.press('6');
    await expect(
      pane(p)
        .getByRole('radio', { name: /Forever/ })
        .getAttribute('aria-checked'),
    ).resolves.toBe('true');
    await p.keyboard.press('a');
    const confirm = p.getByRole('alertdialog', { name: 'Allow this forever?' });
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect(await status(id)).toBe('pending');
    await p.keyboard.press('1');
    await p.keyboard.press('d');
    await p.getByText('Denied once').waitFor();
    expect(await status(id)).toBe('rejected');
  });

  it('a key pressed in the beat before a new request can be answered answers nothing, and says so', async () => {
    const p = b.page;
    await setGrace(p, 0);
    const first = (await submitHeld(s, HELD.rmRf)).action_id;
    const second = (await submitHeld(s, HELD.forcePush)).action_id;
    await expectSelectedInView(p, first);
    // J then D at once (one frame apart, as a fast hand does): D lands on a request shown for a moment only.
    await p.evaluate(async () => {
      const w = globalThis as unknown as {
        dispatchEvent(e: Event): boolean;
        KeyboardEvent: new (t: string, i: { key: string; bubbles: boolean }) => Event;
        requestAnimationFrame(f: () => void): void;
      };
      w.dispatchEvent(new w.KeyboardEvent('keydown', { key: 'j', bubbles: true }));
      await new Promise<void>((r) => w.requestAnimationFrame(() => r()));
      w.dispatchEvent(new w.KeyboardEvent('keydown', { key: 'd', bubbles: true }));
    });
    await p.getByText('Not answered: look first').waitFor();
    expect(await status(first)).toBe('pending');
    expect(await status(second)).toBe('pending');
    await clearQueue(p);
  });

  it('the countdown turns urgent near expiry and the request leaves when it expires', async () => {
    const p = b.page;
    await setGrace(p, 0);
    const created = await s.api('POST', '/api/v1/policies', {
      id: 'deploys-need-approval-fast',
      name: 'Deploys need approval (short timeout)',
      effect: 'require_approval',
      priority: 700,
      when: { action_type: 'deploy.run' },
      approval: { timeout_s: 8, timeout_action: 'deny' },
    });
    expect(created.status).toBe(201);
    const id = (await submitHeld(s, { agent_id: 'release-bot', action_type: 'deploy.run', resource: 'web', environment: 'staging' }))
      .action_id;
    await expectSelectedInView(p, id);
    await pane(p).getByText('release-bot wants to deploy web to staging').waitFor();
    await pane(p).locator('.countdown.urgent').waitFor();
    await option(p, id).waitFor({ state: 'detached', timeout: 30_000 });
    await pane(p).getByText('This request expired').waitFor();
    expect(await status(id)).toBe('expired');
    await s.api('DELETE', '/api/v1/policies/deploys-need-approval-fast');
  });
});

describe('sessions', () => {
  it('a session survives a restart of the server; the login page names the exact command', async () => {
    const p = b.page;
    await login(p, s, '/approvals');
    await waitLive(p);
    await s.restart();
    await p.reload();
    await p.getByRole('navigation', { name: 'Main' }).waitFor();
    await waitLive(p);
    await expect(p.getByRole('heading', { name: 'Approvals' }).isVisible()).resolves.toBe(true);

    const fresh = await launchBrowser();
    try {
      await fresh.page.goto(`${s.url}/approvals`);
      const cmd = fresh.page.getByLabel('Command for a new login link');
      await cmd.waitFor();
      const text = (await cmd.textContent())!.trim();
      expect(text).toMatch(/ open --data-dir /);
      expect(text).toContain(s.dataDir);
      await fresh.page.getByText(`${s.url}/?token=`).waitFor();
      await shot(fresh.page, '25-login');
      // Logging out ends it for good.
    } finally {
      await fresh.close();
    }
    await nav(p, 'Approvals');
  });
});
