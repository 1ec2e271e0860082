import { ApiError, GatehouseApi, UnreachableError } from '../../src-shared/client.js';
import type { ErrorDetail } from '../../src-shared/index.js';

export { ApiError, UnreachableError };

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

/** Called when any API request answers 401 (the session expired or the server restarted). */
export function onUnauthorized(fn: Listener): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

const watchedFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (res.status === 401 && !url.includes('/api/session')) for (const fn of unauthorizedListeners) fn();
  return res;
};

/** The console's API client: same origin, authenticated by the HttpOnly session cookie. */
export const api = new GatehouseApi({ baseUrl: '', fetch: watchedFetch });

/** A sentence a person can act on, for any error thrown by the API layer. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 401) return 'Your session has ended. Open a new login link (`gatehouse open`).';
    // A 503 says what cannot be done (storage refusing writes, the log unreadable, the search index
    // catching up); one without a body is the storage refusing writes.
    if (e.status === 503 && !e.body) return 'Gatehouse cannot write to its storage right now; nothing was changed. Try again shortly.';
    return e.message || `The server answered ${e.status}.`;
  }
  if (e instanceof UnreachableError) return 'Gatehouse is not reachable. Is `gatehouse serve` still running?';
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Field-level details of a 400 answer (path → message), for showing next to the fields. */
export function fieldErrors(e: unknown): ErrorDetail[] {
  return e instanceof ApiError ? (e.body?.error.details ?? []) : [];
}

/** A form's error line: each field the server named (`path: message`), else the error's message. */
export function formErrorText(e: unknown): string {
  const d = fieldErrors(e);
  return d.length ? d.map((x) => `${x.path}: ${x.message}`).join('; ') : errorMessage(e);
}
