/**
 * The fail mode, applied to a deciding call that failed (SPEC 9.3, issue 13). Only "nothing
 * answered" may become an allow, and only under FailMode.OPEN. An answer the server gave is never an
 * allow: 429 (rate limited), 5xx (503: storage cannot write), a redirect (not followed: whatever
 * answered is not Gatehouse) and a body that is not JSON are refused in both modes; a client error (400, 401, 403, 404...) is thrown as the GatehouseError it is.
 */
import { failOpenDecision } from './decision.js';
import { ActionDenied, GatehouseError, GatehouseUnreachable } from './errors.js';
import type { ActionDecision, FailMode } from './types.js';

/** True for a failure no fail mode may allow: the server answered, but could not decide. */
export const couldNotDecide = (e: unknown): e is GatehouseError =>
  e instanceof GatehouseError &&
  !(e instanceof GatehouseUnreachable) &&
  e.status !== null &&
  (e.status === 429 || e.status >= 500 || (e.status >= 300 && e.status < 400) || e.code === 'invalid_response');

export function cannotDecide(e: unknown, failMode: FailMode, actionId: string | null = null): ActionDecision {
  if (e instanceof GatehouseUnreachable) {
    const why = `Gatehouse is unreachable (${e.message})`;
    if (failMode === 'open') {
      console.warn(`gatehouse: ${why}; allowing because failMode is OPEN`);
      return failOpenDecision(`${why}; allowed by FailMode.OPEN`, actionId);
    }
    throw new ActionDenied(`${why}; denied by FailMode.CLOSED`, actionId);
  }
  if (couldNotDecide(e)) throw new ActionDenied(`Gatehouse could not decide (${e.message}); refused whatever the fail mode`, actionId);
  throw e;
}
