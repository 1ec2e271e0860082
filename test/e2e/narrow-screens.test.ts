import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AbTest, Decision } from '../../src-shared/index.js';
import { launchBrowser, login, shot, SHOTS, startGatehouse, type Browser, type Server } from './helpers/gatehouse.js';
import { HELD, submitHeld } from './helpers/requests.js';

// SPEC 10: "The layout works from 390 px wide ... no horizontal scrolling". Every screen, its
// sub-pages, the policy editor's tabs and the drawers, at 390 px with realistic data: agents with
// long ids, long resources, an MCP server with tools, a policy with a long name. Nothing scrolls
// sideways (neither the page nor a table or command inside it), and what a row is about (its
// buttons, its last column) is within the window, not off to the right. The A/B tests under
// Policies (SPEC 12) with real reports in them, at 390 px and at 1280 px, light and dark.

const W = 390;
const LONG_AGENT = 'data-pipeline-nightly-warehouse-sync-eu-west-1-prod';
const UUID_AGENT = 'cursor-background-agent-7f3a9c2e-4b1d-4e8f-9a6b-2c5d8e1f0a3b';
const LONG_RESOURCE = 's3://company-analytics-prod-eu-west-1/exports/2026/11/29/customers-full-snapshot-with-pii-and-addresses.parquet';
const LONG_POLICY = 'approval-for-prod-db-deletes-outside-the-maintenance-window';
const AB_CONTROL = 'refunds-held-for-a-person-production-eu-support-queue';
const AB_TEST = 'refunds-v2-allowed-without-asking-production-eu-support';
const AB_NAME = 'New refund policy: allow production refunds without asking (EU support queue)';
const AB_STOPPED = 'Refunds without asking, first try (stopped early)';
const WEBHOOK_URL = 'http://127.0.0.1:9/hooks/gatehouse/approvals-channel-for-the-platform-team';

let s: Server;
let b: Browser;
/** The running A/B test's report, as the API gives it. */
let report: AbTest;

beforeAll(async () => {
  s = await startGatehouse();
  const ok = async (r: Promise<{ status: number; body: unknown }>) => {
    const res = await r;
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  };
  const submit = (body: Record<string, unknown>) => ok(s.api('POST', '/api/v1/actions/submit', body, s.agentKey));
  await ok(
    s.api(
      'POST',
      '/api/v1/agents/register',
      {
        agent_id: LONG_AGENT,
        name: 'Nightly warehouse sync (EU West, production)',
        capabilities: ['s3.read', 's3.write', 'database.query'],
      },
      s.agentKey,
    ),
  );
  for (const agent of [LONG_AGENT, 'claude-code', UUID_AGENT, 'ci-release-bot'])
    for (const [type, resource] of [
      ['file.read', LONG_RESOURCE],
      ['shell.exec', 'rm -rf build/'],
      ['database.query', 'postgres://analytics-replica.internal.example.com:5432/warehouse_production_eu'],
    ] as const)
      await submit({ agent_id: agent, action_type: type, resource, parameters: { command: resource } });
  await submitHeld(s, { ...HELD.dbDelete, agent_id: LONG_AGENT });
  await submitHeld(s, HELD.forcePush);
  await ok(
    s.api(
      'POST',
      '/mcp/servers/register',
      {
        server_id: 'filesystem-readonly-home-directory-mirror',
        name: 'Filesystem (read-only mirror of the home directory)',
        command: 'npx -y @modelcontextprotocol/server-filesystem /home/developer/projects/company-monorepo/packages',
        tools: [
          {
            name: 'read_text_file_with_line_numbers_and_encoding_detection',
            description: 'Read a text file. '.repeat(12),
            inputSchema: { type: 'object' },
          },
          { name: 'list_directory', description: 'List a directory', inputSchema: { type: 'object' } },
        ],
      },
      s.agentKey,
    ),
  );
  await ok(
    s.api('POST', '/api/v1/policies', {
      id: LONG_POLICY,
      name: 'Require approval for production database deletes outside the maintenance window',
      effect: 'require_approval',
      priority: 500,
      when: { action_type: { eq: 'database.delete' }, resource: { contains: 'postgres://prod/customers-and-orders-and-invoices' } },
    }),
  );
  await abTests();
  await ok(
    s.api('POST', '/api/v1/webhooks', {
      url: WEBHOOK_URL,
      name: 'Team approvals channel',
      format: 'slack',
      events: ['approval.requested', 'action.denied', 'alert.triggered'],
    }),
  );
  b = await launchBrowser({ width: W, height: 844 });
});

