/**
 * The console's service worker (served as /sw.js, scope /). It only does notifications (SPEC 10):
 * the console page, which holds the live event stream, posts which notifications to show or close;
 * this worker shows them only while no console window has focus, and answers a single request's
 * Approve / Deny from the notification with the session cookie (same origin, so the server's Origin
 * check passes). No caching, no fetch handler, no imports: it is bundled as one plain file.
 *
 * Every show, close and read of what is shown runs one at a time here (`serially`), and the consoles
 * ask this worker what is shown rather than reading it themselves. Chromium's getNotifications()
 * forgets a notification whose show is still on its way when the read starts (it deletes it from its
 * list as "no longer on screen"): the notification stays on screen, but is never listed again and a
 * click on its buttons no longer reaches this worker. Under load the window is wide enough to hit:
 * the "Approved" confirmation went missing that way while a reader polled what was shown.
 */

// The few service-worker types used here (the web tsconfig has the DOM lib, not WebWorker).
interface SwNotification {
  readonly tag: string;
  readonly title: string;
  readonly body: string;
  readonly data: unknown;
  readonly actions?: readonly { readonly action: string }[];
  close(): void;
}
interface SwNotificationEvent extends ExtendableEventLike {
  readonly notification: SwNotification;
  readonly action: string;
}
interface ExtendableEventLike extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface SwMessageEvent extends ExtendableEventLike {
  readonly data: unknown;
  readonly source: { readonly id: string } | null;
  readonly ports: readonly { postMessage(m: unknown): void }[];
}
interface SwWindowClient {
  readonly id: string;
  readonly url: string;
  readonly focused: boolean;
  focus(): Promise<unknown>;
  navigate(url: string): Promise<unknown>;
  postMessage(m: unknown): void;
}
interface SwScope {
  readonly registration: {
    showNotification(title: string, options: Record<string, unknown>): Promise<void>;
    getNotifications(filter?: { tag?: string }): Promise<SwNotification[]>;
  };
  readonly clients: {
    matchAll(o: { type: 'window'; includeUncontrolled: boolean }): Promise<SwWindowClient[]>;
    openWindow(url: string): Promise<unknown>;
    claim(): Promise<void>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: string, fn: (e: never) => void): void;
  readonly location: { readonly origin: string };
}

declare const self: SwScope;

interface ShowMessage {
  type: 'notify';
  show: {
    tag: string;
    title: string;
    body: string;
    actionId: string | null;
    actionIds: string[];
    actions: { action: string; title: string }[];
  }[];
  close: string[];
}

/** What a notification carries, for the click handler. */
interface NotificationData {
  actionId: string | null;
  actionIds: string[];
  title: string;
}

/** What is shown, as a console asks for it (`{ type: 'shown' }` with a reply port). */
interface ShownNotification {
  tag: string;
  title: string;
  body: string;
  actions: string[];
  actionId: string | null;
}

const ACTION_ID = /^[A-Za-z0-9_-]{1,128}$/;

let queue: Promise<unknown> = Promise.resolve();
/** Runs `task` after every notification task before it (see the file comment); its own outcome is returned. */
function serially<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task);
  queue = run.catch(() => undefined);
  return run;
}

async function shownNow(): Promise<ShownNotification[]> {
  return (await self.registration.getNotifications()).map((n) => {
    const data = (n.data ?? null) as Partial<NotificationData> | null;
    return {
      tag: n.tag,
      title: n.title,
      body: n.body,
      actions: (n.actions ?? []).map((a) => a.action),
      actionId: typeof data?.actionId === 'string' ? data.actionId : null,
    };
  });
}

/**
 * Whether another console window has focus. The window that asked has just found itself without
 * focus; its own word is newer than this worker's view of it (which can lag a focus change by a
 * moment), so it is not asked again — trusting the lagging view dropped the notification for good.
 */
async function otherConsoleFocused(senderId: string | null): Promise<boolean> {
  const wins = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  return wins.some((w) => w.focused && w.id !== senderId);
}

async function closeTag(tag: string): Promise<void> {
  for (const n of await self.registration.getNotifications({ tag })) n.close();
}

