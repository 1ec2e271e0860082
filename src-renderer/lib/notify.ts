import type { JsonObject } from '../../src-shared/index.js';

const ASKED_KEY = 'gatehouse.notifications.asked';

export type NotifyPermission = NotificationPermission | 'unsupported';

export function notificationPermission(): NotifyPermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Whether the console should offer to turn notifications on (browser only, asked once). */
export function shouldOfferNotifications(): boolean {
  if (window.gatehouse) return false; // the desktop shell shows native notifications itself
  return notificationPermission() === 'default' && localStorage.getItem(ASKED_KEY) !== 'dismissed';
}

export function dismissNotificationOffer(): void {
  localStorage.setItem(ASKED_KEY, 'dismissed');
}

export async function requestNotifications(): Promise<NotifyPermission> {
  if (typeof Notification === 'undefined') return 'unsupported';
  localStorage.setItem(ASKED_KEY, 'dismissed');
  return Notification.requestPermission();
}

/** A browser notification for a new approval; clicking it focuses the console on that approval. */
export function notifyApproval(data: JsonObject, open: (actionId: string) => void): void {
  if (window.gatehouse || notificationPermission() !== 'granted') return;
  if (document.visibilityState === 'visible' && document.hasFocus()) return; // the inbox shows it already
  const actionId = typeof data.action_id === 'string' ? data.action_id : null;
  if (!actionId) return;
  const agent = typeof data.agent_id === 'string' ? data.agent_id : 'An agent';
  const type = typeof data.action_type === 'string' ? data.action_type : 'an action';
  const resource = typeof data.resource === 'string' ? data.resource : '';
  const n = new Notification(`${agent} is waiting for approval`, {
    body: `${type}${resource ? `: ${resource.slice(0, 140)}` : ''}`,
    tag: actionId,
    requireInteraction: true,
    icon: '/favicon.svg',
  });
  n.onclick = () => {
    window.focus();
    open(actionId);
    n.close();
  };
}
