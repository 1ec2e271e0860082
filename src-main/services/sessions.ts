import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../audit/chain.js';
import { chmodSync, closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { z } from 'zod';
import { CONSOLE_ID, type Principal } from './principal.js';
import { tightenToOwner } from '../config/paths.js';
import { OWNER_APPROVER } from '../../src-shared/index.js';

/** SPEC 4: a console session ends after 30 days unused (or on logout). */
export const SESSION_IDLE_MS = 30 * 86_400_000;
const LOGIN_TTL_MS = 10 * 60_000;
/** Last use is written at most this often per session (a day of slack on 30 is plenty). */
const TOUCH_EVERY_MS = 3_600_000;
/** The oldest sessions beyond this many are dropped (each login link makes one). */
const MAX_SESSIONS = 200;
const TOKEN_MAX = 100;

const digest = (s: string) => sha256Hex(s);

const SessionFileSchema = z.object({
  version: z.literal(1),
  sessions: z.array(
    z.object({
      hash: z.string().regex(/^[0-9a-f]{64}$/),
      created_at: z.number().int(),
      last_used_at: z.number().int(),
    }),
  ),
});
type SessionFile = z.infer<typeof SessionFileSchema>;
type Entry = { created_at: number; last_used_at: number };

/**
 * Console login (SPEC 4, 5): a one-time login token, printed in the console URL (headless) or
 * handed over by the preload (desktop), is exchanged once for an HttpOnly SameSite=Strict session
 * cookie. Sessions are kept by the SHA-256 of their token — in memory and in `sessions.json`
 * (mode 0600) in the data dir — so a login survives a restart of the server and a copy of the file
 * logs no one in. Login tokens (10 minutes, single use) live in memory only.
 *
 * Lookups are by digest: the secret itself is never compared, so there is no secret-dependent
 * early exit to time.
 */
export class Sessions {
  private readonly loginTokens = new Map<string, number>();
  private readonly sessions = new Map<string, Entry>();

  /** `file`: where sessions persist (`<data dir>/sessions.json`); null keeps them in memory (tests). */
  constructor(
    private readonly file: string | null,
    now = Date.now(),
  ) {
    if (!file || !existsSync(file)) return;
    // Mode 0600 from the start, as credentials.json and audit-key.json are tightened (SPEC 1), not
    // only from the next login that rewrites it.
    try {
      tightenToOwner(file);
    } catch {
      // not ours to change (a read-only data dir): it logs no one in either way, holding hashes only
    }
    let parsed: SessionFile | null = null;
    try {
      const r = SessionFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      parsed = r.success ? r.data : null;
    } catch {
      parsed = null;
    }
    // An unreadable file logs everyone out (they get a fresh link); it never logs anyone in.
    for (const s of parsed?.sessions ?? []) {
      if (now - s.last_used_at < SESSION_IDLE_MS) this.sessions.set(s.hash, { created_at: s.created_at, last_used_at: s.last_used_at });
    }
    if (file && (!parsed || parsed.sessions.length !== this.sessions.size)) this.save(false);
  }

  issueLoginToken(now = Date.now()): string {
    const t = randomBytes(24).toString('base64url');
    this.loginTokens.set(digest(t), now + LOGIN_TTL_MS);
    for (const [k, exp] of this.loginTokens) if (exp < now) this.loginTokens.delete(k);
    return t;
  }

  /** Consumes a login token; returns a new session token, or null when unknown, used or expired. */
  redeem(token: string, now = Date.now()): string | null {
    if (token.length > 200) return null;
    const key = digest(token);
    const expires = this.loginTokens.get(key);
    if (expires === undefined) return null;
    this.loginTokens.delete(key);
    if (expires < now) return null;
    const session = randomBytes(32).toString('base64url');
    this.sessions.set(digest(session), { created_at: now, last_used_at: now });
    this.prune(now);
    this.save(true);
    return session;
  }

  bySession(token: string, now = Date.now()): Principal | null {
    if (token.length > TOKEN_MAX) return null;
    const key = digest(token);
    const entry = this.sessions.get(key);
    if (!entry) return null;
    if (now - entry.last_used_at >= SESSION_IDLE_MS) {
      this.sessions.delete(key);
      this.save(false);
      return null;
    }
    if (now - entry.last_used_at >= TOUCH_EVERY_MS) {
      entry.last_used_at = now;
      this.save(false);
    }
    return { id: CONSOLE_ID, scope: 'admin', agentId: null, kind: 'session', name: CONSOLE_ID, approver: OWNER_APPROVER };
  }

  end(token: string): void {
    if (token.length > TOKEN_MAX) return;
    if (this.sessions.delete(digest(token))) this.save(true);
  }

  get size(): number {
    return this.sessions.size;
  }

  private prune(now: number): void {
    for (const [k, e] of this.sessions) if (now - e.last_used_at >= SESSION_IDLE_MS) this.sessions.delete(k);
    if (this.sessions.size <= MAX_SESSIONS) return;
    const oldest = [...this.sessions].sort((a, b) => a[1].last_used_at - b[1].last_used_at);
    for (const [k] of oldest.slice(0, this.sessions.size - MAX_SESSIONS)) this.sessions.delete(k);
  }

  /**
   * Writes the file whole (temp file, then rename) with mode 0600. `durable` fsyncs first: a login
   * or a logout is on disk before it is answered; a last-use stamp need not be.
   */
  private save(durable: boolean): void {
    if (!this.file) return;
    const body: SessionFile = {
      version: 1,
      sessions: [...this.sessions].map(([hash, e]) => ({ hash, created_at: e.created_at, last_used_at: e.last_used_at })),
    };
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, `${JSON.stringify(body)}\n`);
        if (durable) fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      chmodSync(tmp, 0o600);
      renameSync(tmp, this.file);
    } catch (e) {
      // The session still works for this run; it will not survive a restart. Say so once per failure.
      console.warn(`gatehouse: could not write ${this.file}: ${(e as Error).message}`);
    }
  }
}
