import { SessionSchema } from '../../src-shared/index.js';

export type SessionState = { authenticated: boolean; scope: 'agent' | 'admin' | null; login_command?: string };

async function readSession(res: Response): Promise<SessionState> {
  const parsed = SessionSchema.safeParse(await res.json().catch(() => null));
  return parsed.success ? parsed.data : { authenticated: false, scope: null };
}

/** GET /api/session: is the cookie of this browser a live console session? */
export async function fetchSession(): Promise<SessionState> {
  const res = await fetch('/api/session', { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`The server answered ${res.status} to /api/session`);
  return readSession(res);
}

/** POST /api/session/login with a one-time token (the desktop preload hands one over). */
export async function loginWithToken(token: string): Promise<SessionState> {
  const res = await fetch('/api/session/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (!res.ok) return { authenticated: false, scope: null };
  return readSession(res);
}

export async function logout(): Promise<void> {
  await fetch('/api/session/logout', { method: 'POST', credentials: 'same-origin' });
}
