import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionStatus } from '../../src-shared/index.js';
import { launchBrowser, login, shot, startGatehouse, waitLive, type Server } from './helpers/gatehouse.js';
import { HELD, submitHeld, submitIdenticalDeletes, submitOneOfEach } from './helpers/requests.js';

// SPEC 10: the approvals layout from 390 px to 1920 px (light and dark), the theme choice, and
// notifications through the console's real service worker in Chromium.

let s: Server;
let ids: Awaited<ReturnType<typeof submitOneOfEach>>;

beforeAll(async () => {
  s = await startGatehouse();
  ids = await submitOneOfEach(s);
  await submitIdenticalDeletes(s, 12);
});
afterAll(async () => {
  await s?.stop();
});

/** The page functions below run in the browser; this file is type-checked for Node. */
interface Win {
  document: {
    documentElement: {
      scrollWidth: number;
      clientWidth: number;
      scrollHeight: number;
      clientHeight: number;
      dataset: Record<string, string | undefined>;
    };
    body: { scrollWidth: number; clientWidth: number };
    hasFocus(): boolean;
    querySelector(sel: string): { scrollTop: number; scrollHeight: number } | null;
    querySelectorAll(sel: string): Iterable<{ tagName: string; className: string; scrollWidth: number; clientWidth: number }>;
  };
  navigator: { serviceWorker: { ready: Promise<SwReg> } };
  MessageChannel: new () => { port1: { onmessage: ((e: { data: unknown }) => void) | null }; port2: unknown };
  performance: { now(): number };
}
interface SwReg {
  active: { postMessage(m: unknown, transfer: unknown[]): void } | null;
}
/** What the worker says it shows (sw.ts `ShownNotification`). */
interface Shown {
  title: string;
  body: string;
  tag: string;
  actions: string[];
  actionId: string | null;
}

async function expectInViewport(p: Page, selector: string): Promise<void> {
  const box = (await p.locator(selector).first().boundingBox())!;
  const vp = p.viewportSize()!;
  expect(box, selector).not.toBeNull();
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.y + box.height).toBeLessThanOrEqual(vp.height + 0.5);
  expect(box.x + box.width).toBeLessThanOrEqual(vp.width + 0.5);
}

async function noSidewaysScroll(p: Page, where = ''): Promise<void> {
  const w = await p.evaluate(() => {
    const d = (globalThis as unknown as Win).document;
    // The panes scroll on their own: content wider than one of them scrolls it sideways too.
    const panes = [...d.querySelectorAll('.detail-scroll, .content, [role="region"][aria-label="Request"]')].map((el) => ({
      name: `${el.tagName}.${el.className}`,
      over: el.scrollWidth - el.clientWidth,
    }));
    return { doc: [d.documentElement.scrollWidth, d.documentElement.clientWidth], body: [d.body.scrollWidth, d.body.clientWidth], panes };
  });
  expect(w.doc[0]).toBeLessThanOrEqual(w.doc[1]!);
  expect(w.body[0]).toBeLessThanOrEqual(w.body[1]!);
  for (const pane of w.panes) expect(pane.over, `${where} ${pane.name}`).toBeLessThanOrEqual(0);
}

