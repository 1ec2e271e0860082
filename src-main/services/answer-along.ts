import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Remember } from '../../src-shared/index.js';
import type { AuditDraft, AuditRecord, Store } from '../storage/types.js';
import { resolveOp, type ActionRow } from './action-rows.js';

/** Waiting requests answered along with a person's answer per commit (SPEC 4 `apply_to_pending`). */
export const ANSWER_SLICE = 100;

/** One person's answer, as every request it answers records it. */
export interface Answer {
  /** The request the person answered. */
  actionId: string;
  approve: boolean;
  now: number;
  comment: string | null;
  remember: Remember;
  policyId: string | null;
  actor: string;
}

/** The `approval.resolved` record of one request the answer settles (the person's own one or one answered along). */
export function resolvedRecord(r: Pick<ActionRow, 'action_id' | 'approval_id' | 'agent_id'>, a: Answer): AuditDraft {
  return {
    type: 'approval.resolved',
    actor: a.actor,
    action_id: r.action_id,
    data: {
      approval_id: r.approval_id,
      agent_id: r.agent_id,
      approved: a.approve,
      comment: a.comment,
      remember: a.remember,
      policy_id: a.policyId,
      // An answer given for another request through apply_to_pending names that request.
      ...(r.action_id === a.actionId ? {} : { answered_with: a.actionId }),
    },
  };
}

/** Longest stretch of checking before a slice is written and the event loop gets a turn. */
const CHECK_MS = 15;

export interface AlongHooks<T extends { row: ActionRow }> {
  /**
   * Does the answer still decide this request now? Asked just before its slice is written; one it
   * does not decide (or whose check throws) is released to wait for a person again.
   */
  applies(c: T): boolean | Promise<boolean>;
  /** After a slice is durable: one request of it is answered (wake its long-polls, publish its event). */
  answered(c: T, seq: number): void;
  /** These requests wait for a person again (not decided by the answer, or their slice could not be written). */
  release(rest: T[]): void;
}

async function appliesSafely<T extends { row: ActionRow }>(hooks: AlongHooks<T>, c: T): Promise<boolean> {
  try {
    return await hooks.applies(c);
  } catch {
    return false;
  }
}

/**
 * Answers the requests `apply_to_pending` claimed, at most `size` per commit and about 15 ms of
 * checking per slice, yielding to the event loop between slices, so that a thousand waiting
 * requests never hold the loop at once (principle 5). Each slice is one commit: the requests' new
 * state and their audit records are written together or not at all, so a crash between slices
 * leaves every request either answered with its record or still pending without one (and tracked
 * again on start). The caller claimed them beforehand, so no other answer, withdrawal or expiry
 * takes one meanwhile; `resolveOp` only changes a pending row. A request the answer no longer
 * decides, or a slice the disk refuses, waits for a person again (never allowed by a failure).
 * Returns the requests answered.
 */
export async function answerAlong<T extends { row: ActionRow }>(
  store: Pick<Store, 'commit'>,
  claimed: T[],
  answer: Answer,
  size: number,
  hooks: AlongHooks<T>,
): Promise<T[]> {
  const done: T[] = [];
  const step = Math.max(1, Number.isFinite(size) ? Math.floor(size) : claimed.length);
  let next = 0;
  while (next < claimed.length) {
    const slice: T[] = [];
    const skipped: T[] = [];
    const first = next;
    const started = performance.now();
    while (next < claimed.length && slice.length < step && (next === first || performance.now() - started < CHECK_MS)) {
      const c = claimed[next++]!;
      ((await appliesSafely(hooks, c)) ? slice : skipped).push(c);
    }
    if (skipped.length > 0) hooks.release(skipped);
    if (slice.length > 0) {
      let records: AuditRecord[];
      try {
        records = await store.commit(
          slice.map((c) => resolveOp(c.row.action_id, answer.approve, answer.now, answer.comment)),
          slice.map((c) => resolvedRecord(c.row, answer)),
        );
      } catch {
        hooks.release([...slice, ...claimed.slice(next)]);
        break;
      }
      slice.forEach((c, i) => hooks.answered(c, records[i]!.seq));
      done.push(...slice);
    }
    if (next < claimed.length) await yieldToLoop();
  }
  return done;
}
