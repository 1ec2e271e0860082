import { NotificationGroups, notifyRequestOf, planNotifications, type NotificationSpec } from '../../src-shared/approvals/notify-groups.js';
import { store } from '../store/index.js';

const ASKED_KEY = 'gatehouse.notifications.asked';
/** New requests arriving within this window become one notification update. */
const BATCH_MS = 600;
/** After this long, what the worker was asked to show is checked against what it shows. */
const CHECK_MS = 1500;

export type NotifyPermission = NotificationPermission | 'unsupported';

const supported = () => typeof Notification !== 'undefined' && 'serviceWorker' in navigator;

export function notificationPermission(): NotifyPermission {
  return supported() ? Notification.permission : 'unsupported';
}

/** Whether the console should offer to turn notifications on (browser only, asked once). */
export function shouldOfferNotifications(): boolean {
  if (window.gatehouse) return false; // the desktop shell shows native notifications itself
  return notificationPermission() === 'default' && localStorage.getItem(ASKED_KEY) !== 'dismissed';
}

export function dismissNotificationOffer(): void {
  localStorage.setItem(ASKED_KEY, 'dismissed');
}

let registration: Promise<ServiceWorkerRegistration | null> | null = null;

/** Registers the console's service worker (/sw.js), once; null where it cannot run. */
export function registerServiceWorker(): Promise<ServiceWorkerRegistration | null> {
  if (window.gatehouse || !supported()) return Promise.resolve(null);
  registration ??= navigator.serviceWorker
    .register('/sw.js', { scope: '/' })
    .then(() => navigator.serviceWorker.ready)
    .catch(() => null);
  return registration;
}

/** Asks for permission (a person's click) and registers the worker. */
export async function enableNotifications(): Promise<NotifyPermission> {
  if (!supported()) return 'unsupported';
  localStorage.setItem(ASKED_KEY, 'dismissed');
  const p = await Notification.requestPermission();
  if (p === 'granted') await registerServiceWorker();
  return p;
}

/** How long the worker may take to say what it shows before a check is skipped. */
const SHOWN_REPLY_MS = 5000;

/**
 * The tags the worker shows, asked of the worker itself (null when it does not answer). Never read
 * with getNotifications() here: a read that overlaps one of the worker's shows makes Chromium forget
 * that notification (see sw.ts); the worker reads in turn with its shows.
 */
function shownTags(worker: ServiceWorker): Promise<Set<string> | null> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    const done = (tags: Set<string> | null) => {
      clearTimeout(timer);
      ch.port1.close();
      resolve(tags);
    };
    const timer = setTimeout(() => done(null), SHOWN_REPLY_MS);
    ch.port1.onmessage = (e: MessageEvent) => {
      const list = e.data as { tag?: unknown }[] | null;
      done(Array.isArray(list) ? new Set(list.map((n) => String(n.tag))) : null);
    };
    worker.postMessage({ type: 'shown' }, [ch.port2]);
  });
}

const looking = () => document.visibilityState === 'visible' && document.hasFocus();

/**
 * Browser notifications of the headless console (SPEC 10): grouped per agent (the shared
 * NotificationGroups), shown by the service worker while no console window has focus, with
 * Approve / Deny on a single request; silent under do-not-disturb.
 */
class BrowserNotifier {
  private readonly groups = new NotificationGroups();
  private readonly showing = new Map<string, string[]>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Re-shows left for the current set of requests (a notification lost on the way, not a loop). */
  private repairs = 0;

  private enabled(): boolean {
    return !window.gatehouse && notificationPermission() === 'granted' && !store.getState().dnd;
  }

  requested(data: Record<string, unknown>): void {
    if (!this.enabled() || looking()) return;
    const r = notifyRequestOf(data);
    if (!r) return;
    this.groups.add(r);
    this.repairs = 1;
    this.schedule();
  }

  /** The request is no longer waiting (answered, expired, withdrawn). */
  left(actionId: string): void {
    if (this.groups.remove(actionId)) this.schedule();
  }

  /** The person clicked a notification (answered or opened it): it is no longer shown. */
  clicked(tag: string): void {
    this.showing.delete(tag);
  }

  /** The person is looking at the console: everything told is seen. */
  looked(): void {
    if (this.groups.size === 0 && this.showing.size === 0) return;
    this.groups.clear();
    this.schedule(0);
  }

  private schedule(ms = BATCH_MS): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), ms);
  }

  private async flush(): Promise<void> {
    this.timer = null;
    // The worker takes this console's word on its focus, so the word is checked here, at the last moment.
    const specs: NotificationSpec[] = this.enabled() && !looking() ? this.groups.specs() : [];
    const plan = planNotifications(this.showing, specs);
    if (plan.show.length === 0 && plan.close.length === 0) return;
    const reg = await registerServiceWorker();
    const worker = reg?.active;
    if (!worker) {
      // The worker is not running yet (first start, an update): try again shortly, never drop it.
      if (reg) this.schedule(1000);
      return;
    }
    worker.postMessage({ type: 'notify', show: plan.show, close: plan.close });
    for (const t of plan.close) this.showing.delete(t);
    for (const s of plan.show) this.showing.set(s.tag, s.actionIds);
    if (plan.show.length > 0) setTimeout(() => void this.check(reg), CHECK_MS);
  }

  /**
   * A notification the worker was asked to show but does not (it judged focus from a view that lags,
   * or the browser dropped it) is shown once more while nobody looks — once per new request, so a
   * notification the person closed is not brought back again and again.
   */
  private async check(reg: ServiceWorkerRegistration): Promise<void> {
    if (this.repairs <= 0 || !this.enabled() || looking() || !reg.active) return;
    const shown = await shownTags(reg.active);
    if (!shown) return;
    const lost = [...this.showing.keys()].filter((t) => !shown.has(t));
    if (lost.length === 0) return;
    this.repairs--;
    for (const t of lost) this.showing.delete(t);
    this.schedule(0);
  }
}

export const notifier = new BrowserNotifier();

/** Wires focus (clears what was told) and the worker's "open this request" messages. */
export function startNotifications(open: (actionId: string) => void): () => void {
  const onFocus = () => notifier.looked();
  const onVisible = () => {
    if (looking()) notifier.looked();
  };
  window.addEventListener('focus', onFocus);
  document.addEventListener('visibilitychange', onVisible);
  const onMessage = (e: MessageEvent) => {
    const d = e.data as { type?: string; actionId?: unknown; tag?: unknown } | null;
    if (d?.type === 'open-approval' && typeof d.actionId === 'string') open(d.actionId);
    if (d?.type === 'notification-clicked' && typeof d.tag === 'string') notifier.clicked(d.tag);
  };
  if (supported()) navigator.serviceWorker.addEventListener('message', onMessage);
  if (notificationPermission() === 'granted') void registerServiceWorker();
  const offDnd = store.subscribe((s, prev) => {
    if (s.dnd && !prev.dnd) notifier.looked();
  });
  return () => {
    window.removeEventListener('focus', onFocus);
    document.removeEventListener('visibilitychange', onVisible);
    if (supported()) navigator.serviceWorker.removeEventListener('message', onMessage);
    offDnd();
  };
}
