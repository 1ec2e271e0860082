import type { StateCreator } from 'zustand';
import type { PendingApproval, Remember } from '../../src-shared/index.js';
import { buildQueue, entryOf, type QueueEntry } from '../../src-shared/approvals/queue.js';
import type { AppState } from './index.js';

export type Outcome = 'approved' | 'rejected' | 'expired' | 'withdrawn';
export type Entry = QueueEntry<PendingApproval>;

/** An answer given in the console and not sent yet: the grace period during which Undo takes it back. */
export interface HeldAnswer {
  id: number;
  approve: boolean;
  remember: Remember;
  pattern: string | null;
  comment: string;
  applyToPending: boolean;
  entryKey: string;
  /** The requests this answer answers (a group answers all its members), primary first. */
  memberIds: string[];
  /**
   * Other waiting requests it also answers ("also answer the N waiting like it"): held out of the
   * queue with it, so the next request shown is never one it is about to answer; Undo brings them back.
   */
  alsoIds: string[];
  headline: string;
  /** Epoch ms at which it is sent. */
  sendAt: number;
  sending: boolean;
}

/** The selected request left the queue without your answer: the pane says so instead of showing another. */
export interface Departed {
  key: string;
  item: PendingApproval;
  /** 'left': it was no longer in the server's list (answered elsewhere or timed out while offline). */
  outcome: Outcome | 'left';
  count: number;
}

export interface ApprovalsSlice {
  approvals: Record<string, PendingApproval>;
  /** action id → id of the held answer that covers it. */
  heldBy: Record<string, number>;
  answers: Record<number, HeldAnswer>;
  /** The queue entry (group key) in the detail pane; null when nothing or a departed request is shown. */
  selectedKey: string | null;
  departed: Departed | null;
  /** Bumped whenever the pane starts showing something else (scroll to top, re-arm the answer keys). */
  paneSeq: number;
  /** Epoch ms from which the pane's request may be answered (ARM_MS after it was shown). */
  armedAt: number;
  approvalsLoaded: boolean;
  approvalsError: string | null;
  /** Requests waiting and not answered here (the badge). */
  pendingCount: number;
  setPending: (items: PendingApproval[]) => void;
  setApprovalsError: (e: string | null) => void;
  /** A request left the server's queue (answered anywhere, expired, withdrawn). */
  retireApproval: (actionId: string, outcome: Outcome) => void;
  /** Selects a queue entry (by key) as a person's choice. */
  selectEntry: (key: string) => void;
  /** Selects the entry holding an action (deep links, notifications, the tray). */
  selectAction: (actionId: string) => void;
  /** Moves the selection by one entry (J/K). */
  moveSelection: (delta: 1 | -1) => void;
  holdAnswer: (a: HeldAnswer) => void;
  /** Takes a held answer back (Undo, or it could not be sent): its requests return to the queue. */
  releaseAnswer: (id: number, opts?: { reselect?: boolean }) => void;
  markSending: (id: number) => void;
  /** The answer was sent and settled: forget it (its requests leave through retireApproval). */
  forgetAnswer: (id: number) => void;
  /** Drops one request from a held answer (it expired or was withdrawn during the grace). */
  dropFromAnswer: (actionId: string) => HeldAnswer | null;
}

// The queue is derived from the approvals and the held answers; cached on their identities.
let cache: { approvals: unknown; heldBy: unknown; queue: Entry[] } | null = null;
export function selectQueue(s: Pick<ApprovalsSlice, 'approvals' | 'heldBy'>): Entry[] {
  if (cache && cache.approvals === s.approvals && cache.heldBy === s.heldBy) return cache.queue;
  const queue = buildQueue(Object.values(s.approvals).filter((a) => s.heldBy[a.action_id] === undefined));
  cache = { approvals: s.approvals, heldBy: s.heldBy, queue };
  return queue;
}

export function selectedEntry(s: ApprovalsSlice): Entry | null {
  if (!s.selectedKey) return null;
  return selectQueue(s).find((e) => e.key === s.selectedKey) ?? null;
}

/**
 * After the pane starts showing another request, answers are refused for this long: a second press
 * of A (or a double click) meant for the previous request never lands on the next one.
 */
export const ARM_MS = 400;

/** The pane shows something else: scroll to top, and answers wait ARM_MS. */
const shown = (s: { paneSeq: number }) => ({ paneSeq: s.paneSeq + 1, armedAt: Date.now() + ARM_MS });

/** Whether the pane's request (this entry) may be answered now: it is still the one shown, and armed. */
export function mayAnswer(s: ApprovalsSlice, key: string): boolean {
  return s.selectedKey === key && !s.departed && Date.now() >= s.armedAt && selectQueue(s).some((e) => e.key === key);
}

/** Every request a held answer keeps out of the queue. */
const heldIds = (a: HeldAnswer) => [...a.memberIds, ...a.alsoIds];

const pendingOf = (approvals: Record<string, PendingApproval>, heldBy: Record<string, number>) =>
  Object.keys(approvals).filter((id) => heldBy[id] === undefined).length;

/**
 * After the queue changed on its own (not by a person): the selection stays on its entry; if that
 * entry is gone, the pane shows that it left (never silently another request); with nothing shown
 * at all, the first entry is selected.
 */
function settleSelection(
  prev: ApprovalsSlice,
  approvals: Record<string, PendingApproval>,
  heldBy: Record<string, number>,
  outcome: Outcome | 'left',
): Partial<ApprovalsSlice> {
  const queue = selectQueue({ approvals, heldBy });
  if (prev.selectedKey) {
    if (queue.some((e) => e.key === prev.selectedKey)) return {};
    const before = selectQueue(prev).find((e) => e.key === prev.selectedKey);
    if (before)
      return {
        selectedKey: null,
        departed: { key: before.key, item: before.primary, outcome, count: before.count },
        ...shown(prev),
      };
    return { selectedKey: queue[0]?.key ?? null, ...shown(prev) };
  }
  if (!prev.departed && queue[0]) return { selectedKey: queue[0].key, ...shown(prev) };
  return {};
}

