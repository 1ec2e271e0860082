import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// The console's service worker (src-renderer/sw.ts) against a registration that forgets like
// Chromium's: a getNotifications() that starts while a show is still on its way deletes that
// notification from the list (it stays on screen, but is never listed again and its buttons no
// longer reach the worker). Under load this lost the "Approved" confirmation in the e2e run.

interface FakeNotification {
  tag: string;
  title: string;
  body: string;
  data: unknown;
  actions: { action: string; title: string }[];
  close(): void;
}

type Listener = (e: unknown) => void;

function fakeWorkerScope() {
  const listeners = new Map<string, Listener[]>();
  const listed = new Map<string, FakeNotification>(); // by tag, as Chromium replaces by tag
  const onTheWay = new Set<string>();
  const forgotten: string[] = [];
  const held = new Map<string, () => void>();
  const registration = {
    async showNotification(title: string, o: { tag: string; body: string; data: unknown; actions?: FakeNotification['actions'] }) {
      onTheWay.add(o.tag);
      const n: FakeNotification = {
        tag: o.tag,
        title,
        body: o.body,
        data: o.data,
        actions: o.actions ?? [],
        close: () => listed.delete(o.tag),
      };
      listed.set(o.tag, n);
      // A show the test holds stays on its way until released; the others arrive at once.
      if (title === 'Approved') await new Promise<void>((resolve) => held.set(title, resolve));
      onTheWay.delete(o.tag);
    },
    async getNotifications(filter?: { tag?: string }) {
      for (const tag of onTheWay) {
        if (listed.delete(tag)) forgotten.push(tag);
      }
      return [...listed.values()].filter((n) => !filter?.tag || n.tag === filter.tag);
    },
  };
  const scope = {
    registration,
    clients: {
      matchAll: async () => [],
      openWindow: async () => undefined,
      claim: async () => undefined,
    },
    skipWaiting: async () => undefined,
    addEventListener: (type: string, fn: Listener) => listeners.set(type, [...(listeners.get(type) ?? []), fn]),
    location: { origin: 'http://127.0.0.1:1' },
  };
  /** Dispatches a trusted-like event; resolves when everything it waits for is done. */
  const dispatch = (type: string, init: Record<string, unknown>): Promise<unknown> => {
    const waits: Promise<unknown>[] = [];
    const e = { type, ...init, waitUntil: (p: Promise<unknown>) => waits.push(p) };
    for (const fn of listeners.get(type) ?? []) fn(e);
    return Promise.allSettled(waits);
  };
  return { scope, listed, forgotten, held, dispatch };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('service worker: shows, closes and reads of what is shown go one at a time', () => {
  let w: ReturnType<typeof fakeWorkerScope>;
  beforeEach(async () => {
    vi.resetModules();
    w = fakeWorkerScope();
    vi.stubGlobal('self', w.scope);
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('{}', { status: 200 })),
    );
    await import('../../src-renderer/sw.js');
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("a console's update and its question 'what is shown?' wait for the answer's confirmation, which is never forgotten", async () => {
    const single = {
      tag: 'gatehouse:billing-agent',
      title: 'billing-agent wants to issue a refund',
      body: '',
      actionId: 'act_1',
      actionIds: ['act_1'],
      actions: [
        { action: 'approve', title: 'Approve' },
        { action: 'deny', title: 'Deny' },
      ],
    };
    await w.dispatch('message', { data: { type: 'notify', show: [single], close: [] }, source: { id: 'c1' }, ports: [] });
    const n = w.listed.get(single.tag)!;
    expect(n.actions.map((a) => a.action)).toEqual(['approve', 'deny']);

    // Approve from the notification; its confirmation is on its way (held) when the console, which saw
    // the request leave the queue, closes the request's notification and asks what is shown.
    const answered = w.dispatch('notificationclick', { notification: n, action: 'approve' });
    await vi.waitFor(() => expect(w.held.has('Approved')).toBe(true));
    const updated = w.dispatch('message', { data: { type: 'notify', show: [], close: [single.tag] }, source: { id: 'c1' }, ports: [] });
    const replies: unknown[] = [];
    const asked = w.dispatch('message', {
      data: { type: 'shown' },
      source: { id: 'c1' },
      ports: [{ postMessage: (m: unknown) => replies.push(m) }],
    });
    await settle();
    w.held.get('Approved')!();
    await Promise.all([answered, updated, asked]);

    expect(w.forgotten).toEqual([]);
    expect([...w.listed.values()].map((x) => x.title)).toEqual(['Approved']);
    expect(replies).toEqual([[{ tag: `${single.tag}:answered`, title: 'Approved', body: single.title, actions: [], actionId: null }]]);
  });
});
