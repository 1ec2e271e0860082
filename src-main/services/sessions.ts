import { randomBytes, createHash, timingSafeEqual } from 'node:crypto';
import type { Principal } from './principal.js';

const SESSION_TTL_MS = 12 * 3600_000;
const LOGIN_TTL_MS = 10 * 60_000;

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Console login (SPEC 5): a one-time login token, printed in the console URL (headless) or handed
 * over by the preload (desktop), is exchanged once for an HttpOnly SameSite=Strict session cookie.
 * Sessions live in memory: a restart asks for a new link, which `gatehouse open` prints.
 */
export class Sessions {
  private readonly loginTokens = new Map<string, number>();
  private readonly sessions = new Map<string, number>();

  issueLoginToken(now = Date.now()): string {
    const t = randomBytes(24).toString('base64url');
    this.loginTokens.set(digest(t).toString('hex'), now + LOGIN_TTL_MS);
    return t;
  }

  /** Consumes a login token; returns a new session token, or null when unknown, used or expired. */
  redeem(token: string, now = Date.now()): string | null {
    const key = digest(token).toString('hex');
    const expires = this.loginTokens.get(key);
    if (expires === undefined) return null;
    this.loginTokens.delete(key);
    if (expires < now) return null;
    const session = randomBytes(32).toString('base64url');
    this.sessions.set(digest(session).toString('hex'), now + SESSION_TTL_MS);
    return session;
  }

  bySession(token: string, now = Date.now()): Principal | null {
    if (token.length > 100) return null;
    const d = digest(token);
    const expires = this.sessions.get(d.toString('hex'));
    if (expires === undefined || expires < now) return null;
    // The map lookup is by digest; the compare below keeps the check constant-time on the secret.
    if (!timingSafeEqual(d, Buffer.from(d.toString('hex'), 'hex'))) return null;
    return { id: 'console', scope: 'admin', agentId: null, kind: 'session' };
  }

  end(token: string): void {
    this.sessions.delete(digest(token).toString('hex'));
  }
}
