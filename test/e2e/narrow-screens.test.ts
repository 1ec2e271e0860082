import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, login, shot, startGatehouse, type Browser, type Server } from './helpers/gatehouse.js';
import { HELD, submitHeld } from './helpers/requests.js';

// SPEC 10: "The layout works from 390 px wide ... no horizontal scrolling". Every screen, its
// sub-pages, the policy editor's tabs and the drawers, at 390 px with realistic data: agents with
// long ids, long resources, an MCP server with tools, a policy with a long name. Nothing scrolls
// sideways (neither the page nor a table or command inside it), and what a row is about (its
// buttons, its last column) is within the window, not off to the right.

const W = 390;
const LONG_AGENT = 'data-pipeline-nightly-warehouse-sync-eu-west-1-prod';
const UUID_AGENT = 'cursor-background-agent-7f3a9c2e-4b1d-4e8f-9a6b-2c5d8e1f0a3b';
const LONG_RESOURCE = 's3://company-analytics-prod-eu-west-1/exports/2026/11/29/customers-full-snapshot-with-pii-and-addresses.parquet';
const LONG_POLICY = 'approval-for-prod-db-deletes-outside-the-maintenance-window';

let s: Server;
let b: Browser;

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
  b = await launchBrowser({ width: W, height: 844 });
});
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
  document: { documentElement: El; querySelectorAll(sel: string): Iterable<El> };
  getComputedStyle(e: El): { overflowX: string };
}

/** Nothing scrolls sideways: not the page, and no element that scrolls (a table's wrapper, a pane, a command). */
async function noSideways(p: Page, where: string): Promise<void> {
  const r = await p.evaluate(() => {
    const g = globalThis as unknown as Win;
    const d = g.document.documentElement;
    const scrolling = [...g.document.querySelectorAll('body *')]
      .filter((e) => ['auto', 'scroll'].includes(g.getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1)
      .map((e) => `${e.tagName.toLowerCase()}.${String(e.className).split(' ').join('.')} ${e.scrollWidth}>${e.clientWidth}`);
    return { page: [d.scrollWidth, d.clientWidth], scrolling };
  });
  expect(r.page[0], `${where}: the page is wider than the window`).toBeLessThanOrEqual(r.page[1]!);
  expect(r.scrolling, `${where}: scrolls sideways`).toEqual([]);
}

/** Every match of `selector` (at least one) lies within the window's width. */
async function withinWidth(p: Page, selector: string, where: string): Promise<void> {
  const boxes = await p.locator(selector).evaluateAll((els) =>
    els.map((e) => {
      const r = (e as unknown as { getBoundingClientRect(): { left: number; right: number } }).getBoundingClientRect();
      return [r.left, r.right] as const;
    }),
  );
  expect(boxes.length, `${where}: ${selector}`).toBeGreaterThan(0);
  for (const [left, right] of boxes) {
    expect(left, `${where}: ${selector}`).toBeGreaterThanOrEqual(-0.5);
    expect(right, `${where}: ${selector} ends past the window`).toBeLessThanOrEqual(W + 0.5);
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
    await shot(p, 'narrow-activity');
    await p.locator('.vbody .vrow[data-action-id]').nth(1).click();
    await drawerOpen(p);
    await noSideways(p, 'activity drawer');
    await withinWidth(p, '.drawer-head', 'activity drawer');
    await shot(p, 'narrow-activity-drawer');
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
