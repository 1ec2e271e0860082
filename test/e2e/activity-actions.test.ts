// Activity 0.2 (issue 17): one row per action with its timeline in the drawer, the raw event stream
// behind a switch, filters that cannot contradict each other, and jump to a date. Each of these
// would fail on 0.1, whose Activity listed 3–5 raw records per action and had none of the rest.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ActionStatus, Decision } from '../../src-shared/index.js';
import { FORCE_PUSH, launchBrowser, login, shot, startGatehouse, type Browser, type Server } from './helpers/gatehouse.js';

let s: Server;
let b: Browser;
const ids: Record<string, string> = {};
let between = 0;

const submit = async (a: Record<string, unknown>) => {
  const r = await s.api<Decision>('POST', '/api/v1/actions/submit', a, s.agentKey);
  expect(r.status).toBe(200);
  return r.body;
};
const actionRows = () => b.page.locator('.vbody .vrow[data-action-id]');

beforeAll(async () => {
  s = await startGatehouse();
  b = await launchBrowser();
  // Older batch: before the jump point.
  ids.old = (await submit({ agent_id: 'nightly-job', action_type: 'file.read', resource: 'reports/2025-q4.csv' })).action_id;
  await new Promise((r) => setTimeout(r, 2100));
  between = Date.now();
  await new Promise((r) => setTimeout(r, 1100));

  ids.read = (await submit({ agent_id: 'claude-code', action_type: 'file.read', resource: 'src/index.ts' })).action_id;
  expect((await s.api('POST', `/api/v1/actions/${ids.read}/complete`, { status: 'success', duration_ms: 12 }, s.agentKey)).status).toBe(
    200,
  );

  const held = await submit(FORCE_PUSH);
  expect(held.decision).toBe('pending');
  ids.approved = held.action_id;
  expect((await s.api('POST', `/api/v1/approvals/${held.action_id}/approve`, { comment: 'release branch, agreed' })).status).toBe(200);
  expect(
    (await s.api('POST', `/api/v1/actions/${held.action_id}/complete`, { status: 'success', duration_ms: 840 }, s.agentKey)).status,
  ).toBe(200);

  const rejected = await submit({ ...FORCE_PUSH, resource: 'git push --force origin production' });
  ids.rejected = rejected.action_id;
  expect((await s.api('POST', `/api/v1/approvals/${rejected.action_id}/deny`, { comment: 'not on production' })).status).toBe(200);

  // As a hook sends a shell command: in the parameters, with no resource.
  const withdrawn = await submit({ ...FORCE_PUSH, resource: undefined, parameters: { command: 'git push --force origin staging' } });
  ids.withdrawn = withdrawn.action_id;
  expect(
    (await s.api('POST', `/api/v1/actions/${withdrawn.action_id}/withdraw`, { reason: 'user pressed Ctrl-C' }, s.agentKey)).status,
  ).toBe(200);

  ids.held = (
    await submit({
      agent_id: 'data-pipeline',
      action_type: 'database.delete',
      resource: 'postgres://production/customers',
      parameters: { sql: 'DELETE FROM customers' },
    })
  ).action_id;
});
// A failed step must not leave a drawer over the next test's controls.
beforeEach(async () => {
  if (await b.page.getByRole('dialog').count()) await b.page.keyboard.press('Escape');
});
afterAll(async () => {
  await b?.close();
  await s?.stop();
});

