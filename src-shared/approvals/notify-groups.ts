/**
 * Grouped notifications for waiting requests (SPEC 10): one notification per agent — a single
 * request carries Approve / Deny; several become "5 new requests from claude-code", which opens
 * the console. Pure: the browser console (through its service worker) and the desktop shell (native
 * notifications) drive the same logic and only differ in how they show a notification.
 */

import { actionPhrase } from './headline.js';

export interface NotifyRequest {
  action_id: string;
  agent_id: string;
  /** What the agent wants, without the agent ("force-push main to origin"). */
  phrase: string;
  resource?: string | null;
}

export type NotifyAction = 'approve' | 'deny';

export interface NotificationSpec {
  /** One per agent: a newer spec for the same agent replaces the notification on screen. */
  tag: string;
  title: string;
  body: string;
  /** The one request Approve / Deny would answer; null for a group (those open the console). */
  actionId: string | null;
  actionIds: string[];
  actions: { action: NotifyAction; title: string }[];
}

const SHOWN_IN_GROUP = 3;

export const notificationTag = (agentId: string) => `gatehouse:${agentId}`;

/** The notification text for one agent's new requests. */
export function specFor(agentId: string, reqs: readonly NotifyRequest[]): NotificationSpec {
  const tag = notificationTag(agentId);
  const actionIds = reqs.map((r) => r.action_id);
  if (reqs.length === 1) {
    const r = reqs[0]!;
    return {
      tag,
      title: `${agentId} wants to ${r.phrase}`,
      body: r.resource ? r.resource.slice(0, 180) : 'Waiting for your answer',
      actionId: r.action_id,
      actionIds,
      actions: [
        { action: 'approve', title: 'Approve' },
        { action: 'deny', title: 'Deny' },
      ],
    };
  }
  const lines = reqs.slice(0, SHOWN_IN_GROUP).map((r) => `• ${r.phrase}`);
  if (reqs.length > SHOWN_IN_GROUP) lines.push(`…and ${reqs.length - SHOWN_IN_GROUP} more`);
  return { tag, title: `${reqs.length} new requests from ${agentId}`, body: lines.join('\n'), actionId: null, actionIds, actions: [] };
}

/**
 * The requests that arrived while no one was looking, by agent, in arrival order. A request leaves
 * when it is answered, expires or is withdrawn; everything is cleared when the person looks (the
 * console gets focus).
 */
export class NotificationGroups {
  private readonly unseen = new Map<string, NotifyRequest[]>();

  add(r: NotifyRequest): void {
    const list = this.unseen.get(r.agent_id) ?? [];
    if (list.some((x) => x.action_id === r.action_id)) return;
    list.push(r);
    this.unseen.set(r.agent_id, list);
  }

  /** Drops a request that is no longer waiting; true when it was there. */
  remove(actionId: string): boolean {
    for (const [agent, list] of this.unseen) {
      const i = list.findIndex((x) => x.action_id === actionId);
      if (i < 0) continue;
      list.splice(i, 1);
      if (list.length === 0) this.unseen.delete(agent);
      return true;
    }
    return false;
  }

  clear(): void {
    this.unseen.clear();
  }

  get size(): number {
    let n = 0;
    for (const l of this.unseen.values()) n += l.length;
    return n;
  }

  specs(): NotificationSpec[] {
    return [...this.unseen].map(([agent, reqs]) => specFor(agent, reqs));
  }
}

/**
 * What to change on screen, given what is showing (tag → the action ids it stands for): show the
 * specs that are new or changed, close the tags no longer wanted. Unchanged ones are left alone, so
 * nothing re-alerts for news already told.
 */
export function planNotifications(
  showing: ReadonlyMap<string, readonly string[]>,
  specs: readonly NotificationSpec[],
): { show: NotificationSpec[]; close: string[] } {
  const wanted = new Set(specs.map((s) => s.tag));
  const show = specs.filter((s) => showing.get(s.tag)?.join('\n') !== s.actionIds.join('\n'));
  const close = [...showing.keys()].filter((t) => !wanted.has(t));
  return { show, close };
}

/** A notification request from an `approval.requested` event's data; null when the data lacks the basics. */
export function notifyRequestOf(data: Record<string, unknown>): NotifyRequest | null {
  const { action_id, agent_id, action_type } = data;
  if (typeof action_id !== 'string' || typeof agent_id !== 'string' || typeof action_type !== 'string') return null;
  const resource = typeof data.resource === 'string' ? data.resource : null;
  const obj = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
  const mcp = obj(data.mcp);
  const phrase = actionPhrase({
    agent_id,
    action_type,
    resource,
    tool_name: typeof data.tool_name === 'string' ? data.tool_name : null,
    environment: typeof data.environment === 'string' ? data.environment : null,
    parameters: obj(data.parameters),
    mcp:
      mcp && typeof mcp.server_id === 'string'
        ? { server_id: mcp.server_id, tool: typeof mcp.tool === 'string' ? mcp.tool : undefined }
        : null,
  });
  return { action_id, agent_id, phrase, resource };
}
