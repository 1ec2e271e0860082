/**
 * The approvals queue (SPEC 10): identical requests waiting at once — same agent, action type and
 * resource — are one entry with a count; entries come soonest expiry first. Pure, so the console,
 * its notifications and the desktop tray show the same groups.
 */

export interface QueueItem {
  action_id: string;
  expires_at: string;
  created_at: string;
  action: { agent_id: string; action_type: string; resource: string | null };
}

export interface QueueEntry<T extends QueueItem = QueueItem> {
  /** Stable while the group exists: agent, action type and resource. */
  key: string;
  /** Members, soonest expiry first; `members[0]` is the one the detail pane shows. */
  members: T[];
  primary: T;
  count: number;
}

export function groupKey(a: QueueItem['action']): string {
  return JSON.stringify([a.agent_id, a.action_type, a.resource ?? null]);
}

const expiry = (x: QueueItem) => Date.parse(x.expires_at);

function byExpiry(a: QueueItem, b: QueueItem): number {
  return expiry(a) - expiry(b) || Date.parse(a.created_at) - Date.parse(b.created_at) || (a.action_id < b.action_id ? -1 : 1);
}

/** Groups pending requests into queue entries, soonest expiry first (by each group's soonest member). */
export function buildQueue<T extends QueueItem>(items: Iterable<T>): QueueEntry<T>[] {
  const groups = new Map<string, T[]>();
  for (const it of items) {
    const k = groupKey(it.action);
    const g = groups.get(k);
    if (g) g.push(it);
    else groups.set(k, [it]);
  }
  const entries: QueueEntry<T>[] = [];
  for (const [key, members] of groups) {
    members.sort(byExpiry);
    entries.push({ key, members, primary: members[0]!, count: members.length });
  }
  return entries.sort((a, b) => byExpiry(a.primary, b.primary));
}

/** The entry holding an action (for deep links from a notification or the tray). */
export function entryOf<T extends QueueItem>(entries: readonly QueueEntry<T>[], actionId: string): QueueEntry<T> | undefined {
  return entries.find((e) => e.members.some((m) => m.action_id === actionId));
}

/** SPEC 3.2 wildcards, as the policy engine reads them: `*` any run (also `/`), `?` one character, whole string. */
export function wildcardTest(pattern: string): (text: string) => boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\/]/g, '\\$&')
    .replace(/\*+/g, '[\\s\\S]*')
    .replace(/\?/g, '[\\s\\S]');
  const re = new RegExp(`^${source}$`, 'u');
  return (t) => re.test(t);
}

/**
 * The other waiting requests a remembered answer would also answer with `apply_to_pending`
 * (SPEC 4): same agent and action type, and the pattern's match (else the same resource). The
 * server decides for real; this tells the person how many before they answer.
 */
export function alsoMatching<T extends QueueItem>(answered: T, pattern: string | null, pending: Iterable<T>): T[] {
  const test = pattern ? wildcardTest(pattern) : null;
  const out: T[] = [];
  for (const p of pending) {
    if (p.action_id === answered.action_id) continue;
    if (p.action.agent_id !== answered.action.agent_id || p.action.action_type !== answered.action.action_type) continue;
    const ok = test ? p.action.resource != null && test(p.action.resource) : p.action.resource === answered.action.resource;
    if (ok) out.push(p);
  }
  return out;
}