/**
 * Two policies and two A/B tests between them with real reports (SPEC 12): one stopped, one
 * running; refunds in both arms, the held ones answered (approved and denied) but the last, so every
 * column has a number: actions, allowed, denied, pending (that last one), approvals asked, approval
 * rate, median approval time, other arm differs.
 */
async function abTests(): Promise<void> {
  const created = async (r: Promise<{ status: number; body: unknown }>) => expect((await r).status).toBe(201);
  await created(
    s.api('POST', '/api/v1/policies', {
      id: AB_CONTROL,
      name: 'Hold production refunds for a person',
      effect: 'require_approval',
      priority: 800,
      when: { action_type: { eq: 'payment.refund' } },
    }),
  );
  await created(
    s.api('POST', '/api/v1/policies', {
      id: AB_TEST,
      name: 'Allow production refunds without asking',
      effect: 'allow',
      mode: 'shadow',
      priority: 800,
      when: { action_type: { eq: 'payment.refund' } },
    }),
  );
  const refunds = async (from: number, n: number) => {
    const held: string[] = [];
    for (let i = from; i < from + n; i++) {
      const r = await s.api<Decision>(
        'POST',
        '/api/v1/actions/submit',
        { agent_id: 'support-bot', action_type: 'payment.refund', resource: `stripe://charges/ch_${1000 + i}` },
        s.agentKey,
      );
      expect(r.status).toBe(200);
      if (r.body.decision === 'pending') held.push(r.body.action_id);
    }
    // Answer all but the last one: two thirds approved, the rest denied.
    for (const [i, id] of held.slice(0, -1).entries())
      expect((await s.api('POST', `/api/v1/approvals/${id}/${i % 3 === 2 ? 'deny' : 'approve'}`, {})).status).toBe(200);
  };
  const start = (name: string, traffic_split: number) =>
    s.api<AbTest>('POST', '/api/v1/ab-tests', { name, control_policy: AB_CONTROL, test_policy: AB_TEST, traffic_split, duration_days: 14 });
  const first = await start(AB_STOPPED, 50);
  expect(first.status, JSON.stringify(first.body)).toBe(201);
  await refunds(0, 12);
  expect((await s.api('POST', `/api/v1/ab-tests/${first.body.id}/stop`, {})).status).toBe(200);
  const second = await start(AB_NAME, 30);
  expect(second.status, JSON.stringify(second.body)).toBe(201);
  await refunds(100, 30);
  report = (await s.api<AbTest>('GET', `/api/v1/ab-tests/${second.body.id}`)).body;
  expect(report.arms.control.approval_rate).not.toBeNull();
  expect(report.arms.control.decisions.pending).toBe(1);
  expect(report.arms.test.actions).toBeGreaterThan(0);
}
afterAll(async () => {
  await b?.close();
  await s?.stop();
});

/** The page functions below run in the browser; this file is type-checked for Node. */
interface El {
  tagName: string;
  className: string;
  textContent: string | null;
  scrollWidth: number;
  clientWidth: number;
}
interface Win {
  document: { documentElement: El & { dataset: { theme?: string } }; querySelectorAll(sel: string): Iterable<El> };
  getComputedStyle(e: El | Cell, pseudo?: string): { overflowX: string; content: string };
}
/** A table cell, and the head cell of its column. */
interface Cell {
  cellIndex: number;
  textContent: string | null;
  closest(sel: string): { tHead: { rows: { cells: Cell[] }[] } };
  getBoundingClientRect(): { top: number; height: number };
}

/** What scrolls sideways: the page, and every element that scrolls (a table's wrapper, a pane, a command), as "what scrollWidth>clientWidth". */
async function sideways(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const g = globalThis as unknown as Win;
    const d = g.document.documentElement;
    const scrolling = [...g.document.querySelectorAll('body *')]
      .filter((e) => ['auto', 'scroll'].includes(g.getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1)
      .map((e) => `${e.tagName.toLowerCase()}.${String(e.className).split(' ').join('.')} ${e.scrollWidth}>${e.clientWidth}`);
    return [...(d.scrollWidth > d.clientWidth ? [`the page ${d.scrollWidth}>${d.clientWidth}`] : []), ...scrolling];
  });
}

