/**
 * Native notifications of the desktop shell (SPEC 10), as a plain module testable without
 * Electron: the same per-agent grouping as the browser console (src-shared NotificationGroups),
 * shown only while the console window has no focus, never under do-not-disturb. main.ts supplies
 * how to show and close a notification (Electron's Notification) and whether the window has focus.
 */
import { NotificationGroups, notifyRequestOf, planNotifications, type NotificationSpec } from '../../src-shared/approvals/notify-groups.js';

export interface NotifierHost {
  /** Shows (or replaces, by `spec.tag`) a native notification. */
  show(spec: NotificationSpec): void;
  close(tag: string): void;
  /** Whether the console window is focused (then nothing is announced: the queue shows it). */
  focused(): boolean;
  /** Timer seam for tests. */
  setTimeout?(fn: () => void, ms: number): unknown;
  clearTimeout?(t: unknown): void;
}

/** New requests arriving within this window become one notification update. */
export const BATCH_MS = 600;

export class DesktopNotifier {
  private readonly groups = new NotificationGroups();
  private readonly showing = new Map<string, string[]>();
  private timer: unknown = null;
  private dndOn = false;

  constructor(private readonly host: NotifierHost) {}

  get dnd(): boolean {
    return this.dndOn;
  }

  /** Do not disturb: nothing is shown while on; what is on screen is closed. */
  setDnd(on: boolean): void {
    this.dndOn = on;
    if (on) this.looked();
  }

  /** An `approval.requested` event's data. */
  requested(data: Record<string, unknown>): void {
    if (this.dndOn || this.host.focused()) return;
    const r = notifyRequestOf(data);
    if (!r) return;
    this.groups.add(r);
    this.schedule(BATCH_MS);
  }

  /** The request is no longer waiting (answered anywhere, expired, withdrawn). */
  left(actionId: string): void {
    if (this.groups.remove(actionId)) this.schedule(BATCH_MS);
  }

  /** The person looked (the window got focus): everything told is seen. */
  looked(): void {
    this.groups.clear();
    this.schedule(0);
  }

  /** Applies what should be on screen now (called by the batch timer). */
  flush(): void {
    this.timer = null;
    const specs = this.dndOn ? [] : this.groups.specs();
    const plan = planNotifications(this.showing, specs);
    for (const t of plan.close) {
      this.host.close(t);
      this.showing.delete(t);
    }
    for (const s of plan.show) {
      this.host.show(s);
      this.showing.set(s.tag, s.actionIds);
    }
  }

  private schedule(ms: number): void {
    const set = this.host.setTimeout ?? ((fn: () => void, t: number) => setTimeout(fn, t));
    const clear = this.host.clearTimeout ?? ((t: unknown) => clearTimeout(t as NodeJS.Timeout));
    if (this.timer) clear(this.timer);
    this.timer = set(() => this.flush(), ms);
  }
}
