import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { Hono } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { z } from 'zod';
import type { Gatehouse } from '../../core/gatehouse.js';
import { readJson } from '../body.js';
import type { AppEnv } from '../env.js';
import { HttpError } from '../errors.js';
import { requireScope, SESSION_COOKIE } from '../middleware/auth.js';
import { loginCommand } from '../../services/login-command.js';
import { SESSION_IDLE_MS } from '../../services/sessions.js';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const NO_CONSOLE_HTML = `<!doctype html><meta charset="utf-8"><title>Gatehouse</title>
<body style="font:15px system-ui;margin:3rem;max-width:40rem">
<h1>Gatehouse is running</h1><p>The console has not been built. Run <code>npm run build</code> and reload.</p>
<p>The API is available: <a href="/api/docs">/api/docs</a>.</p></body>`;

function sessionCookie() {
  // As long as the session itself may live unused (SPEC 4); renewed whenever the console loads.
  return { httpOnly: true, sameSite: 'Strict' as const, path: '/', secure: false, maxAge: SESSION_IDLE_MS / 1000 };
}

/**
 * The React console, served by the same server (headless mode and the Electron window alike), and
 * its login: a one-time token in the URL (`/?token=…`) or handed over by the preload is exchanged
 * once for an HttpOnly, SameSite=Strict session cookie.
 */
export function consoleRoutes(g: Gatehouse, consoleDir: string | null) {
  const r = new Hono<AppEnv>();
  const cache = new Map<string, Buffer>();

  async function file(rel: string): Promise<Buffer | null> {
    if (!consoleDir) return null;
    const full = normalize(join(consoleDir, rel));
    if (!full.startsWith(consoleDir + sep) && full !== consoleDir) return null;
    const hit = cache.get(full);
    if (hit) return hit;
    try {
      const buf = await readFile(full);
      cache.set(full, buf);
      return buf;
    } catch {
      return null;
    }
  }

  r.post('/api/session/login', async (c) => {
    const { token } = await readJson(c, z.object({ token: z.string().min(1).max(200) }).strict());
    const session = g.sessions.redeem(token);
    if (!session)
      throw new HttpError(
        'unauthenticated',
        `This login link was already used or has expired. Run \`${loginCommand(g.opts.dataDir)}\` for a new one.`,
      );
    setCookie(c, SESSION_COOKIE, session, sessionCookie());
    return c.json({ authenticated: true, scope: 'admin' });
  });
  r.post('/api/session/logout', (c) => {
    const s = getCookie(c, SESSION_COOKIE);
    if (s) g.sessions.end(s);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.json({ authenticated: false, scope: null });
  });
  r.get('/api/session', (c) => {
    const s = getCookie(c, SESSION_COOKIE);
    const p = s ? g.sessions.bySession(s) : null;
    if (p && s) {
      setCookie(c, SESSION_COOKIE, s, sessionCookie());
      return c.json({ authenticated: true, scope: p.scope });
    }
    // The login page names the exact command that prints a fresh link for this data dir (SPEC 4).
    return c.json({ authenticated: false, scope: null, login_command: loginCommand(g.opts.dataDir) });
  });

  // `gatehouse open`: an admin key asks for a fresh one-time login link.
  r.post('/api/v1/console/login-url', requireScope('admin'), (c) => {
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    return c.json({ url: `http://${host}/?token=${g.sessions.issueLoginToken()}` });
  });

  r.get('/assets/*', async (c) => {
    const rel = c.req.path.slice(1);
    const buf = await file(rel);
    if (!buf) throw new HttpError('not_found', 'No such file');
    return c.body(new Uint8Array(buf), 200, {
      'Content-Type': MIME[extname(rel)] ?? 'application/octet-stream',
      'Cache-Control': 'public, max-age=31536000, immutable',
    });
  });
  // The console's service worker (notifications with Approve / Deny): served from the root so its
  // scope is the whole console, never cached, under the same CSP as the page.
  r.get('/sw.js', async (c) => {
    const buf = await file('sw.js');
    if (!buf) throw new HttpError('not_found', 'No such file');
    return c.body(new Uint8Array(buf), 200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': CSP,
    });
  });
  for (const icon of ['/favicon.svg', '/favicon.ico', '/icon.png']) {
    r.get(icon, async (c) => {
      const buf = await file(icon.slice(1));
      if (!buf) throw new HttpError('not_found', 'No such file');
      return c.body(new Uint8Array(buf), 200, { 'Content-Type': MIME[extname(icon)] ?? 'application/octet-stream' });
    });
  }

  // Every other GET outside the API is a console page (client-side routing).
  r.get('*', async (c, next) => {
    const path = c.req.path;
    // `/mcp` itself is the console's MCP page; the MCP API lives under `/mcp/…`.
    if (path === '/api' || path.startsWith('/api/') || path.startsWith('/mcp/')) return next();
    const token = c.req.query('token');
    if (token) {
      const session = g.sessions.redeem(token);
      const url = new URL(c.req.url);
      url.searchParams.delete('token');
      if (session) setCookie(c, SESSION_COOKIE, session, sessionCookie());
      else url.searchParams.set('login', 'expired');
      return c.redirect(`${url.pathname}${url.search}`, 303);
    }
    const html = await file('index.html');
    c.header('Content-Security-Policy', CSP);
    c.header('Cache-Control', 'no-store');
    return c.html(html ? html.toString('utf8') : NO_CONSOLE_HTML);
  });
  return r;
}
