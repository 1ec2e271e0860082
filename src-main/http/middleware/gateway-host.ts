import type { Context } from 'hono';

/** Forward-auth endpoint (SPEC 9.5). Envoy's form appends the original path to it. */
export const FORWARD_AUTH_PATH = '/api/v1/authz/forward';

/**
 * Envoy's HTTP `ext_authz` sends its check request with the original request's Host (its
 * `:authority`), and Envoy cannot rewrite it (`host` is not a modifiable header there). So the
 * DNS-rebinding guard lets a foreign Host through on exactly this shape of request:
 *
 * - the Envoy form of the forward-auth path (`/api/v1/authz/forward/<original path>`; the plain
 *   path keeps the loopback-Host rule);
 * - an API key in `X-API-Key` or `Authorization: Bearer` (a session cookie is never consulted when a
 *   key is present, so a browser's cookie cannot ride on it);
 * - no sign of a browser: no `Origin`, no `Sec-Fetch-*` headers (every current browser sends
 *   `Sec-Fetch-Mode`; a rebinding page cannot remove it, and it does not know a key).
 *
 * The connection itself still arrives on the loopback interface: the server binds 127.0.0.1 only.
 */
export function isGatewayCheck(c: Context): boolean {
  const path = new URL(c.req.url).pathname;
  if (!path.startsWith(`${FORWARD_AUTH_PATH}/`)) return false;
  const auth = c.req.header('authorization');
  const hasKey = !!c.req.header('x-api-key') || (!!auth && /^bearer\s+gk_/i.test(auth));
  if (!hasKey) return false;
  if (c.req.header('origin') !== undefined) return false;
  for (const h of ['sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-dest', 'sec-fetch-user']) if (c.req.header(h) !== undefined) return false;
  return true;
}
