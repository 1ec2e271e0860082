import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, ensureBuilt, startServerProcess, stopServerProcess, type ServerProc } from '../reliability/server-process.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

let s: ServerProc;
let browser: Browser;
let evil: Server;
let evilPort = 0;
let pendingId = '';

/** The attacker's page: tries every way a web page can reach the local API, and reports back. */
function attackPage(target: string, id: string): string {
  return `<!doctype html><html><body>
<form id="f" method="POST" action="${target}/api/v1/approvals/${id}/approve" enctype="text/plain" target="sink">
  <input name='{"remember":"forever","x":"' value='"}'>
</form>
<iframe name="sink"></iframe>
<script>
const results = {};
async function attempt(name, fn) { try { results[name] = await fn(); } catch (e) { results[name] = 'error: ' + e.message; } }
(async () => {
  await attempt('fetch_approve', async () => (await fetch('${target}/api/v1/approvals/${id}/approve', { method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status);
  await attempt('fetch_simple_approve', async () => { const r = await fetch('${target}/api/v1/approvals/${id}/approve', { method: 'POST', credentials: 'include', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: '{}' }); return r.type; });
  await attempt('read_audit', async () => (await (await fetch('${target}/api/v1/audit', { credentials: 'include' })).text()).slice(0, 50));
  await attempt('read_settings_no_cors', async () => (await fetch('${target}/api/v1/settings', { credentials: 'include', mode: 'no-cors' })).type);
  document.getElementById('f').submit();
  await new Promise((r) => setTimeout(r, 800));
  window.__results = results;
})();
</script></body></html>`;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`);
  ensureBuilt();
  s = await startServerProcess();
  await api(s, 'POST', '/api/v1/policies', s.adminKey, { id: 'hold', effect: 'require_approval', when: { action_type: 'hold.*' } });
  pendingId = (
    await api<{ action_id: string }>(s, 'POST', '/api/v1/actions/submit', s.agentKey, {
      agent_id: 'victim-agent',
      action_type: 'hold.deploy',
    })
  ).body.action_id;
  evil = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(attackPage(s.url, pendingId));
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
  evilPort = (evil.address() as { port: number }).port;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});
afterAll(async () => {
  await browser?.close();
  evil?.close();
  if (s) await stopServerProcess(s);
});

describe('a malicious page in the same browser as a logged-in console', () => {
  it.each(['127.0.0.1', 'localhost'])('cannot approve or read anything from a page on %s:<other port>', async (host) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // The user is logged in to the console in this browser (session cookie for 127.0.0.1).
    const login = await api<{ url: string }>(s, 'POST', '/api/v1/console/login-url', s.adminKey, {});
    await page.goto(login.body.url);
    expect((await context.cookies(s.url)).some((c) => c.httpOnly && c.sameSite === 'Strict')).toBe(true);

    await page.goto(`http://${host}:${evilPort}/`);
    await page.waitForFunction('window.__results !== undefined', undefined, { timeout: 15_000 });
    const results = (await page.evaluate('window.__results')) as Record<string, unknown>;
    // A readable answer would be a number status or text; the browser must give the page neither.
    expect(String(results.fetch_approve)).toMatch(/error/);
    expect(String(results.read_audit)).toMatch(/error/);
    const st = await api<{ status: string }>(s, 'GET', `/api/v1/actions/${pendingId}/status`, s.adminKey);
    expect(st.body.status).toBe('pending');
    const audit = await api<{ items: { type: string }[] }>(s, 'GET', '/api/v1/audit?type=approval.resolved', s.adminKey);
    expect(audit.body.items).toHaveLength(0);
    await context.close();
  });
});
