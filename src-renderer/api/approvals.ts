import type { PendingApproval, Remember, ResolveResult } from '../../src-shared/index.js';
import { actionPhrase, headline } from '../../src-shared/approvals/headline.js';
import { maskSecrets } from '../lib/mask.js';
import { store } from '../store/index.js';
import type { Entry, HeldAnswer, Outcome } from '../store/approvals.js';
import { api, ApiError, errorMessage } from './client.js';

let inflight: Promise<void> | null = null;
let again = false;

/** Reloads the pending inbox into the store; concurrent calls collapse into one follow-up. */
export function refreshPending(): Promise<void> {
  if (inflight) {
    again = true;
    return inflight;
  }
  inflight = (async () => {
    try {
      do {
        again = false;
        const page = await api.allPendingApprovals();
        store.getState().setPending(page.items);
      } while (again);
    } catch (e) {
      store.getState().setApprovalsError(errorMessage(e));
    } finally {
      inflight = null;
    }
  })();
  return inflight;
}

/** Loads the server settings the console acts on (the answer grace period). */
export async function refreshConsoleSettings(): Promise<void> {
  try {
    const s = await api.settings();
    store.getState().setAnswerGraceS(s.answer_grace_s);
  } catch {
    // Keeps the default (4 s): an answer still waits before it is sent.
  }
}

export const REMEMBER_CHOICES: { value: Remember; label: string; short: string }[] = [
  { value: 'once', label: 'Just this once', short: 'Once' },
  { value: '15m', label: 'For 15 minutes', short: '15m' },
  { value: '1h', label: 'For 1 hour', short: '1h' },
  { value: '12h', label: 'For 12 hours', short: '12h' },
  { value: 'until_restart', label: 'Until Gatehouse restarts', short: 'Until restart' },
  { value: 'forever', label: 'Forever', short: 'Forever' },
];

export function rememberPhrase(r: Remember): string {
  switch (r) {
    case 'once':
      return 'once';
    case 'until_restart':
      return 'until restart';
    case 'forever':
      return 'forever';
    default:
      return `for ${r}`;
  }
}

/** The headline of a request as shown on screen (secrets masked). */
export const headlineOf = (a: PendingApproval) => maskSecrets(headline(a.action));
export const phraseOf = (a: PendingApproval) => maskSecrets(actionPhrase(a.action));

export interface AnswerInput {
  approve: boolean;
  remember: Remember;
  pattern: string | null;
  comment: string;
  /** With a remember choice: also answer the waiting requests the remembered policy matches. */
  applyToPending: boolean;
  /** Those requests, as the console counts them (they leave the queue with the answer). */
  alsoIds: string[];
}

let nextAnswerId = 1;
const timers = new Map<number, ReturnType<typeof setTimeout>>();
const toasts = new Map<number, number>();

const verbOf = (approve: boolean) => (approve ? 'Approved' : 'Denied');

/**
 * Answers a queue entry (all its members). The answer is held for `answer_grace_s` seconds with an
 * Undo toast, then sent; the next entry is selected at once. Nothing reaches the server before the
 * grace period ends, so Undo leaves nothing decided.
 */
