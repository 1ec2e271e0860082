import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { KeyScope } from '../../../src-shared/index.js';
import type { AppEnv, Principal } from '../env.js';
import { GatehouseError } from '../../core/errors.js';

export const SESSION_COOKIE = 'gatehouse_session';

export interface Authenticator {
  /** The principal of an API key secret, or null (unknown or revoked). Constant-time compare inside. */
  byKey(secret: string): Principal | null;
  /** The principal of a console session token, or null. */
  bySession(token: string): Principal | null;
}

function presentedKey(c: Context): string | null {
  const header = c.req.header('x-api-key');
  if (header) return header.trim();
  const auth = c.req.header('authorization');
  if (auth && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  return null;
}

/** Resolves the caller (API key or session cookie) and stores it; 401 when neither is valid. */
export function authenticate(auth: Authenticator): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = presentedKey(c);
    let principal: Principal | null = null;
    if (key) {
      principal = auth.byKey(key);
      if (!principal) throw new GatehouseError('unauthenticated', 'Invalid or revoked API key');
    } else {
      const session = getCookie(c, SESSION_COOKIE);
      principal = session ? auth.bySession(session) : null;
      if (!principal) {
        throw new GatehouseError('unauthenticated', 'Authentication required: send X-API-Key or Authorization: Bearer <key>');
      }
    }
    c.set('principal', principal);
    await next();
  };
}

/** Refuses callers below `scope` (agent < admin). An agent key can never reach admin routes. */
export function requireScope(scope: KeyScope): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const p = c.get('principal');
    if (scope === 'admin' && p.scope !== 'admin') {
      throw new GatehouseError('forbidden', 'This needs an admin key; agent keys cannot do this');
    }
    await next();
  };
}