/** Nothing scrolls sideways: not the page, and no element that scrolls (a table's wrapper, a pane, a command). */
async function noSideways(p: Page, where: string): Promise<void> {
  expect(await sideways(p), `${where}: scrolls sideways`).toEqual([]);
}

/** Every match of `selector` (at least one) lies within the window's width. */
async function withinWidth(p: Page, selector: string, where: string, width = W): Promise<void> {
  const boxes = await p.locator(selector).evaluateAll((els) =>
    els.map((e) => {
      const r = (e as unknown as { getBoundingClientRect(): { left: number; right: number } }).getBoundingClientRect();
      return [r.left, r.right] as const;
    }),
  );
  expect(boxes.length, `${where}: ${selector}`).toBeGreaterThan(0);
  for (const [left, right] of boxes) {
    expect(left, `${where}: ${selector}`).toBeGreaterThanOrEqual(-0.5);
    expect(right, `${where}: ${selector} ends past the window`).toBeLessThanOrEqual(width + 0.5);
  }
}

/** Every match of `selector` shows its whole content (nothing cut off or scrolled inside it). */
async function readWhole(p: Page, selector: string, where: string): Promise<void> {
  const cut = await p
    .locator(selector)
    .evaluateAll((els) => (els as unknown as El[]).filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent));
  expect(cut, `${where}: ${selector} is cut off`).toEqual([]);
}

/** The drawer is shown and has finished sliding in (it starts 40 px to the right: measured mid-slide, it ends past the window). */
async function drawerOpen(p: Page): Promise<void> {
  const drawer = p.locator('.drawer');
  await drawer.waitFor();
  await drawer.evaluate((e) =>
    Promise.all((e as unknown as { getAnimations(): { finished: Promise<unknown> }[] }).getAnimations().map((a) => a.finished)),
  );
}

async function open(p: Page, path: string, ready: string): Promise<void> {
  await login(p, s, path);
  await p.locator(ready).first().waitFor();
}