describe('layout from 390 px to 1920 px, light and dark', () => {
  for (const [width, height] of [
    [1280, 800],
    [1920, 1080],
    [390, 844],
  ] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      it(`${width}×${height} ${scheme}: no sideways scrolling, the request's header and Approve / Deny in view`, async () => {
        const b = await launchBrowser({ width, height, colorScheme: scheme });
        try {
          const p = b.page;
          await login(p, s, '/approvals');
          await waitLive(p);
          await p.locator('[role="region"][aria-label="Request"][data-armed="true"]').waitFor();
          await expect(p.evaluate(() => (globalThis as unknown as Win).document.documentElement.dataset.theme)).resolves.toBe(scheme);
          await expect(p.getByRole('listbox', { name: 'Waiting requests' }).getByRole('option').count()).resolves.toBe(6);
          await noSidewaysScroll(p);
          await expectInViewport(p, '#request-headline');
          await expectInViewport(p, '.answer-bar .btn.deny');
          await expectInViewport(p, '.answer-bar .btn.approve');
          await shot(p, `approvals-${width}x${height}-${scheme}`);
          // Reading to the end of a long request keeps the answer within reach.
          await p.evaluate(() => {
            const d = (globalThis as unknown as Win).document;
            for (const sel of ['.detail-scroll', '.content']) {
              const el = d.querySelector(sel);
              if (el) el.scrollTop = el.scrollHeight;
            }
          });
          await expectInViewport(p, '.answer-bar .btn.deny');
          await expectInViewport(p, '.answer-bar .btn.approve');
          await noSidewaysScroll(p);
          // Every remember choice, "6 Forever" last, fits the pane (at 390 px they wrap).
          const forever = p.getByRole('radio', { name: /Forever/ });
          await forever.scrollIntoViewIfNeeded();
          const box = (await forever.boundingBox())!;
          expect(box.x).toBeGreaterThanOrEqual(0);
          expect(box.x + box.width).toBeLessThanOrEqual(width);
          await noSidewaysScroll(p);
          // The longest answer label ("Approve 12 until restart") is read whole, never cut off.
          await p.getByRole('option').filter({ hasText: '×12' }).click();
          await p.locator('[role="region"][aria-label="Request"][data-armed="true"]').waitFor();
          await p.keyboard.press('5');
          await p.getByRole('button', { name: /^Approve 12 until restart/ }).waitFor();
          const clipped = await p.evaluate(() =>
            [...(globalThis as unknown as Win).document.querySelectorAll('.answer-bar .btn')]
              .filter((el) => el.scrollWidth > el.clientWidth)
              .map((el) => el.className),
          );
          expect(clipped).toEqual([]);
          await expectInViewport(p, '.answer-bar .btn.deny');
          await expectInViewport(p, '.answer-bar .btn.approve');
          await noSidewaysScroll(p);
        } finally {
          await b.close();
        }
      });
    }
  }

  it('at 390 px no other screen scrolls sideways either', async () => {
    const b = await launchBrowser({ width: 390, height: 844 });
    try {
      for (const path of [
        '/activity',
        '/policies',
        '/agents',
        '/mcp',
        '/dashboard',
        '/settings',
        '/settings?tab=console',
        '/settings?tab=keys',
      ]) {
        await login(b.page, s, path);
        await b.page.locator('.header h1').waitFor();
        await b.page.waitForTimeout(300);
        await noSidewaysScroll(b.page, path);
        // The panes scroll, never the window (a hidden label once stretched it into a blank area below).
        const tall = await b.page.evaluate(() => {
          const d = (globalThis as unknown as Win).document.documentElement;
          return d.scrollHeight - d.clientHeight;
        });
        expect(tall, path).toBeLessThanOrEqual(0);
      }
    } finally {
      await b.close();
    }
  });

  it('at 390 px, answering by tap shows the next request from its top', async () => {
    expect((await s.api('PUT', '/api/v1/settings', { answer_grace_s: 0 })).status).toBe(200);
    const b = await launchBrowser({ width: 390, height: 844 });
    try {
      const p = b.page;
      await login(p, s, '/approvals');
      await waitLive(p);
      const env = p.locator(`[role="option"][data-action-id="${ids.env}"]`);
      await env.click();
      await p.locator(`.detail-scroll[data-action-id="${ids.env}"]`).waitFor();
      await p.locator('[role="region"][aria-label="Request"][data-armed="true"]').waitFor();
      await p.evaluate(() => {
        const el = (globalThis as unknown as Win).document.querySelector('.content');
        if (el) el.scrollTop = el.scrollHeight;
      });
      await p.getByRole('button', { name: /^Deny/ }).click();
      await env.waitFor({ state: 'detached' });
      await p.locator('[role="region"][aria-label="Request"][data-armed="true"]').waitFor();
      const selected = await p.locator('[role="option"][aria-selected="true"]').getAttribute('data-action-id');
      await expect(p.locator('.detail-scroll').getAttribute('data-action-id')).resolves.toBe(selected);
      await expectInViewport(p, '#request-headline');
      await noSidewaysScroll(p);
      const st = await s.api<ActionStatus>('GET', `/api/v1/actions/${ids.env}/status`, undefined, s.agentKey);
      expect(st.body.status).toBe('rejected');
    } finally {
      await b.close();
      await s.api('PUT', '/api/v1/settings', { answer_grace_s: 4 });
    }
  });

  it('Settings: the theme choice (system / light / dark) applies at once and is kept', async () => {
    const b = await launchBrowser({ colorScheme: 'light' });
    try {
      const p = b.page;
      await login(p, s, '/settings?tab=console');
      const theme = p.getByRole('radiogroup', { name: 'Theme' });
      await theme.getByRole('radio', { name: 'Dark' }).click();
      const current = () => p.evaluate(() => (globalThis as unknown as Win).document.documentElement.dataset.theme);
      await expect(current()).resolves.toBe('dark');
      await shot(p, '26-settings-console-dark');
      await p.reload();
      await p.getByRole('radiogroup', { name: 'Theme' }).waitFor();
      await expect(current()).resolves.toBe('dark');
      await p.getByRole('radiogroup', { name: 'Theme' }).getByRole('radio', { name: 'System' }).click();
      await expect(current()).resolves.toBe('light');
      // The undo window is a server setting.
      await p.getByLabel('Undo window (seconds)').fill('6');
      await p.getByRole('button', { name: 'Save', exact: true }).click();
      await p.getByText('Saved', { exact: true }).waitFor();
      expect((await s.api<{ answer_grace_s: number }>('GET', '/api/v1/settings')).body.answer_grace_s).toBe(6);
      await s.api('PUT', '/api/v1/settings', { answer_grace_s: 4 });
    } finally {
      await b.close();
    }
  });
});

