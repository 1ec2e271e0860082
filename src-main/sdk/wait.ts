/**
 * Waiting for a person (SPEC 4): long-polls the status until the action leaves `pending`. Whenever
 * it stops waiting without an answer — its timeout, an aborted signal, Gatehouse failing meanwhile —
 * it withdraws the action, so no one is left approving something nobody waits for. An outage while
 * the action is held is a no in both fail modes: the server already held it, and no answer is never a yes.
 */
import { couldNotDecide } from './fail-mode.js';
import { ActionDenied, ApprovalTimeout, GatehouseUnreachable } from './errors.js';
import type { ActionDecision, WaitOptions } from './types.js';

export interface Waitable {
  /** One long-poll of at most `waitS` seconds. */
  pollStatus(actionId: string, waitS: number, signal?: AbortSignal): Promise<ActionDecision>;
  /** Withdraws; on a 409 (answered meanwhile) resolves to the answer; never rejects. */
  withdrawQuietly(actionId: string, reason: string): Promise<ActionDecision | null>;
}

const MAX_WAIT_PER_POLL_S = 60; // the server's long-poll limit

export async function waitForDecision(w: Waitable, actionId: string, o: WaitOptions = {}): Promise<ActionDecision> {
  const timeoutS = o.timeoutS ?? 300;
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const remaining = Math.max(0, Math.floor((deadline - Date.now()) / 100) / 10); // seconds, to the tenth
    let d: ActionDecision;
    try {
      d = await w.pollStatus(actionId, Math.min(MAX_WAIT_PER_POLL_S, remaining), o.signal);
    } catch (e) {
      if (o.signal?.aborted) {
        await w.withdrawQuietly(actionId, 'the agent stopped waiting (aborted)');
        throw o.signal.reason;
      }
      if (e instanceof GatehouseUnreachable || couldNotDecide(e)) {
        await w.withdrawQuietly(actionId, 'the agent stopped waiting (Gatehouse failed)');
        throw new ActionDenied(`Gatehouse failed while action ${actionId} was waiting for approval (${(e as Error).message})`, actionId);
      }
      throw e;
    }
    if (d.decision !== 'pending') return d;
    if (remaining <= 0 || Date.now() >= deadline - 50) {
      const raced = await w.withdrawQuietly(actionId, `the agent stopped waiting after ${timeoutS} s`);
      if (raced?.decision === 'allowed') return raced; // a person approved it just before the withdrawal arrived
      throw new ApprovalTimeout(actionId, timeoutS);
    }
  }
}
