import type { ZodError } from 'zod';
import { ALLOWED_FIELDS, type ErrorCode, type ErrorDetail } from '../../src-shared/index.js';

/**
 * The one error type of the domain: a SPEC 5 `code`, a message for a person, and field-level
 * details. Services, the engine's callers and the app throw it; only `http/` turns a code into a
 * status (and the CLI or a test can read the code without any HTTP in between).
 */
export class GatehouseError extends Error {
  override readonly name = 'GatehouseError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    /** For `rate_limited` / `unavailable`: when a retry may succeed, in seconds. */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

/**
 * Details an error lists at most. A body with 100,000 wrong items is one mistake made 100,000
 * times: its answer names the first ones and counts the rest in a last `(more)` detail, instead of
 * megabytes of details (an import of 120,000 wrong policies answered 8 MB).
 */
export const MAX_DETAILS = 100;
const MORE = '(more)';

/** `details` cut to MAX_DETAILS and a `(more)` detail counting the rest of `total` problems; a list already cut stays as it is. */
export function listedDetails(details: ErrorDetail[], total = details.length): ErrorDetail[] {
  if (details.at(-1)?.path === MORE) return details;
  const listed = details.slice(0, MAX_DETAILS);
  const more = total - listed.length;
  return more > 0 ? [...listed, { path: MORE, message: `${more.toLocaleString('en-US')} more problems are not listed` }] : details;
}

export const notFound = (what: string) => new GatehouseError('not_found', `${what} not found`);
export const conflict = (message: string) => new GatehouseError('conflict', message);
export const forbidden = (message: string, details?: ErrorDetail[]) => new GatehouseError('forbidden', message, details);
/** A 400 naming one field: `invalidField('url', 'must not contain a password')`. */
export const invalidField = (path: string, message: string, summary = 'Request is invalid') =>
  new GatehouseError('invalid_request', `${summary}: ${path}: ${message}`, [{ path, message }]);

/**
 * Field-level details from a zod error: `[{path: "action_type", message: "Required"}]`, each message
 * saying what is expected (src-shared/schemas/issue-messages.ts words zod's issues). An unknown field
 * is named itself, one detail each, with the fields allowed there
 * (`{path: "approval.timeout", message: "Unknown field; allowed fields: timeout_s, …"}`).
 * `root` names what was parsed where an issue has no field of its own (a body that is not an
 * object): `(body)` or `(query)`.
 */
export function zodDetails(error: ZodError, prefix = '', root = '(body)'): ErrorDetail[] {
  const pathOf = (parts: PropertyKey[]) => [prefix, ...parts.map(String)].filter(Boolean).join('.') || root;
  return error.issues.flatMap((i) => {
    if (i.code === 'unrecognized_keys') {
      // The path names the field; the message keeps the fields the object takes (issue-messages.ts).
      const at = i.message.lastIndexOf(ALLOWED_FIELDS);
      const message = `Unknown field${at >= 0 ? i.message.slice(at) : ''}`;
      return i.keys.map((k) => ({ path: pathOf([...i.path, k]), message }));
    }
    return [{ path: pathOf(i.path), message: i.message }];
  });
}

/** A 400 from a failed zod parse, its message naming the first bad field. */
export function invalid(error: ZodError, what = 'Request', prefix = '', root = '(body)'): GatehouseError {
  return invalidDetails(zodDetails(error, prefix, root), `${what} is invalid`);
}

/** A 400 listing `details`, its message (`summary: path: message`) naming the first. */
export function invalidDetails(details: ErrorDetail[], summary = 'Request is invalid'): GatehouseError {
  const first = details[0];
  return new GatehouseError('invalid_request', `${summary}${first ? `: ${first.path}: ${first.message}` : ''}`, details);
}