export function answerEntry(entry: Entry, input: AnswerInput): number {
  const s = store.getState();
  const graceMs = Math.max(0, s.answerGraceS) * 1000;
  const id = nextAnswerId++;
  const held: HeldAnswer = {
    id,
    ...input,
    pattern: input.remember !== 'once' ? input.pattern : null,
    // A group answered with a remember choice is answered through the remembered policy, in one
    // step, while that policy matches the group only: a widened pattern would also answer other
    // requests, which only the person's tick on "also answer the N waiting like it" may do.
    applyToPending: input.remember !== 'once' && (input.applyToPending || (entry.count > 1 && !input.pattern)),
    entryKey: entry.key,
    memberIds: entry.members.map((m) => m.action_id),
    alsoIds: input.remember !== 'once' && input.applyToPending ? input.alsoIds : [],
    headline: headlineOf(entry.primary),
    sendAt: Date.now() + graceMs,
    sending: false,
  };
  s.holdAnswer(held);
  if (graceMs === 0) {
    void send(id);
    return id;
  }
  const n = held.memberIds.length;
  const along = held.alsoIds.length;
  const toastId = s.pushToast(
    {
      kind: input.approve ? 'allowed' : 'denied',
      title: `${input.approve ? 'Approving' : 'Denying'}${n > 1 ? ` ${n} requests` : ''} ${rememberPhrase(input.remember)} in ${Math.round(graceMs / 1000)} s${along > 0 ? `, and ${along} more waiting like it` : ''}`,
      detail: held.headline,
      action: { label: 'Undo', run: () => undoAnswer(id) },
      progressMs: graceMs,
    },
    graceMs,
  );
  toasts.set(id, toastId);
  timers.set(
    id,
    setTimeout(() => void send(id), graceMs),
  );
  return id;
}

/** Undo: the answer is taken back before anything was sent; its request is selected again. */
export function undoAnswer(id: number): boolean {
  const s = store.getState();
  const a = s.answers[id];
  if (!a || a.sending) return false;
  clearTimeout(timers.get(id));
  timers.delete(id);
  const t = toasts.get(id);
  if (t !== undefined) s.dismissToast(t);
  toasts.delete(id);
  s.releaseAnswer(id, { reselect: true });
  s.pushToast({ kind: 'info', title: 'Undone — nothing was sent', detail: a.headline }, 3500);
  return true;
}

/** The most recent answer still in its grace period (the U key). */
export function latestHeldAnswer(): number | null {
  const ids = Object.values(store.getState().answers)
    .filter((a) => !a.sending)
    .map((a) => a.id);
  return ids.length ? Math.max(...ids) : null;
}

async function post(actionId: string, a: HeldAnswer, primary: boolean): Promise<ResolveResult> {
  const body = {
    remember: primary ? a.remember : ('once' as const),
    ...(primary && a.pattern ? { pattern: a.pattern } : {}),
    ...(a.comment.trim() ? { comment: a.comment.trim() } : {}),
    ...(primary && a.applyToPending ? { apply_to_pending: true } : {}),
  };
  return a.approve ? api.approve(actionId, body) : api.deny(actionId, body);
}

async function send(id: number): Promise<void> {
  const s = store.getState();
  const a = s.answers[id];
  if (!a || a.sending) return;
  timers.delete(id);
  const t = toasts.get(id);
  if (t !== undefined) s.dismissToast(t);
  toasts.delete(id);
  s.markSending(id);
  const [primary, ...rest] = a.memberIds;
  let answered = 0;
  let conflicts = 0;
  let policyId: string | null = null;
  let also: string[] = [];
  let failure: string | null = null;
  try {
    const r = await post(primary!, a, true);
    answered++;
    policyId = r.policy_id;
    also = r.also_resolved;
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) conflicts++;
    else failure = errorMessage(e);
  }
  // A group answered once: each remaining member is answered on its own (those the remembered
  // policy already answered are in `also_resolved`).
  const left = failure ? [] : rest.filter((m) => !also.includes(m));
  for (let i = 0; i < left.length; i += 6) {
    const results = await Promise.allSettled(left.slice(i, i + 6).map((m) => post(m, a, false)));
    for (const r of results) {
      if (r.status === 'fulfilled') answered++;
      else if (r.reason instanceof ApiError && r.reason.status === 409) conflicts++;
      else failure ??= errorMessage(r.reason);
    }
  }
  const st = store.getState();
  if (failure && answered === 0) {
    // Not sent: the requests come back to the queue, still waiting.
    st.releaseAnswer(id);
    st.pushToast({ kind: 'error', title: 'Your answer was not sent', detail: `${failure} — ${a.headline}` }, 8000);
    void refreshPending();
    return;
  }
  st.forgetAnswer(id);
  const extra = also.filter((x) => !a.memberIds.includes(x)).length;
  const count = answered + also.filter((x) => a.memberIds.includes(x)).length;
  const parts = [
    `${verbOf(a.approve)} ${rememberPhrase(a.remember)}`,
    count > 1 ? ` (${count} requests)` : '',
    extra > 0 ? ` and ${extra} more waiting like it` : '',
    policyId ? ` — created policy ${policyId}` : '',
  ];
  st.pushToast({ kind: a.approve ? 'allowed' : 'denied', title: parts.join(''), detail: a.headline });
  if (conflicts > 0)
    st.pushToast({
      kind: 'info',
      title: conflicts === a.memberIds.length ? 'Already answered' : `${conflicts} of them were already answered`,
      detail: 'Answered elsewhere (CLI, tray, another tab) or timed out before your answer arrived.',
    });
  if (failure) st.pushToast({ kind: 'error', title: 'Some answers were not sent', detail: failure }, 8000);
  void refreshPending();
}

