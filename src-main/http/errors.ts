import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { STATUS_OF_CODE, type ErrorBody, type ErrorCode, type ErrorDetail } from '../../src-shared/index.js';
import { GatehouseError, invalid, listedDetails, zodDetails } from '../core/errors.js';
import { StorageUnavailableError } from '../storage/types.js';

/**
 * `GatehouseError` under its 0.1 name, for code written against it (tests, branches not merged
 * yet). New code throws `GatehouseError` from `core/errors.ts`.
 */
export { GatehouseError as HttpError, invalid, zodDetails };

/** SPEC 5's error body; `details` is always there (empty when the error is not about a field), so a client can read it without a check. */
export function errorBody(code: ErrorCode, message: string, details: ErrorDetail[] = []): ErrorBody {
  return { error: { code, message, details: listedDetails(details) } };
}

/** The HTTP status of a SPEC 5 error code: the one place codes become statuses. */
const statusOf = (code: ErrorCode): number => STATUS_OF_CODE[code];

/**
 * Anything thrown by a handler, as the error the client gets: a GatehouseError as is, a failed disk
 * as 503 `unavailable`, and anything else as 500 `internal` (logged; nothing was allowed).
 */
export function asGatehouseError(err: unknown): GatehouseError {
  if (err instanceof GatehouseError) return err;
  if (err instanceof StorageUnavailableError) {
    return new GatehouseError('unavailable', 'Storage cannot be written right now; nothing was decided. Retry shortly.', undefined, 1);
  }
  return new GatehouseError('internal', 'Internal error; nothing was changed or allowed');
}

export function renderError(c: Context, e: GatehouseError): Response {
  if (e.retryAfterS !== undefined) c.header('Retry-After', String(e.retryAfterS));
  return c.json(errorBody(e.code, e.message, e.details), statusOf(e.code) as ContentfulStatusCode);
}
