import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetsOf } from '../../src-main/services/hooks/config/targets.js';
import { cleanEnv, runCli, startServer, type LiveServer } from '../integrations/helpers.js';
import { fixture } from '../integrations/hooks/fixtures/index.js';
import { installedCommand, spawnHook } from '../integrations/hooks/run.js';
import { ensureBuilt, launchBrowser, login, type Browser, type Server } from './helpers/gatehouse.js';

/** Settings → Integrations shows what `gatehouse hook install` wired and each agent's last call (SPEC 10, 9.4). */

let server: LiveServer;
let b: Browser;
let home: string;

beforeAll(async () => {
  ensureBuilt();
  home = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-home-'));
  server = await startServer({ env: { HOME: home } });
  b = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await b?.close();
  await server?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('Settings → Integrations', () => {
  it('shows each agent as wired or not, where, and its last call', async () => {
    const env = cleanEnv({ HOME: home });
    const r = await runCli(['hook', 'install', 'claude-code', '--data-dir', server.dataDir], null, env);
    expect(r.code, r.stderr).toBe(0);
    const c = installedCommand('claude-code', targetsOf('claude-code', 'user', { home })[0]!.path);
    const call = await spawnHook(c.cmd, c.args, fixture('claude-code', 'read'), env);
    expect(call.code).toBe(0);

    const p = b.page;
    const s = { newLoginUrl: async () => (await server.admin<{ url: string }>('POST', '/api/v1/console/login-url')).url } as Server;
    await login(p, s, '/settings?tab=integrations');
    const list = p.getByRole('list', { name: 'Coding agents' });
    const claude = list.getByRole('listitem').filter({ has: p.getByRole('heading', { name: 'Claude Code' }) });
    await claude.getByText(/Claude Code hook installed \(user\) — last call (just now|.* ago)/).waitFor();
    await expect(claude.getByText(join(home, '.claude', 'settings.json')).isVisible()).resolves.toBe(true);
    const codex = list.getByRole('listitem').filter({ has: p.getByRole('heading', { name: 'Codex CLI' }) });
    await codex.getByText('Not found on this machine').waitFor();
    await expect(codex.getByText('gatehouse hook install codex').isVisible()).resolves.toBe(true);
    await expect(list.getByRole('listitem').count()).resolves.toBe(7);
  });
});