describe(`every screen at ${W} px`, () => {
  it('Approvals', async () => {
    const p = b.page;
    await open(p, '/approvals', '[role="region"][aria-label="Request"]');
    await noSideways(p, 'approvals');
    await withinWidth(p, '[role="option"]', 'approvals');
    await withinWidth(p, '.answer-bar .btn', 'approvals');
    await shot(p, 'narrow-approvals');
  });

  it('Activity: one row per action and the raw events, each row whole within the window, and their drawers', async () => {
    const p = b.page;
    await open(p, '/activity', '.vbody .vrow[data-action-id]');
    await noSideways(p, 'activity');
    for (const col of ['agent', 'resource', 'status', 'risk', 'time']) await withinWidth(p, `.vbody .vrow [data-col="${col}"]`, 'activity');
    // The action type on a line of its own, whole (beside the resource it was cut to "database.que…").
    await readWhole(p, '.vbody .vrow[data-action-id] [data-col="action"]', 'activity');
    // The filters but the search are behind a toggle: the bar is one line and the list starts on the
    // first screen (laid out, they took four lines and pushed it down to the fold).
    const bar = await p.locator('form.filter-bar').boundingBox();
    expect(bar!.height, 'filter bar height').toBeLessThan(80);
    const first = await p.locator('.vbody .vrow[data-action-id]').first().boundingBox();
    expect(first!.y + first!.height, 'first row in the top 60 % of the screen').toBeLessThanOrEqual(844 * 0.6);
    await shot(p, 'narrow-activity');
    await p.locator('.vbody .vrow[data-action-id]').nth(1).click();
    await drawerOpen(p);
    await noSideways(p, 'activity drawer');
    await withinWidth(p, '.drawer-head', 'activity drawer');
    await shot(p, 'narrow-activity-drawer');
    // Every filter is a tap away, the toggle says how many are set, and a change still goes to the URL.
    await open(p, '/activity?decision=allowed&risk_level=medium', '.vbody .vrow[data-action-id]');
    const toggle = p.locator('form.filter-bar .filters-toggle');
    await expect(toggle.textContent()).resolves.toBe('Filters (2 active)');
    await expect(p.locator('#f-decision').isVisible()).resolves.toBe(false);
    await toggle.click();
    await expect(toggle.getAttribute('aria-expanded')).resolves.toBe('true');
    await expect(p.locator('#f-decision').inputValue()).resolves.toBe('allowed');
    await withinWidth(p, 'form.filter-bar :is(.input, .select)', 'activity filters');
    await noSideways(p, 'activity filters');
    await shot(p, 'narrow-activity-filters');
    await p.locator('#f-risk').selectOption('low');
    await p.waitForURL(/risk_level=low/);
    await expect(toggle.textContent()).resolves.toBe('Filters (2 active)');
    await open(p, '/activity?view=events', '.vbody .vrow');
    await noSideways(p, 'events');
    for (const col of ['type', 'resource', 'outcome', 'risk']) await withinWidth(p, `.vbody .vrow [data-col="${col}"]`, 'events');
    await shot(p, 'narrow-events');
    await p.locator('.vbody .vrow').nth(2).click();
    await drawerOpen(p);
    await noSideways(p, 'record drawer');
    await shot(p, 'narrow-record-drawer');
  });

  it('Policies: the list, the form editor, the code editor, test and simulate', async () => {
    const p = b.page;
    await open(p, '/policies', `tr[data-policy-id="${LONG_POLICY}"]`);
    await noSideways(p, 'policies');
    await withinWidth(p, 'tr[data-policy-id]', 'policies');
    await withinWidth(p, 'tr[data-policy-id] button[aria-label^="Delete"]', 'policies');
    await readWhole(p, 'tr[data-policy-id] .linklike', 'policies'); // a long name wraps, read whole
    await shot(p, 'narrow-policies');
    await p.locator(`tr[data-policy-id="${LONG_POLICY}"] .linklike`).click();
    await p.getByRole('tab', { name: 'Form' }).waitFor();
    await noSideways(p, 'policy form');
    await withinWidth(p, '.drawer [role="radiogroup"] [role="radio"]', 'policy form'); // Effect and Mode choices
    await shot(p, 'narrow-policy-form');
    await p.getByRole('tab', { name: 'YAML / JSON' }).click();
    await p.locator('.code-editor .cm-content').waitFor();
    await noSideways(p, 'policy code');
    await withinWidth(p, '.code-editor .cm-line', 'policy code');
    await shot(p, 'narrow-policy-code');
    await p.getByRole('tab', { name: 'Test an action' }).click();
    await noSideways(p, 'policy test');
    await p.getByRole('tab', { name: 'Simulate' }).click();
    await p.getByRole('button', { name: /Simulate against recent history/ }).waitFor();
    await noSideways(p, 'policy simulate');
    await withinWidth(p, '.drawer-body button', 'policy simulate');
    await shot(p, 'narrow-policy-simulate');
  });

  it('Agents: one card per agent, its counts and Register within the window', async () => {
    const p = b.page;
    await open(p, '/agents', `tr[data-agent-id="${UUID_AGENT}"]`);
    await noSideways(p, 'agents');
    await withinWidth(p, 'tr[data-agent-id]', 'agents');
    await withinWidth(p, 'tr[data-agent-id] [data-testid="outcomes"]', 'agents');
    await withinWidth(p, 'tr[data-agent-id] button', 'agents');
    await readWhole(p, 'tr[data-agent-id] td:first-child', 'agents');
    await shot(p, 'narrow-agents');
    await p.locator(`tr[data-agent-id="${LONG_AGENT}"] .linklike`).click();
    await drawerOpen(p);
    await noSideways(p, 'agent drawer');
    await readWhole(p, '.drawer-head *', 'agent drawer'); // the long id is read whole
    await shot(p, 'narrow-agent-drawer');
  });

  it('MCP servers and Dashboard', async () => {
    const p = b.page;
    await open(p, '/mcp', '[data-server-id]');
    await noSideways(p, 'mcp');
    await withinWidth(p, '[data-server-id]', 'mcp');
    await shot(p, 'narrow-mcp');
    await open(p, '/dashboard', '.header h1');
    await p.waitForTimeout(500);
    await noSideways(p, 'dashboard');
    await shot(p, 'narrow-dashboard');
    await p.locator('.content').evaluate((el) => ((el as unknown as { scrollTop: number }).scrollTop = 600));
    await shot(p, 'narrow-dashboard-charts');
  });

  it('Settings and every sub-page; the install commands wrap, whole, beside their Copy button', async () => {
    const p = b.page;
    for (const tab of ['general', 'console', 'keys', 'webhooks', 'sinks', 'audit', 'integrations']) {
      await open(p, tab === 'general' ? '/settings' : `/settings?tab=${tab}`, '[role="tabpanel"] > *');
      await p.waitForTimeout(300);
      await noSideways(p, `settings ${tab}`);
      await withinWidth(p, '[role="tabpanel"] button', `settings ${tab}`);
      await shot(p, `narrow-settings-${tab}`);
    }
    const list = p.getByRole('list', { name: 'Coding agents' });
    await expect(list.getByRole('listitem').count()).resolves.toBe(7);
    await readWhole(p, '.agent-hook code', 'integrations');
    await withinWidth(p, '.agent-hook code', 'integrations');
    await withinWidth(p, '.agent-hook button', 'integrations'); // Copy
    await open(p, '/settings?tab=keys', 'table');
    await withinWidth(p, 'tbody tr', 'keys');
    // A webhook: its URL and what it receives keep the row's width, read whole; the buttons go under
    // them (they once squeezed the text to a word per line and the URL to "http:/…").
    await open(p, '/settings?tab=webhooks', '.webhook');
    const text = await p.locator('.webhook-head > .grow').boundingBox();
    expect(text!.width, 'webhook text width').toBeGreaterThan(W / 2);
    await expect(p.locator('.webhook-head > .grow .mono').textContent()).resolves.toBe(WEBHOOK_URL);
    await readWhole(p, '.webhook-head > .grow > *', 'webhooks');
    await withinWidth(p, '.webhook-head > *', 'webhooks');
    // Settings → Audit log: each key has the card's width, its label above it and its Copy button
    // under it (beside both, a key was squeezed into 9-character lines).
    await open(p, '/settings?tab=audit', 'pre[aria-label="Verifier key"]');
    for (const label of ['Public key', 'Verifier key']) {
      const key = (await p.locator(`pre[aria-label="${label}"]`).boundingBox())!;
      expect(key.width, `${label}: width`).toBeGreaterThan(W * 0.7);
      const copy = (await p.locator(`.snippet:has(> pre[aria-label="${label}"]) .copy`).boundingBox())!;
      expect(copy.y, `${label}: Copy under it`).toBeGreaterThanOrEqual(key.y + key.height);
      await withinWidth(p, `.snippet:has(> pre[aria-label="${label}"]) .copy`, 'audit keys');
    }
    await readWhole(p, '.kv dd', 'audit keys');
  });
});

