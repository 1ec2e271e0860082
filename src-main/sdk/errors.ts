/** The SDK's errors. */
import { ApiError, UnreachableError } from './api.js';
import type { ActionDecision } from './types.js';

/** An answer the SDK cannot turn into a decision: a 4xx (bad request, bad key...), a body that is not JSON, or an outage outside a deciding call. */
export class GatehouseError extends Error {
  override readonly name: string = 'GatehouseError';
  constructor(
    message: string,
    /** HTTP status, or null when nothing answered. */
    readonly status: number | null = null,
    /** SPEC 5 error code (`invalid_request`, `unauthenticated`...), `invalid_response`, or `unreachable`. */
    readonly code: string = 'error',
  ) {
    super(message);
  }
}

/** Nothing answered: Gatehouse is not running, refused the connection, or did not reply in time. The only failure FailMode.OPEN may allow. */
export class GatehouseUnreachable extends GatehouseError {
  override readonly name: string = 'GatehouseUnreachable';
  constructor(message: string) {
    super(message, null, 'unreachable');
  }
}

/** Turns the shared client's errors into the SDK's own. */
export function sdkError(e: unknown): unknown {
  if (e instanceof UnreachableError) return new GatehouseUnreachable(e.message);
  if (e instanceof ApiError) return new GatehouseError(`HTTP ${e.status} ${e.code}: ${e.message}`, e.status, e.code);
  return e;
}

/** The action must not run: denied, rejected, withdrawn — or Gatehouse could not decide. (An approval that expired unanswered is an ApprovalTimeout.) */
export class ActionDenied extends Error {
  override readonly name: string = 'ActionDenied';
  constructor(
    readonly reason: string,
    readonly actionId: string | null = null,
    readonly decision: ActionDecision | null = null,
  ) {
    super(`Action denied by Gatehouse: ${reason}${actionId ? ` (action ${actionId})` : ''}`);
  }
  /** The seeds' name for `reason`. */
  get rejectionReason(): string {
    return this.reason;
  }
  /** The action's status (`denied`, `rejected`, `withdrawn`), when known. */
  get status(): string | null {
    return this.decision?.status ?? null;
  }
}
/** The seeds' name for ActionDenied. */
export const AuthorizationDeniedError = ActionDenied;
export type AuthorizationDeniedError = ActionDenied;

/**
 * No one answered in time, so the action does not run: the SDK's own wait ran out (it withdrew the
 * action before throwing), or Gatehouse's approval timeout expired it first (status `expired`). Not an
 * ActionDenied: no one said no (the seeds catch it as "Approval timeout - action not executed").
 */
export class ApprovalTimeout extends Error {
  override readonly name: string = 'ApprovalTimeout';
  readonly reason: string;
  constructor(
    readonly actionId: string,
    /** The wait that ran out, in seconds; null when the approval expired on the server. */
    readonly timeoutS: number | null,
    readonly decision: ActionDecision | null = null,
    reason?: string,
  ) {
    super(
      reason ? `${reason} (action ${actionId})` : `No decision for action ${actionId} within ${timeoutS} s; it was withdrawn and not run`,
    );
    this.reason = reason ?? `no decision within ${timeoutS} s; it was withdrawn and not run`;
  }
  /** The seeds' name for `reason`. */
  get rejectionReason(): string {
    return this.reason;
  }
  /** The action's status (`expired`, `withdrawn`), when known. */
  get status(): string | null {
    return this.decision?.status ?? null;
  }
}

/** The error for a final decision that is not an allow: ApprovalTimeout when the approval expired unanswered, else ActionDenied. */
export function refusal(d: ActionDecision, actionId: string | null = null): ActionDenied | ApprovalTimeout {
  const id = d.actionId ?? actionId;
  if (d.status === 'expired')
    return new ApprovalTimeout(id ?? '', null, d, `${d.reason || 'No answer before the approval expired'}; the action was not run`);
  return new ActionDenied(d.rejectionReason ?? d.reason ?? d.status, id, d);
}
/** The seeds' name for ApprovalTimeout (`except TimeoutError`). */
export const TimeoutError = ApprovalTimeout;
export type TimeoutError = ApprovalTimeout;