describe('activity: one row per action', () => {
  it('shows each action once with its current status, decision, risk and resource', async () => {
    const p = b.page;
    await login(p, s, '/activity');
    await actionRows().first().waitFor();
    await expect.poll(() => actionRows().count()).toBe(6);
    // Every action exactly once, whatever number of records it has.
    const seen = await actionRows().evaluateAll((els) => els.map((e) => e.getAttribute('data-action-id')));
    expect(new Set(seen).size).toBe(6);
    const row = (id: string) => p.locator(`.vrow[data-action-id="${id}"]`);
    await expect(row(ids.approved!).getAttribute('data-status')).resolves.toBe('completed');
    await expect(row(ids.rejected!).getAttribute('data-status')).resolves.toBe('rejected');
    await expect(row(ids.withdrawn!).getAttribute('data-status')).resolves.toBe('withdrawn');
    await row(ids.approved!).getByText('git push --force origin main').waitFor();
    // No resource: the command from its parameters, muted, and the tooltip says where it came from.
    const command = row(ids.withdrawn!).locator('.muted', { hasText: 'git push --force origin staging' });
    await command.waitFor();
    await expect(row(ids.withdrawn!).locator('[title^="parameters.command: "]').count()).resolves.toBe(1);
    await row(ids.rejected!).getByText('denied', { exact: true }).waitFor(); // decision column
    await row(ids.held!).getByText('100', { exact: true }).waitFor(); // risk
    await shot(p, '60-activity-actions');
  });

  it('the drawer shows the timeline: submitted, held, approved by whom with the comment, completed', async () => {
    const p = b.page;
    await p.locator(`.vrow[data-action-id="${ids.approved}"]`).click();
    const drawer = p.getByRole('dialog');
    const tl = drawer.getByRole('list', { name: 'Timeline' });
    await tl.getByText('Approved', { exact: true }).waitFor();
    const steps = await tl.locator('.tl-step strong').allTextContents();
    // A force-push is critical risk, so an alert is part of its story too.
    expect(steps).toEqual(['Submitted', 'Held for approval', 'Approval requested', 'Alert raised', 'Approved', 'Completed']);
    await tl.getByText('by you (console or admin key)').waitFor();
    await tl.getByText('“release branch, agreed”').waitFor();
    await tl.getByText(/the agent reported success in 840 ms/).waitFor();
    // The request's parts are named: parameters apart from context.
    await drawer.getByRole('heading', { name: 'Parameters', exact: true }).waitFor();
    // Hashes of each record, and the separate slot for inclusion proofs.
    await expect(drawer.locator('details.record-hashes').count()).resolves.toBe(5);
    await drawer.getByRole('region', { name: 'Inclusion proof' }).waitFor();
    await shot(p, '61-activity-action-timeline');
    await p.keyboard.press('Escape');

    await p.locator(`.vrow[data-action-id="${ids.withdrawn}"]`).click();
    await tl.getByText('Withdrawn — the agent stopped waiting').waitFor();
    await tl.getByText('user pressed Ctrl-C').waitFor();
    await p.keyboard.press('Escape');

    await p.locator(`.vrow[data-action-id="${ids.rejected}"]`).click();
    await tl.getByText('Rejected', { exact: true }).waitFor();
    await tl.getByText('“not on production”').waitFor();
    await p.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
  });

  it('a switch shows the raw event stream: several records for one action', async () => {
    const p = b.page;
    await p.getByRole('radio', { name: 'Raw events' }).click();
    await p.waitForURL(/view=events/);
    await p.getByRole('table', { name: 'Audit records' }).waitFor();
    await p.locator('.vbody .vrow', { hasText: 'approval.resolved' }).first().waitFor();
    await shot(p, '62-activity-raw-events');
    await p.getByRole('radio', { name: 'Actions' }).click();
    await p.waitForURL((u) => !u.searchParams.has('view'));
    await p.getByRole('table', { name: 'Actions' }).waitFor();
  });

  it('filters cannot contradict: the status list follows the decision, and a decision drops a status it cannot have', async () => {
    const p = b.page;
    await p.getByLabel('Status').selectOption('approved');
    await p.waitForURL(/status=approved/);
    // Status is where each action stands now: the approved push has since completed.
    await p.getByRole('heading', { name: 'No actions match these filters' }).waitFor();
    await p.getByLabel('Decision').selectOption('denied');
    await p.waitForURL(/decision=denied/);
    expect(new URL(p.url()).searchParams.has('status')).toBe(false);
    const offered = await p.getByLabel('Status').locator('option').allTextContents();
    expect(offered).toEqual(['Any denied', 'denied', 'rejected', 'expired', 'withdrawn']);
    await expect.poll(() => actionRows().count()).toBe(2);
    await p.getByLabel('Status').selectOption('withdrawn');
    await expect.poll(() => actionRows().count()).toBe(1);
    await shot(p, '63-activity-filters');
    await p.getByRole('button', { name: /^Clear \d+ filter/ }).click();
    await expect.poll(() => actionRows().count()).toBe(6);
  });

  it('search matches the start of words: prod finds production', async () => {
    const p = b.page;
    await p.getByLabel('Search').fill('prod');
    await p.waitForURL(/q=prod/);
    await expect.poll(() => actionRows().count()).toBe(2);
    await p.locator(`.vrow[data-action-id="${ids.rejected}"]`).waitFor(); // git push --force origin production
    await p.locator(`.vrow[data-action-id="${ids.held}"]`).waitFor(); // postgres://production/customers
    await shot(p, '65-activity-prefix-search');
    await p.getByLabel('Search').fill('');
    await p.waitForURL((u) => !u.searchParams.has('q'));
    await expect.poll(() => actionRows().count()).toBe(6);
  });

  it('while the search index is being built, says how far it has got and asks again by itself', async () => {
    const p = b.page;
    // The server's answer while the index is rebuilt after an upgrade (test/http/search-index.test.ts
    // makes a real one from a 30,000-record backlog); the first search gets it, the next goes through.
    const asked: number[] = [];
    const isSearch = (u: URL) => u.pathname === '/api/v1/actions' && u.searchParams.get('q') === 'prod';
    await p.route(isSearch, async (route) => {
      asked.push(Date.now());
      if (asked.length > 1) return route.continue();
      const details = [{ path: 'q', message: 'The search index is being built: 1,200 of 4,800 records indexed (25 %)' }];
      await route.fulfill({
        status: 503,
        headers: { 'Retry-After': '1' },
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'unavailable', message: 'The search index is catching up with the log: …', details } }),
      });
    });
    try {
      await p.getByLabel('Search').fill('prod');
      await p
        .getByText('The search index is being built: 1,200 of 4,800 records indexed (25 %). Results appear as soon as it is done.')
        .waitFor();
      // A wait, not an error: no error banner, no Retry button to press.
      expect(await p.getByRole('button', { name: 'Retry' }).count()).toBe(0);
      await shot(p, '66-activity-index-building');
      // Asked again after the Retry-After, by itself, and the rows came.
      await expect.poll(() => actionRows().count(), { timeout: 10_000 }).toBe(2);
      expect(asked).toHaveLength(2);
      expect(asked[1]! - asked[0]!).toBeGreaterThanOrEqual(900);
    } finally {
      await p.unroute(isSearch);
    }
    await p.getByLabel('Search').fill('');
    await p.waitForURL((u) => !u.searchParams.has('q'));
    await expect.poll(() => actionRows().count()).toBe(6);
  });

  it('jump to a date starts the list at that moment, inside the time range', async () => {
    const p = b.page;
    const local = await p.evaluate((ms) => {
      const d = new Date(ms);
      const z = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${z(d.getMonth() + 1)}-${z(d.getDate())}T${z(d.getHours())}:${z(d.getMinutes())}:${z(d.getSeconds())}`;
    }, between);
    await p.getByLabel('Jump to', { exact: true }).fill(local);
    await p.getByRole('button', { name: 'Go' }).click();
    await p.waitForURL(/at=/);
    await expect.poll(() => actionRows().count()).toBe(1);
    await p.locator(`.vrow[data-action-id="${ids.old}"]`).waitFor();
    await p.getByTestId('jump-chip').waitFor();
    await shot(p, '64-activity-jump');
    // A time range that ends before the jump date drops the jump (they would contradict).
    await p.getByLabel('Time').selectOption('custom');
    await p.getByLabel('To', { exact: true }).fill('2020-01-01T00:00');
    await p.waitForURL((u) => u.searchParams.get('until') === '2020-01-01T00:00');
    expect(new URL(p.url()).searchParams.has('at')).toBe(false);
    await p.getByRole('heading', { name: 'No actions match these filters' }).waitFor();
    await p.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => actionRows().count()).toBe(6);
  });

  it('every action in the API list matches a row (the list is the actions endpoint, not the record stream)', async () => {
    const r = await s.api<{ items: ActionStatus[] }>('GET', '/api/v1/actions?limit=100');
    expect(r.body.items.map((a) => a.action_id).sort()).toEqual(Object.values(ids).sort());
  });

  it('two long resources that differ only at their end are told apart: the cell cuts the middle, keeps the end, and holds the whole', async () => {
    const p = b.page;
    const table = 'postgres://prod/eu-west-1/analytics-warehouse/schema-public/';
    const apart: Record<string, string> = {};
    for (const t of ['customers', 'orders'])
      apart[t] = (await submit({ agent_id: 'data-pipeline', action_type: 'database.read', resource: `${table}${t}` })).action_id;
    await p.reload(); // new actions wait behind the list's "N new events — show" button; a fresh load lists them
    const cell = (id: string) => p.locator(`.vrow[data-action-id="${id}"] [data-col="resource"]`);
    for (const [t, id] of Object.entries(apart)) {
      await cell(id).waitFor();
      // At 1280 px the column is narrower than the resource: its head is cut (an ellipsis), its end
      // shows whole and inside the cell; the text itself (copy, screen readers) and the title are whole.
      const head = cell(id).locator('.middle-ellipsis > .head');
      const end = cell(id).locator('.middle-ellipsis > .end');
      expect(await head.evaluate((e) => e.scrollWidth > e.clientWidth)).toBe(true);
      // The cut head is a whole number of (monospace) characters wide: its ellipsis touches the end,
      // with no leftover space between them that reads like a space in the resource.
      const leftover = await head.evaluate((e) => {
        const probe = e.ownerDocument.createElement('span');
        probe.textContent = '0'.repeat(100);
        e.append(probe);
        const ch = probe.getBoundingClientRect().width / 100;
        probe.remove();
        return e.getBoundingClientRect().width % ch;
      });
      expect(leftover, 'space left after the ellipsis (px)').toBeLessThan(1);
      expect(await end.textContent()).toBe(`/${t}`);
      expect(await end.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
      const [box, endBox] = [(await cell(id).boundingBox())!, (await end.boundingBox())!];
      expect(endBox.x + endBox.width).toBeLessThanOrEqual(box.x + box.width + 0.5);
      expect(await cell(id).textContent()).toBe(`${table}${t}`);
      expect(await cell(id).getAttribute('title')).toBe(`${table}${t}`);
    }
    await shot(p, '65-activity-resources-apart');
  });

  it('a long action type is cut in the middle: its last part (the verb) shows, and never runs out of its cell', async () => {
    const p = b.page;
    const types = { long: 'aws.cloudformation.delete_stack', longest: 'aws.cloudformation.delete_stack_instances' };
    const ids: Record<string, string> = {};
    for (const [k, type] of Object.entries(types))
      ids[k] = (await submit({ agent_id: 'deployer', action_type: type, resource: 'stack/prod' })).action_id;
    await p.reload();
    const cell = (k: string) => p.locator(`.vrow[data-action-id="${ids[k]}"] [data-col="action"]`);
    for (const k of Object.keys(types)) await cell(k).waitFor();
    // At 1280 px the column holds ~20 characters: the service is cut, `.delete_stack` shows whole.
    const long = cell('long');
    expect(await long.locator('.middle-ellipsis > .head').evaluate((e) => e.scrollWidth > e.clientWidth && e.clientWidth > 0)).toBe(true);
    const end = long.locator('.middle-ellipsis > .end');
    expect(await end.textContent()).toBe('.delete_stack');
    expect(await end.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
    // A last part wider than the column takes it all and is cut at its own end: nothing runs out of the cell.
    for (const k of Object.keys(types)) {
      const [box, endBox] = [(await cell(k).boundingBox())!, (await cell(k).locator('.middle-ellipsis > .end').boundingBox())!];
      expect(endBox.x + endBox.width).toBeLessThanOrEqual(box.x + box.width + 0.5);
      expect(await cell(k).textContent()).toBe(types[k as keyof typeof types]);
      expect(await cell(k).getAttribute('title')).toBe(types[k as keyof typeof types]);
    }
    await shot(p, '66-activity-long-action-type');
  });
});