describe('A/B tests under Policies (SPEC 12), their per-arm reports with real numbers', () => {
  const CELLS = 'article[data-ab-test-id] tr[data-arm] > *';
  for (const scheme of ['light', 'dark'] as const)
    for (const width of [W, 1280])
      it(`${width} px, ${scheme}: nothing scrolls sideways, every cell of the report within the window and read whole`, async () => {
        const br = await launchBrowser({ width, height: width === W ? 844 : 800, colorScheme: scheme });
        try {
          const p = br.page;
          const where = `A/B tests ${width} px ${scheme}`;
          await login(p, s, '/policies');
          const running = p.locator('article[data-ab-test-id]', { hasText: AB_NAME });
          await running.locator('tr[data-arm="test"]').waitFor();
          await p.locator('article[data-ab-test-id]', { hasText: AB_STOPPED }).waitFor();
          await expect(p.evaluate(() => (globalThis as unknown as Win).document.documentElement.dataset.theme)).resolves.toBe(scheme);
          const control = (await running.locator('tr[data-arm="control"] td').allTextContents()).map((t) => t.trim());
          // Decisions by outcome (SPEC 12): allowed, denied and pending — the one refund left unanswered.
          expect(control.slice(1, 4), 'allowed, denied, pending').toEqual(
            [report.arms.control.decisions.allowed, report.arms.control.decisions.denied, 1].map(String),
          );
          expect(control[5], 'approval rate').toMatch(/^\d+(\.\d)? %$/);
          expect(control[6], 'median approval time').not.toBe('—');
          await running.scrollIntoViewIfNeeded();

          await noSideways(p, where);
          await withinWidth(p, CELLS, where, width);
          await readWhole(p, CELLS, where);
          await withinWidth(p, 'article[data-ab-test-id] .ab-test-head > *', where, width);
          await withinWidth(p, 'form[aria-label="Start an A/B test"] :is(.input, button)', where, width);
          // What each number is stays on screen: the column head above the row, or on a card its label.
          const labels = await running.locator('tr[data-arm="control"] td').evaluateAll((tds) =>
            (tds as unknown as Cell[]).map((td) => {
              const head = td.closest('table').tHead.rows[0]!.cells[td.cellIndex]!;
              return {
                head: head.textContent?.trim(),
                shown: head.getBoundingClientRect().height > 2,
                before: (globalThis as unknown as Win).getComputedStyle(td, '::before').content,
              };
            }),
          );
          for (const l of labels) {
            if (width === W) expect(l.before, `${where}: the card labels its number`).toBe(JSON.stringify(l.head));
            else expect(l.shown, `${where}: the table shows its head`).toBe(true);
          }
          if (width > W) {
            // A table on a wide window: each arm's numbers on one line.
            const tops = await running
              .locator('tr[data-arm="control"] > *')
              .evaluateAll((els) => (els as unknown as Cell[]).map((e) => Math.round(e.getBoundingClientRect().top)));
            expect(new Set(tops).size, `${where}: one line per arm`).toBe(1);
          }
          // The whole panel in one screenshot: a window tall enough that nothing scrolls (the width stays).
          const tall = await p.locator('.content').evaluate((e) => {
            const c = e as unknown as { scrollTop: number; scrollHeight: number; getBoundingClientRect(): { top: number } };
            c.scrollTop = 0;
            return Math.ceil(c.getBoundingClientRect().top + c.scrollHeight);
          });
          await p.setViewportSize({ width, height: tall });
          await p
            .locator('section.ab-tests')
            .screenshot({ path: join(SHOTS, `narrow-ab-tests-${width}-${scheme}.png`), animations: 'disabled' });
        } finally {
          await br.close();
        }
      });
});

