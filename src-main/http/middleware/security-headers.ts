import type { MiddlewareHandler } from 'hono';

/** Sent with every answer; `Cache-Control` only where the route did not choose its own. */
const ALWAYS: readonly [string, string][] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Frame-Options', 'DENY'],
];

/**
 * Security headers on every response. They are set on the response's own headers: Hono's
 * `c.header()` after the handler has answered rebuilds the response around its body as a stream
 * (once per call), which turns every small JSON answer into a streamed one. A response whose
 * headers cannot be changed (one made by `fetch`) is rebuilt once, the way `c.header()` would.
 */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    try {
      apply(c.res.headers);
    } catch {
      c.res = new Response(c.res.body, c.res);
      apply(c.res.headers);
    }
  };
}

function apply(headers: Headers): void {
  for (const [name, value] of ALWAYS) headers.set(name, value);
  if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store');
}
