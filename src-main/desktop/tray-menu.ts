/**
 * The tray's content as plain data (SPEC 10), testable without Electron: the pending count for the
 * tooltip, title and badge, and a menu listing the waiting requests grouped exactly like the
 * console's queue (identical requests are one entry ×N, soonest expiry first), each with Approve /
 * Deny (a group's answer answers all its members) and Open. tray.ts turns it into an Electron menu.
 */
import type { PendingApproval } from '../../src-shared/index.js';
import { actionPhrase } from '../../src-shared/approvals/headline.js';
import { buildQueue } from '../../src-shared/approvals/queue.js';

export type TrayCommand =
  | { kind: 'approve'; actionIds: string[] }
  | { kind: 'deny'; actionIds: string[] }
  | { kind: 'open'; actionId?: string }
  | { kind: 'dnd'; on: boolean }
  | { kind: 'quit' };

export interface TrayItem {
  label: string;
  enabled?: boolean;
  type?: 'separator' | 'checkbox';
  checked?: boolean;
  command?: TrayCommand;
  submenu?: TrayItem[];
}

export interface TrayModel {
  tooltip: string;
  /** macOS menu-bar title: the count, or empty. */
  title: string;
  badge: number;
  items: TrayItem[];
}

export const MAX_TRAY_ENTRIES = 10;

function short(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function trayModel(pending: readonly PendingApproval[], opts: { dnd: boolean }): TrayModel {
  const n = pending.length;
  const queue = buildQueue(pending);
  const items: TrayItem[] = [{ label: n ? `${n} request${n === 1 ? '' : 's'} waiting` : 'Nothing waiting', enabled: false }];
  for (const e of queue.slice(0, MAX_TRAY_ENTRIES)) {
    const ids = e.members.map((m) => m.action_id);
    const what = `${e.primary.action.agent_id}: ${short(actionPhrase(e.primary.action))}`;
    const all = e.count > 1 ? ` all ${e.count}` : '';
    items.push({
      label: e.count > 1 ? `${what} ×${e.count}` : what,
      submenu: [
        { label: `Approve${all} once`, command: { kind: 'approve', actionIds: ids } },
        { label: `Deny${all}`, command: { kind: 'deny', actionIds: ids } },
        { type: 'separator', label: '' },
        { label: 'Open in console…', command: { kind: 'open', actionId: e.primary.action_id } },
      ],
    });
  }
  if (queue.length > MAX_TRAY_ENTRIES) items.push({ label: `…and ${queue.length - MAX_TRAY_ENTRIES} more`, command: { kind: 'open' } });
  items.push(
    { type: 'separator', label: '' },
    { label: 'Open console', command: { kind: 'open' } },
    { label: 'Do not disturb', type: 'checkbox', checked: opts.dnd, command: { kind: 'dnd', on: !opts.dnd } },
    { type: 'separator', label: '' },
    { label: 'Quit Gatehouse', command: { kind: 'quit' } },
  );
  return {
    tooltip: n
      ? `Gatehouse — ${n} request${n === 1 ? '' : 's'} waiting${opts.dnd ? ' (do not disturb)' : ''}`
      : 'Gatehouse — nothing waiting',
    title: n ? String(n) : '',
    badge: n,
    items,
  };
}