// SPEC 10 from 390 to 1920 px, not only at its ends: between them the sidebar and a screen's panels
// leave a table less room than the window has (at 1024 px the A/B report had 702 px for 777, the
// policy list 778 for 927), so a table switches to cards by the width of its own box, not the
// window's. Every screen and sub-page above at each width, and the card tables are real tables on a
// wide window.
const WIDTHS = [390, 600, 760, 800, 900, 1024, 1100, 1280, 1440, 1920];

describe(`every screen and sub-page at ${WIDTHS.join(', ')} px`, () => {
  it('nothing scrolls sideways at any width; from 1280 px every card table is a table', async () => {
    const p = b.page;
    const found: string[] = [];
    /** Resizes the window through every width (a frame to lay out and a frame for what a resize re-renders) and notes what scrolls sideways. */
    const sweep = async (where: string) => {
      for (const width of WIDTHS) {
        await p.setViewportSize({ width, height: 900 });
        await p.evaluate(() => {
          const g = globalThis as unknown as { requestAnimationFrame(f: () => void): void };
          return new Promise<void>((r) => g.requestAnimationFrame(() => g.requestAnimationFrame(r)));
        });
        for (const x of await sideways(p)) found.push(`${where} at ${width} px: ${x}`);
        if (width < 1280) continue;
        const tables = await p.locator('table.cards').evaluateAll((els) =>
          (els as unknown as { className: string; tHead: { getBoundingClientRect(): { height: number } } }[]).map((t) => ({
            table: t.className,
            head: t.tHead.getBoundingClientRect().height,
          })),
        );
        for (const t of tables) if (t.head <= 2) found.push(`${where} at ${width} px: ${t.table} is cards, not a table`);
      }
    };
    try {
      await open(p, '/approvals', '[role="region"][aria-label="Request"]');
      await sweep('approvals');
      await open(p, '/activity', '.vbody .vrow[data-action-id]');
      await sweep('activity');
      await p.locator('.vbody .vrow[data-action-id]').nth(1).click();
      await drawerOpen(p);
      await sweep('activity drawer');
      await open(p, '/activity?view=events', '.vbody .vrow');
      await sweep('events');
      await p.locator('.vbody .vrow').nth(2).click();
      await drawerOpen(p);
      await sweep('record drawer');
      // The policy list and the A/B tests under it, with both tests' reports.
      await open(p, '/policies', `tr[data-policy-id="${LONG_POLICY}"]`);
      await p.locator('article[data-ab-test-id] tr[data-arm="test"]').nth(1).waitFor();
      await sweep('policies and A/B tests');
      await p.locator(`tr[data-policy-id="${LONG_POLICY}"] .linklike`).click();
      await p.getByRole('tab', { name: 'Form' }).waitFor();
      await sweep('policy form');
      await p.getByRole('tab', { name: 'YAML / JSON' }).click();
      await p.locator('.code-editor .cm-content').waitFor();
      await sweep('policy code');
      await p.getByRole('tab', { name: 'Test an action' }).click();
      await sweep('policy test');
      await p.getByRole('tab', { name: 'Simulate' }).click();
      await p.getByRole('button', { name: /Simulate against recent history/ }).waitFor();
      await sweep('policy simulate');
      await open(p, '/agents', `tr[data-agent-id="${UUID_AGENT}"]`);
      await sweep('agents');
      await p.locator(`tr[data-agent-id="${LONG_AGENT}"] .linklike`).click();
      await drawerOpen(p);
      await sweep('agent drawer');
      await open(p, '/mcp', '[data-server-id]');
      await sweep('mcp');
      await open(p, '/dashboard', '.header h1');
      await p.locator('.recharts-surface').first().waitFor();
      await sweep('dashboard');
      for (const tab of ['general', 'console', 'keys', 'webhooks', 'sinks', 'audit', 'integrations']) {
        await open(p, tab === 'general' ? '/settings' : `/settings?tab=${tab}`, '[role="tabpanel"] > *');
        if (tab === 'keys') await p.locator('[role="tabpanel"] table tbody tr').first().waitFor();
        await sweep(`settings ${tab}`);
      }
    } finally {
      await p.setViewportSize({ width: W, height: 844 });
    }
    expect(found).toEqual([]);
  });
});