const LEFT_WORDS: Record<Outcome, string> = {
  approved: 'was approved elsewhere',
  rejected: 'was denied elsewhere',
  expired: 'expired',
  withdrawn: 'the agent stopped waiting',
};

/**
 * A request left the server's queue. If it was covered by an answer still in its grace period and
 * it expired or its agent stopped waiting, the person is told that their answer was not sent.
 */
export function requestLeft(actionId: string, outcome: Outcome): void {
  const s = store.getState();
  const item = s.approvals[actionId];
  const heldId = s.heldBy[actionId];
  const held = heldId === undefined ? undefined : s.answers[heldId];
  if (held && !held.sending) {
    const after = s.dropFromAnswer(actionId);
    if (after && after.memberIds.length === 0) {
      clearTimeout(timers.get(held.id));
      timers.delete(held.id);
      const t = toasts.get(held.id);
      if (t !== undefined) s.dismissToast(t);
      toasts.delete(held.id);
    }
    const what =
      outcome === 'withdrawn' ? 'The agent stopped waiting' : outcome === 'expired' ? 'The request expired' : 'It was answered elsewhere';
    const alongOnly = held.alsoIds.includes(actionId);
    s.pushToast(
      {
        kind: 'info',
        title: `${what} before your answer was sent`,
        detail: alongOnly
          ? `${item ? headlineOf(item) : actionId} — no longer answered along with: ${held.headline}`
          : `${held.headline}${after && after.memberIds.length > 0 ? ` — your answer still goes to the other ${after.memberIds.length}` : ' — your answer was not sent'}`,
      },
      7000,
    );
    return;
  }
  s.retireApproval(actionId, outcome);
  if (item && outcome === 'withdrawn' && !held) {
    s.pushToast({ kind: 'info', title: `Left the queue: ${LEFT_WORDS.withdrawn}`, detail: headlineOf(item) }, 6000);
  }
}

/** On leaving the page, answers still in their grace period are sent now rather than lost. */
export function flushHeldAnswers(): void {
  const s = store.getState();
  for (const a of Object.values(s.answers)) {
    if (a.sending) continue;
    clearTimeout(timers.get(a.id));
    timers.delete(a.id);
    a.memberIds.forEach((m, i) => {
      const body = {
        remember: i === 0 ? a.remember : 'once',
        ...(i === 0 && a.pattern ? { pattern: a.pattern } : {}),
        ...(a.comment.trim() ? { comment: a.comment.trim() } : {}),
        ...(i === 0 && a.applyToPending ? { apply_to_pending: true } : {}),
      };
      void fetch(`/api/v1/approvals/${encodeURIComponent(m)}/${a.approve ? 'approve' : 'deny'}`, {
        method: 'POST',
        credentials: 'same-origin',
        keepalive: true,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).catch(() => undefined);
    });
  }
}
