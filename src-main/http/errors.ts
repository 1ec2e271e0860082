import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { STATUS_OF_CODE, type ErrorBody, type ErrorCode, type ErrorDetail } from '../../src-shared/index.js';

/** An error with a SPEC 5 code. Thrown anywhere in a handler; rendered by `renderError`. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
  get status(): number {
    return STATUS_OF_CODE[this.code];
  }
}

export const notFound = (what: string) => new HttpError('not_found', `${what} not found`);
export const conflict = (message: string) => new HttpError('conflict', message);
export const forbidden = (message: string) => new HttpError('forbidden', message);

/** Field-level details from a zod error: `[{path: "action_type", message: "Required"}]`. */
export function zodDetails(error: ZodError, prefix = ''): ErrorDetail[] {
  return error.issues.map((i) => {
    const path = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
    let message = i.message;
    if (i.code === 'unrecognized_keys') message = `Unknown field(s): ${i.keys.join(', ')}`;
    if (i.code === 'invalid_type' && i.message.includes('received undefined')) message = 'Required';
    return { path: path || '(body)', message };
  });
}

export function invalid(error: ZodError, what = 'Request', prefix = ''): HttpError {
  const details = zodDetails(error, prefix);
  const first = details[0];
  return new HttpError('invalid_request', `${what} is invalid${first ? `: ${first.path}: ${first.message}` : ''}`, details);
}

export function errorBody(code: ErrorCode, message: string, details?: ErrorDetail[]): ErrorBody {
  return { error: details?.length ? { code, message, details } : { code, message } };
}

export function renderError(c: Context, e: HttpError): Response {
  for (const [k, v] of Object.entries(e.headers ?? {})) c.header(k, v);
  return c.json(errorBody(e.code, e.message, e.details), e.status as ContentfulStatusCode);
}