describe('Activity search with a short word', () => {
  it('`rm` finds the `rm -rf build/` actions and says it matched the whole word; `bu` explains its empty result', async () => {
    const p = b.page;
    await open(p, '/activity', '.vbody .vrow[data-action-id]');
    await p.locator('#f-q').fill('rm');
    await expect
      .poll(async () => (await p.locator('.vbody .vrow[data-action-id] [data-col="resource"]').allTextContents()).join('|'))
      .toBe(Array(4).fill('rm -rf build/').join('|'));
    await expect(p.getByTestId('activity-count').textContent()).resolves.toBe(
      '4 actions loaded · newest first · “rm” matched as whole word',
    );
    await noSideways(p, 'search rm');
    await shot(p, 'narrow-activity-search-rm');
    await p.locator('#f-q').fill('bu');
    const why = p.getByTestId('short-words');
    await why.waitFor();
    await expect(why.textContent()).resolves.toMatch(
      /^“bu” is matched as a whole word: .*Type more of it to match the start of longer words/,
    );
    await shot(p, 'narrow-activity-search-bu');
    await p.locator('#f-q').fill('bui');
    await expect.poll(() => p.locator('.vbody .vrow[data-action-id]').count()).toBe(4);
  });
});

describe('the policy list on a wide window', () => {
  for (const width of [1280, 1920])
    it(`${width} px: each policy's name and id read whole (they wrap, never cut to one line)`, async () => {
      const br = await launchBrowser({ width, height: 900 });
      try {
        const p = br.page;
        await login(p, s, '/policies');
        await p.locator(`tr[data-policy-id="${LONG_POLICY}"]`).waitFor();
        const head = await p.locator('table.policy-table thead').boundingBox();
        expect(head!.height, 'a table, not cards').toBeGreaterThan(2);
        await readWhole(p, 'tr[data-policy-id] .policy-name .linklike', `policies ${width} px`);
        await readWhole(p, 'tr[data-policy-id] .policy-name .mono', `policies ${width} px`);
        await noSideways(p, `policies ${width} px`);
        // The editor's Id, which cannot change, read whole (an input cut it to "approval-for-prod-db-deletes-ou").
        await p.locator(`tr[data-policy-id="${LONG_POLICY}"] .linklike`).click();
        const id = p.locator('.drawer #pf-id');
        await expect(id.inputValue()).resolves.toBe(LONG_POLICY);
        const box = await id.evaluate((e) => {
          const el = e as unknown as { scrollWidth: number; clientWidth: number; scrollHeight: number; clientHeight: number };
          return { sw: el.scrollWidth, cw: el.clientWidth, sh: el.scrollHeight, ch: el.clientHeight };
        });
        expect(box.sw, `Id cut sideways at ${width} px`).toBeLessThanOrEqual(box.cw);
        expect(box.sh, `Id cut below at ${width} px`).toBeLessThanOrEqual(box.ch);
      } finally {
        await br.close();
      }
    });
});