describe('notifications (a real service worker in Chromium)', () => {
  it('group per agent, carry Approve / Deny on a single request, fire only while no console tab has focus, and respect do-not-disturb', async () => {
    const b = await launchBrowser();
    try {
      const p = b.page;
      await b.context.grantPermissions(['notifications'], { origin: s.url });
      await login(p, s, '/approvals');
      await waitLive(p);
      await p.evaluate(async () => !!(await (globalThis as unknown as Win).navigator.serviceWorker.ready).active);
      const worker = b.context.serviceWorkers()[0] ?? (await b.context.waitForEvent('serviceworker'));
      // What is shown, asked of the worker as the console asks it: a getNotifications() of its own that
      // overlaps one of the worker's shows makes Chromium forget that notification (sw.ts), so the test
      // once lost the 'Approved' confirmation it was polling for on a loaded machine.
      const notifications = () =>
        p.evaluate(async () => {
          const w = globalThis as unknown as Win;
          const worker = (await w.navigator.serviceWorker.ready).active!;
          const ch = new w.MessageChannel();
          const reply = new Promise<Shown[]>((resolve) => (ch.port1.onmessage = (e) => resolve(e.data as Shown[])));
          worker.postMessage({ type: 'shown' }, [ch.port2]);
          return reply;
        });

      // While the console has focus, nothing is announced: the queue shows it.
      const first = await submitHeld(s, {
        ...HELD.forcePush,
        resource: 'git push --force origin release',
        parameters: { command: 'git push --force origin release' },
      });
      await p.locator(`[role="option"][data-action-id="${first.action_id}"]`).waitFor();
      await p.waitForTimeout(1200);
      expect(await notifications()).toEqual([]);

      // Another tab in front: the console has no focus (Playwright's focus emulation off).
      const cdp = await b.context.newCDPSession(p);
      await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false });
      const other = await b.context.newPage();
      await other.bringToFront();
      await expect(p.evaluate(() => (globalThis as unknown as Win).document.hasFocus())).resolves.toBe(false);

      const cc = [];
      for (const body of [
        { ...HELD.forcePush, resource: 'git push --force origin hotfix', parameters: { command: 'git push --force origin hotfix' } },
        { ...HELD.rmRf, resource: 'rm -rf ../shared-cache', parameters: { command: 'rm -rf ../shared-cache' } }, // outside the working tree: held
        { ...HELD.forcePush, resource: 'git reset --hard HEAD~5', parameters: { command: 'git reset --hard HEAD~5' } },
      ])
        cc.push((await submitHeld(s, body)).action_id);
      const refund = await submitHeld(s, { ...HELD.refund, parameters: { ...HELD.refund.parameters, amount: 4500 } });
      await expect.poll(async () => (await notifications()).length, { timeout: 30_000 }).toBe(2);
      const ns = await notifications();
      const group = ns.find((n) => n.tag === 'gatehouse:claude-code')!;
      expect(group.title).toBe('3 new requests from claude-code');
      expect(group.body).toContain('force-push hotfix to origin');
      expect(group.actions).toEqual([]);
      const single = ns.find((n) => n.tag === 'gatehouse:billing-agent')!;
      expect(single.title).toBe('billing-agent wants to issue a refund of 45.00 USD on stripe://charges/ch_3PqLw2Hk9aXb');
      expect(single.actions).toEqual(['approve', 'deny']);
      expect(single.actionId).toBe(refund.action_id);

      // Approve from the notification: the worker posts the answer with the console's session. Meanwhile
      // consoles keep asking what is shown (eight readers at once), as their checks do: the confirmation
      // is shown in turn with the reads, never forgotten by one that overlaps it. (Reading with
      // getNotifications() instead lost it in 4 of 6 runs on a loaded machine.)
      const readers = p.evaluate(async () => {
        const w = globalThis as unknown as Win;
        const worker = (await w.navigator.serviceWorker.ready).active!;
        const shown = () => {
          const ch = new w.MessageChannel();
          const reply = new Promise<Shown[]>((resolve) => (ch.port1.onmessage = (e) => resolve(e.data as Shown[])));
          worker.postMessage({ type: 'shown' }, [ch.port2]);
          return reply;
        };
        const until = w.performance.now() + 20_000;
        let reads = 0;
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            while (w.performance.now() < until && !(await shown()).some((n) => n.title === 'Approved')) reads++;
          }),
        );
        return reads;
      });
      await worker.evaluate(async () => {
        type Sw = {
          registration: { getNotifications(f: { tag: string }): Promise<unknown[]> };
          NotificationEvent: new (type: string, init: { notification: unknown; action: string }) => Event;
          dispatchEvent(e: Event): boolean;
        };
        const sw = globalThis as unknown as Sw;
        const [n] = await sw.registration.getNotifications({ tag: 'gatehouse:billing-agent' });
        sw.dispatchEvent(new sw.NotificationEvent('notificationclick', { notification: n, action: 'approve' }));
      });
      await expect
        .poll(async () => (await s.api<ActionStatus>('GET', `/api/v1/actions/${refund.action_id}/status`, undefined, s.agentKey)).body, {
          timeout: 20_000,
        })
        .toMatchObject({ status: 'approved', reviewed_by: 'user', comment: 'Answered from a notification' });
      // The worker shows its confirmation once the answer's response is back (well under a second even on
      // a loaded machine); the wait only bounds a failure.
      expect(await readers).toBeGreaterThan(0);
      await expect.poll(async () => (await notifications()).map((n) => n.title), { timeout: 20_000 }).toContain('Approved');

      // An answered request leaves its group.
      await s.api('POST', `/api/v1/approvals/${cc[0]}/deny`, {});
      await expect
        .poll(async () => (await notifications()).find((n) => n.tag === 'gatehouse:claude-code')?.title, { timeout: 5_000 })
        .toBe('2 new requests from claude-code');

      // Looking at the console clears them.
      await p.bringToFront();
      await p.evaluate(() => (globalThis as unknown as { dispatchEvent(e: Event): boolean }).dispatchEvent(new Event('focus')));
      await expect
        .poll(async () => (await notifications()).filter((n) => n.tag.startsWith('gatehouse:claude-code')).length, { timeout: 5_000 })
        .toBe(0);

      // Do not disturb: nothing is announced.
      await expect(p.getByRole('button', { name: 'Do not disturb' }).getAttribute('aria-pressed')).resolves.toBe('false');
      await p.getByRole('button', { name: 'Do not disturb' }).click();
      await expect(p.getByRole('button', { name: 'Do not disturb' }).getAttribute('aria-pressed')).resolves.toBe('true');
      await other.bringToFront();
      await submitHeld(s, { ...HELD.terraform, resource: 'aws/prod/queue' });
      await p.waitForTimeout(1500);
      expect((await notifications()).filter((n) => n.tag === 'gatehouse:infra-bot')).toEqual([]);
      for (const id of cc.slice(1)) await s.api('POST', `/api/v1/approvals/${id}/deny`, {});
      await s.api('POST', `/api/v1/approvals/${first.action_id}/deny`, {});
    } finally {
      await b.close();
    }
  });
});
