// Dashboard (issue 17): requests nobody answered (expired, withdrawn) are called out in words, and
// the timeline's axis fits the window (round local times, labels that say only what changes). On 0.1
// expired requests hid inside "denied" and withdrawn ones were not counted at all; the axis put a
// label on whichever buckets recharts happened to keep.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision, Stats } from '../../src-shared/index.js';
import { launchBrowser, login, shot, startGatehouse, type Browser, type Server } from './helpers/gatehouse.js';

let s: Server;
let b: Browser;

const submit = async (a: Record<string, unknown>) => (await s.api<Decision>('POST', '/api/v1/actions/submit', a, s.agentKey)).body;

beforeAll(async () => {
  s = await startGatehouse();
  b = await launchBrowser();
  expect(
    (
      await s.api('POST', '/api/v1/policies', {
        id: 'deploys-need-approval-fast',
        name: 'Deploys need approval (short timeout)',
        effect: 'require_approval',
        priority: 700,
        when: { action_type: 'deploy.run' },
        approval: { timeout_s: 2, timeout_action: 'deny' },
      })
    ).status,
  ).toBe(201);
  for (let i = 0; i < 3; i++)
    expect((await submit({ agent_id: 'release-bot', action_type: 'deploy.run', resource: `svc-${i}` })).decision).toBe('pending');
  const w = await submit({ agent_id: 'release-bot', action_type: 'deploy.run', resource: 'svc-w' });
  expect((await s.api('POST', `/api/v1/actions/${w.action_id}/withdraw`, { reason: 'timed out' }, s.agentKey)).status).toBe(200);
  const r = await submit({ agent_id: 'release-bot', action_type: 'deploy.run', resource: 'svc-r' });
  expect((await s.api('POST', `/api/v1/approvals/${r.action_id}/deny`, {})).status).toBe(200);
  await submit({ agent_id: 'claude-code', action_type: 'file.read', resource: 'README.md' });
  // Approved by the person, then run and reported: `completed` now, and still approved by you.
  const a = await submit({ agent_id: 'release-bot', action_type: 'deploy.run', resource: 'svc-a' });
  expect((await s.api('POST', `/api/v1/approvals/${a.action_id}/approve`, {})).status).toBe(200);
  expect((await s.api('POST', `/api/v1/actions/${a.action_id}/complete`, { status: 'success' }, s.agentKey)).status).toBe(200);
  // Let the three held ones expire with nobody answering.
  for (let i = 0; i < 40; i++) {
    if ((await s.api<Stats>('GET', '/api/v1/stats?window=7d')).body.totals.expired === 3) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  expect((await s.api<Stats>('GET', '/api/v1/stats?window=7d')).body.totals.expired).toBe(3);
});
afterAll(async () => {
  await b?.close();
  await s?.stop();
});

describe('Dashboard', () => {
  it('calls out the requests nobody answered, in words, with a way to see them', async () => {
    const p = b.page;
    await login(p, s, '/dashboard?window=7d');
    const callout = p.getByTestId('unanswered');
    await callout.waitFor();
    await expect(callout.locator('strong').textContent()).resolves.toBe(
      '3 requests expired with nobody answering and 1 was withdrawn because the agent stopped waiting this week.',
    );
    // 6 held for a person; 4 of them unanswered. Denials: 1 by a person + 4 unanswered.
    await callout.getByText(/That is 67% of the 6 held for you; 80% of the 5 that did not run were requests nobody answered\./).waitFor();
    await expect(p.getByTestId('tile-unanswered').locator('.stat-value').textContent()).resolves.toBe('4');
    await expect(p.locator('.stat.allowed .small').textContent()).resolves.toMatch(/ · 1 by you$/);
    await expect(p.locator('.stat.denied .small').textContent()).resolves.toMatch(/ · 1 by you, 0 by policy or risk$/);
    // Approval latency: each figure stays on one line with its unit (it wrapped as "max 0.3 / s").
    const split = await p.locator('.stat-value.latency + div').evaluate((el) => {
      const text = el.textContent ?? '';
      const walker = el.ownerDocument.createTreeWalker(el, 4 /* text nodes */);
      const nodes: { node: NonNullable<ReturnType<typeof walker.nextNode>>; from: number }[] = [];
      let at = 0;
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        nodes.push({ node: n, from: at });
        at += n.textContent!.length;
      }
      const range = (from: number, to: number) => {
        const r = el.ownerDocument.createRange();
        const find = (i: number) => [...nodes].reverse().find((x) => x.from <= i)!;
        const [a, b] = [find(from), find(to - 1)];
        r.setStart(a.node, from - a.from);
        r.setEnd(b.node, to - b.from);
        return r;
      };
      return [...text.matchAll(/(p90|max) [^·]+ s\b/g)]
        .filter((m) => new Set([...range(m.index, m.index + m[0].length).getClientRects()].map((r) => Math.round(r.top))).size > 1)
        .map((m) => m[0]);
    });
    expect(split, 'latency figures split across lines').toEqual([]);
    // The timeline's amber is what was held for a person on arrival (6), not what waits now (0).
    await expect(p.locator('.legend .key').allTextContents()).resolves.toEqual(['allowed', 'held for you', 'denied']);
    await shot(p, '80-dashboard-unanswered');
    await callout.getByRole('link', { name: /See them in Activity/ }).click();
    await p.waitForURL(/\/activity\?status=expired&range=7d/);
    await expect.poll(() => p.locator('.vbody .vrow[data-action-id]').count()).toBe(3);
  });

  it('no callout when every request was answered', async () => {
    const p = b.page;
    await p.goto(`${s.url}/dashboard?window=1h`);
    await p.getByText('Approval latency').waitFor();
    // The window still holds them: an hour ago is after they were created.
    await p.getByTestId('unanswered').waitFor();
    const fresh = await startGatehouse();
    try {
      await fresh.api('POST', '/api/v1/actions/submit', { agent_id: 'a', action_type: 'file.read', resource: 'x' }, fresh.agentKey);
      await login(p, fresh, '/dashboard');
      await p.getByText('Actions over time').waitFor();
      await expect(p.getByTestId('unanswered').count()).resolves.toBe(0);
    } finally {
      await fresh.stop();
    }
  });

  it('an expired request whose timeout allows it is called out as having run, not among what did not run', async () => {
    const p = b.page;
    const fresh = await startGatehouse();
    try {
      const policy = await fresh.api('POST', '/api/v1/policies', {
        id: 'deploys-allow-on-timeout',
        effect: 'require_approval',
        priority: 700,
        when: { action_type: 'deploy.run' },
        approval: { timeout_s: 1, timeout_action: 'allow' },
      });
      expect(policy.status).toBe(201);
      await fresh.api(
        'POST',
        '/api/v1/actions/submit',
        { agent_id: 'release-bot', action_type: 'deploy.run', resource: 'svc' },
        fresh.agentKey,
      );
      await expect
        .poll(async () => (await fresh.api<Stats>('GET', '/api/v1/stats?window=1h')).body.totals.expired, { timeout: 10_000 })
        .toBe(1);
      await login(p, fresh, '/dashboard?window=1h');
      const callout = p.getByTestId('unanswered');
      await callout.waitFor();
      await expect(callout.textContent()).resolves.toContain(
        'It ran anyway: their timeout allows what nobody answers. That is 100% of the 1 held for you.See them',
      );
      await expect(callout.textContent()).resolves.not.toContain('did not run');
      await expect(p.getByTestId('tile-unanswered').locator('.small').textContent()).resolves.toBe(
        '1 expired · 0 withdrawn · 1 ran on timeout',
      );
    } finally {
      await fresh.stop();
    }
  });

  it('the time axis fits each window: round local times, one label per 10 min / hour / 3 h / day / 5 days', async () => {
    const p = b.page;
    await login(p, s, '/dashboard');
    const UNIT: Record<string, string> = { '1h': '1 min', '6h': '10 min', '24h': '30 min', '7d': '4 h', '30d': '12 h' };
    const labels = async (w: string) => {
      await p.getByRole('radio', { name: w }).click();
      await p.getByText(`one bar per ${UNIT[w]}`).waitFor();
      await expect
        .poll(() =>
          p
            .locator('.chart-panel', { hasText: 'Actions over time' })
            .locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value')
            .count(),
        )
        .toBeGreaterThan(0);
      return p
        .locator('.chart-panel', { hasText: 'Actions over time' })
        .locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value')
        .allTextContents();
    };
    const hhmm = /^(\d\d):(\d\d)(?: [AP]M)?$/; // the browser's locale: en-US here
    const h1 = await labels('1h');
    expect(h1.length).toBeGreaterThanOrEqual(5);
    expect(h1.length, h1.join('|')).toBeLessThanOrEqual(7);
    for (const l of h1) expect(Number(hhmm.exec(l)![2]) % 10).toBe(0);
    const h6 = await labels('6h');
    expect(h6.length).toBeGreaterThanOrEqual(5);
    for (const l of h6) expect(hhmm.exec(l)![2]).toBe('00');
    const h24 = await labels('24h');
    expect(h24.length).toBeGreaterThanOrEqual(7);
    expect(h24.length, h24.join('|')).toBeLessThanOrEqual(9);
    for (const l of h24) {
      const m = hhmm.exec(l)!;
      expect(m[2]).toBe('00');
      expect(Number(m[1]) % 3).toBe(0);
    }
    await shot(p, '81-dashboard-24h-axis');
    const d7 = await labels('7d');
    expect(d7.length).toBeGreaterThanOrEqual(6);
    expect(d7.length, d7.join('|')).toBeLessThanOrEqual(7);
    for (const l of d7) expect(l).toMatch(/^[A-Z][a-z]{2} \d{1,2}$/); // "Thu 26"
    await shot(p, '82-dashboard-7d-axis');
    const d30 = await labels('30d');
    expect(d30.length).toBeGreaterThanOrEqual(5);
    expect(d30.length, d30.join('|')).toBeLessThanOrEqual(7);
    for (const l of d30) expect(l).toMatch(/^[A-Z][a-z]{2} \d{1,2}$/);
    await shot(p, '83-dashboard-30d-axis');
  });
});