async function apply(m: ShowMessage, senderId: string | null): Promise<void> {
  for (const tag of m.close) await closeTag(tag);
  if (m.show.length === 0 || (await otherConsoleFocused(senderId))) return;
  for (const s of m.show) {
    const data: NotificationData = { actionId: s.actionId, actionIds: s.actionIds, title: s.title };
    await self.registration.showNotification(s.title, {
      body: s.body,
      tag: s.tag,
      renotify: true,
      requireInteraction: true,
      icon: '/favicon.svg',
      data,
      actions: s.actions,
    });
  }
}

/** Focuses a console window on the request (or the queue), opening one if none is open. */
async function openConsole(actionId: string | null): Promise<void> {
  const path = actionId ? `/approvals?id=${encodeURIComponent(actionId)}` : '/approvals';
  const url = new URL(path, self.location.origin).href;
  const wins = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const win = wins.find((w) => new URL(w.url).origin === self.location.origin);
  if (win) {
    await win.focus();
    win.postMessage({ type: 'open-approval', actionId });
    return;
  }
  await self.clients.openWindow(url);
}

/** Approve / Deny from a notification: one request, answered once, with the console's session cookie. */
async function answerFromNotification(actionId: string, verb: 'approve' | 'deny', title: string, tag: string): Promise<number> {
  let status = 0;
  try {
    const res = await fetch(`/api/v1/approvals/${encodeURIComponent(actionId)}/${verb}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ remember: 'once', comment: 'Answered from a notification' }),
    });
    status = res.status;
  } catch {
    status = 0;
  }
  const outcome =
    status === 200
      ? verb === 'approve'
        ? 'Approved'
        : 'Denied'
      : status === 409
        ? 'Already answered or expired — nothing changed'
        : status === 401
          ? 'Not answered: the console session has ended; open a new login link'
          : 'Not answered: Gatehouse did not accept it; open the console';
  // Its own tag: the request's notification closes when the request leaves the queue; this one stays.
  // In turn with the consoles' updates and reads, which would otherwise make Chromium forget it.
  await serially(() =>
    self.registration.showNotification(outcome, {
      body: title,
      tag: `${tag}:answered`,
      requireInteraction: false,
      icon: '/favicon.svg',
      data: null,
    }),
  );
  return status;
}

self.addEventListener('install', () => {
  void self.skipWaiting();
});
self.addEventListener('activate', (e: ExtendableEventLike) => {
  e.waitUntil(self.clients.claim());
});

self.addEventListener('message', (e: SwMessageEvent) => {
  const m = e.data as ShowMessage | { type: 'shown' } | null;
  if (m?.type === 'shown') {
    const port = e.ports[0];
    if (!port) return;
    // null when it cannot be read: the console then assumes nothing about what is shown.
    e.waitUntil(
      serially(shownNow).then(
        (list) => port.postMessage(list),
        () => port.postMessage(null),
      ),
    );
    return;
  }
  if (!m || m.type !== 'notify' || !Array.isArray(m.show) || !Array.isArray(m.close)) return;
  // One message at a time, in the order sent: an update never overtakes the one before it.
  const senderId = e.source?.id ?? null;
  e.waitUntil(serially(() => apply(m, senderId)).catch(() => undefined));
});

self.addEventListener('notificationclick', (e: SwNotificationEvent) => {
  const n = e.notification;
  const data = (n.data ?? null) as NotificationData | null;
  n.close();
  // The consoles stop counting it as shown, so their check never brings a clicked one back.
  void self.clients
    .matchAll({ type: 'window', includeUncontrolled: true })
    .then((wins) => wins.forEach((w) => w.postMessage({ type: 'notification-clicked', tag: n.tag })));
  const id = data?.actionId && ACTION_ID.test(data.actionId) ? data.actionId : null;
  if ((e.action === 'approve' || e.action === 'deny') && id) {
    e.waitUntil(answerFromNotification(id, e.action, data?.title ?? '', n.tag));
    return;
  }
  e.waitUntil(openConsole(id ?? data?.actionIds?.[0] ?? null));
});

// A module (so `self` above is this worker's, not the DOM's); it exports nothing.
export {};