export const approvalsSlice: StateCreator<AppState, [], [], ApprovalsSlice> = (set, get) => ({
  approvals: {},
  heldBy: {},
  answers: {},
  selectedKey: null,
  departed: null,
  paneSeq: 0,
  armedAt: 0,
  approvalsLoaded: false,
  approvalsError: null,
  pendingCount: 0,

  setPending: (items) =>
    set((s) => {
      const approvals: Record<string, PendingApproval> = {};
      for (const it of items) approvals[it.action_id] = it;
      // A held answer's requests stay while they are still waiting on the server (Undo needs them).
      return {
        approvals,
        approvalsLoaded: true,
        approvalsError: null,
        pendingCount: pendingOf(approvals, s.heldBy),
        ...settleSelection(s, approvals, s.heldBy, 'left'),
      };
    }),

  setApprovalsError: (approvalsError) => set({ approvalsError, approvalsLoaded: true }),

  retireApproval: (id, outcome) =>
    set((s) => {
      if (!s.approvals[id]) return {};
      const { [id]: _gone, ...approvals } = s.approvals;
      return { approvals, pendingCount: pendingOf(approvals, s.heldBy), ...settleSelection(s, approvals, s.heldBy, outcome) };
    }),

  selectEntry: (key) => set((s) => (s.selectedKey === key && !s.departed ? {} : { selectedKey: key, departed: null, ...shown(s) })),

  selectAction: (actionId) => {
    const e = entryOf(selectQueue(get()), actionId);
    if (e) get().selectEntry(e.key);
  },

  moveSelection: (delta) => {
    const s = get();
    const queue = selectQueue(s);
    if (queue.length === 0) return;
    const i = s.selectedKey ? queue.findIndex((e) => e.key === s.selectedKey) : -1;
    const next = i < 0 ? queue[0]! : queue[Math.max(0, Math.min(queue.length - 1, i + delta))]!;
    s.selectEntry(next.key);
  },

  holdAnswer: (a) =>
    set((s) => {
      const queue = selectQueue(s);
      const i = queue.findIndex((e) => e.key === a.entryKey);
      const heldBy = { ...s.heldBy };
      for (const id of heldIds(a)) heldBy[id] = a.id;
      const after = selectQueue({ approvals: s.approvals, heldBy });
      // The next entry after the answered one (else the one before it) is selected and shown from its top.
      const nextKey =
        (i >= 0 ? queue.slice(i + 1).find((e) => after.some((x) => x.key === e.key)) : undefined)?.key ??
        after[after.length - 1]?.key ??
        null;
      return {
        heldBy,
        answers: { ...s.answers, [a.id]: a },
        pendingCount: pendingOf(s.approvals, heldBy),
        selectedKey: s.selectedKey === a.entryKey || !s.selectedKey ? nextKey : s.selectedKey,
        departed: null,
        ...shown(s),
      };
    }),

  releaseAnswer: (id, opts) =>
    set((s) => {
      const a = s.answers[id];
      if (!a) return {};
      const { [id]: _a, ...answers } = s.answers;
      const heldBy = { ...s.heldBy };
      for (const m of heldIds(a)) if (heldBy[m] === id) delete heldBy[m];
      const back = selectQueue({ approvals: s.approvals, heldBy }).find((e) => e.members.some((m) => a.memberIds.includes(m.action_id)));
      const reselect = opts?.reselect && back;
      return {
        answers,
        heldBy,
        pendingCount: pendingOf(s.approvals, heldBy),
        ...(reselect ? { selectedKey: back.key, departed: null, ...shown(s) } : {}),
      };
    }),

  markSending: (id) => set((s) => (s.answers[id] ? { answers: { ...s.answers, [id]: { ...s.answers[id], sending: true } } } : {})),

  forgetAnswer: (id) =>
    set((s) => {
      const a = s.answers[id];
      if (!a) return {};
      const { [id]: _a, ...answers } = s.answers;
      const heldBy = { ...s.heldBy };
      const approvals = { ...s.approvals };
      // The ones it answered leave; any the server did not answer come back with the next refresh.
      for (const m of heldIds(a)) {
        if (heldBy[m] === id) delete heldBy[m];
        delete approvals[m];
      }
      return { answers, heldBy, approvals, pendingCount: pendingOf(approvals, heldBy) };
    }),

  dropFromAnswer: (actionId) => {
    const s = get();
    const id = s.heldBy[actionId];
    const a = id === undefined ? undefined : s.answers[id];
    if (!a || a.sending) return null;
    const memberIds = a.memberIds.filter((m) => m !== actionId);
    const alsoIds = a.alsoIds.filter((m) => m !== actionId);
    const { [actionId]: _h, ...heldBy } = s.heldBy;
    const { [actionId]: _p, ...approvals } = s.approvals;
    if (memberIds.length === 0) {
      // Nothing left to send: the ones it would also have answered return to the queue.
      for (const m of alsoIds) if (heldBy[m] === a.id) delete heldBy[m];
      const { [a.id]: _a, ...answers } = s.answers;
      set({ heldBy, approvals, answers, pendingCount: pendingOf(approvals, heldBy) });
    } else {
      set({
        heldBy,
        approvals,
        answers: { ...s.answers, [a.id]: { ...a, memberIds, alsoIds } },
        pendingCount: pendingOf(approvals, heldBy),
      });
    }
    return { ...a, memberIds, alsoIds };
  },
});
