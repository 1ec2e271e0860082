import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginCommand, shellQuote } from '../../src-main/services/login-command.js';
import { SESSION_IDLE_MS, Sessions } from '../../src-main/services/sessions.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

let t: TestCore;
beforeAll(async () => {
  t = await openTestCore();
});
afterAll(() => t.close());

const cookieOf = (res: Response) => /gatehouse_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? null;
const session = (cookie: string) =>
  t.json<{ authenticated: boolean; login_command?: string }>('GET', '/api/session', {
    key: null,
    headers: { cookie: `gatehouse_session=${cookie}` },
  });

describe('console sessions (SPEC 4)', () => {
  it('survive a restart of the server, stored hashed in sessions.json (0600), and end on logout', async () => {
    const token = t.g.sessions.issueLoginToken();
    const login = await t.req('POST', '/api/session/login', { key: null, body: { token } });
    expect(login.status).toBe(200);
    const cookie = cookieOf(login)!;
    expect(cookie).toBeTruthy();
    expect(login.headers.get('set-cookie')).toMatch(/Max-Age=2592000/);
    expect((await session(cookie)).body.authenticated).toBe(true);

    const file = join(t.dataDir, 'sessions.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(cookie);
    expect(text).not.toContain(token);

    await t.reopen();
    expect((await session(cookie)).body.authenticated).toBe(true);
    // The cookie answers admin routes after the restart too.
    expect((await t.req('GET', '/api/v1/approvals', { key: null, headers: { cookie: `gatehouse_session=${cookie}` } })).status).toBe(200);

    const out = await t.req('POST', '/api/session/logout', { key: null, headers: { cookie: `gatehouse_session=${cookie}` } });
    expect(out.status).toBe(200);
    expect((await session(cookie)).body.authenticated).toBe(false);
    await t.reopen();
    expect((await session(cookie)).body.authenticated).toBe(false);
    expect((await t.req('GET', '/api/v1/approvals', { key: null, headers: { cookie: `gatehouse_session=${cookie}` } })).status).toBe(401);
  });

  it('without a session, /api/session names the exact command for this data dir', async () => {
    const r = await t.json<{ authenticated: boolean; login_command: string }>('GET', '/api/session', { key: null });
    expect(r.body.authenticated).toBe(false);
    expect(r.body.login_command).toMatch(/ open --data-dir /);
    expect(r.body.login_command).toContain(t.dataDir);
  });
});

describe('Sessions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sessions-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('end after 30 days unused; use keeps them alive', () => {
    const file = join(dir, 'idle.json');
    const t0 = 1_700_000_000_000;
    const s = new Sessions(file, t0);
    const a = s.redeem(s.issueLoginToken(t0), t0)!;
    const b = s.redeem(s.issueLoginToken(t0), t0)!;
    // b is used after 20 days; a is not.
    expect(s.bySession(b, t0 + 20 * 86_400_000)).not.toBeNull();
    const later = t0 + SESSION_IDLE_MS + 1000;
    const reopened = new Sessions(file, later);
    expect(reopened.bySession(a, later)).toBeNull();
    expect(reopened.bySession(b, later)).not.toBeNull();
    expect(reopened.size).toBe(1);
  });

  it('a login token works once and for ten minutes', () => {
    const s = new Sessions(null, 0);
    const tok = s.issueLoginToken(1000);
    expect(s.redeem(tok, 1000 + 11 * 60_000)).toBeNull();
    const tok2 = s.issueLoginToken(1000);
    expect(s.redeem(tok2, 2000)).toBeTruthy();
    expect(s.redeem(tok2, 2000)).toBeNull();
  });

  it('a sessions.json others could read is made 0600 at start, not only at the next login', () => {
    const file = join(dir, 'loose.json');
    const t0 = Date.now();
    const s = new Sessions(file, t0);
    s.redeem(s.issueLoginToken(t0), t0);
    chmodSync(file, 0o644); // copied, restored from a backup, or made by hand
    expect(new Sessions(file, t0).size).toBe(1);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('a damaged sessions.json logs no one in and is rewritten', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"version":1,"sessions":[{"hash":"zz"}]}');
    const s = new Sessions(file);
    expect(s.size).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, sessions: [] });
    writeFileSync(file, 'not json');
    expect(new Sessions(file).size).toBe(0);
  });
});

describe('loginCommand', () => {
  it('uses `gatehouse` when this package is on PATH, else node with the full path; quotes paths', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-path-'));
    try {
      const bin = join(dir, 'pkg', 'bin', 'gatehouse.mjs');
      mkdirSync(join(dir, 'pkg', 'bin'), { recursive: true });
      writeFileSync(bin, '');
      mkdirSync(join(dir, 'path'));
      expect(loginCommand('/data dir', { bin, env: { PATH: join(dir, 'path') } })).toBe(`node ${bin} open --data-dir '/data dir'`);
      symlinkSync(bin, join(dir, 'path', 'gatehouse'));
      expect(loginCommand('/home/u/.gatehouse', { bin, env: { PATH: `/nowhere:${join(dir, 'path')}` } })).toBe(
        'gatehouse open --data-dir /home/u/.gatehouse',
      );
      // Another program called gatehouse on PATH is not ours.
      const other = join(dir, 'other.mjs');
      writeFileSync(other, '');
      expect(loginCommand('/d', { bin: other, env: { PATH: join(dir, 'path') } })).toBe(`node ${other} open --data-dir /d`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
