import { randomBytes, createHash, timingSafeEqual } from 'node:crypto';
import type { Principal } from './principal.js';

const SESSION_TTL_MS = 12 * 3600_000;
const LOGIN_TTL_MS = 10 * 60_000;

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The lookup id of a session token: its first characters; the whole token is then compared by digest. */
const ID_CHARS = 10;

/**
 * Console login (SPEC 5): a one-time login token, printed in the console URL (headless) or handed
 * over by the preload (desktop), is exchanged once for an HttpOnly SameSite=Strict session cookie.
 * Sessions are held hashed: a cookie is looked up by its first characters, then its SHA-256 is
 * compared with the stored one in constant time. Sessions live in memory: a restart asks for a
 * new link, which `gatehouse open` prints.
 */
export class Sessions {
  private readonly loginTokens = new Map<string, number>();
  private readonly sessions = new Map<string, { digest: Buffer; expires: number }>();

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
    let session = randomBytes(32).toString('base64url');
    while (this.sessions.has(session.slice(0, ID_CHARS))) session = randomBytes(32).toString('base64url');
    this.sessions.set(session.slice(0, ID_CHARS), { digest: digest(session), expires: now + SESSION_TTL_MS });
    return session;
  }

  bySession(token: string, now = Date.now()): Principal | null {
    if (token.length > 100) return null;
    const s = this.sessions.get(token.slice(0, ID_CHARS));
    if (!s || s.expires < now || !timingSafeEqual(s.digest, digest(token))) return null;
    return { id: 'console', scope: 'admin', agentId: null, kind: 'session' };
  }

  end(token: string): void {
    const s = this.sessions.get(token.slice(0, ID_CHARS));
    if (s && timingSafeEqual(s.digest, digest(token))) this.sessions.delete(token.slice(0, ID_CHARS));
  }
}
