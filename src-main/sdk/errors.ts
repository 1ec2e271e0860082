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

/** The action must not run: denied, rejected, expired, withdrawn — or Gatehouse could not decide. */
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
  /** The action's status (`denied`, `rejected`, `expired`, `withdrawn`), when known. */
  get status(): string | null {
    return this.decision?.status ?? null;
  }
}
/** The seeds' name for ActionDenied. */
export const AuthorizationDeniedError = ActionDenied;
export type AuthorizationDeniedError = ActionDenied;

/** No decision arrived within the wait; the SDK withdrew the action before throwing (it never runs). */
export class ApprovalTimeout extends Error {
  override readonly name: string = 'ApprovalTimeout';
  constructor(
    readonly actionId: string,
    readonly timeoutS: number,
  ) {
    super(`No decision for action ${actionId} within ${timeoutS} s; it was withdrawn and not run`);
  }
}
/** The seeds' name for ApprovalTimeout (`except TimeoutError`). */
export const TimeoutError = ApprovalTimeout;
export type TimeoutError = ApprovalTimeout;
