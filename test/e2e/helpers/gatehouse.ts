/**
 * End-to-end harness: a real `gatehouse serve` on a temp data dir, and Debian's Chromium driven by
 * playwright-core. Everything a test starts is stopped by `stop()` / `close()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SHOTS = join(ROOT, 'test-results', 'screenshots');

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'].filter(
  (p): p is string => !!p,
);

/** Debian's Chromium; installs it with apt when running as root, else fails with a clear message. */
export function findChromium(): string {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (found) return found;
  if (process.getuid?.() === 0) {
    const r = spawnSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit', timeout: 600_000 });
    if (r.status === 0 && existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  }
  throw new Error(
    'Chromium not found: the end-to-end tests need it at /usr/bin/chromium (install with `apt-get install -y chromium`) or set CHROMIUM_PATH.',
  );
}

let built = false;

/** Builds the CLI and the console when their outputs are missing or older than the sources (once per test file). */
export function ensureBuilt(): void {
  if (built) return;
  const missing = !existsSync(join(ROOT, 'out/renderer/index.html')) || !existsSync(join(ROOT, 'dist/cli/main.js'));
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), ...(missing ? [] : ['--if-needed'])], {
    cwd: ROOT,
    stdio: 'inherit',
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error('`node scripts/build.mjs` failed; see the output above.');
  built = true;
}

export interface Server {
  url: string;
  /** The one-time login URL printed at start. */
  loginUrl: string;
  dataDir: string;
  adminKey: string;
  agentKey: string;
  /** A JSON request with a key (default: the admin key; `null` sends none). */
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown, key?: string | null): Promise<{ status: number; body: T }>;
  /** A fresh one-time login URL. */
  newLoginUrl(): Promise<string>;
  /** Stops the server and starts it again on the same data dir and port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

interface Child {
  child: ChildProcess;
  loginUrl: string;
}

function spawnServer(dataDir: string, port: number, startTimeoutMs = 20_000): Promise<Child> {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(ROOT, 'bin/gatehouse.mjs'), 'serve', '--port', String(port), '--data-dir', dataDir],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GATEHOUSE_URL: '', GATEHOUSE_API_KEY: '' },
    },
  );
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  return new Promise<Child>((resolve, reject) => {
    const t = setTimeout(
      () => reject(new Error(`gatehouse serve did not print a login URL within ${startTimeoutMs / 1000} s:\n${out}`)),
      startTimeoutMs,
    );
    const check = () => {
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ child, loginUrl: m[1]! });
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`gatehouse serve exited (${code}):\n${out}`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/**
 * `gatehouse serve` on a fresh temp data dir, or on `o.dataDir` (a prepared one, e.g. the console
 * bench's million-record log; `stop()` removes it either way).
 */
export async function startGatehouse(o: { dataDir?: string; startTimeoutMs?: number } = {}): Promise<Server> {
  ensureBuilt();
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'gatehouse-e2e-'));
  const startTimeoutMs = o.startTimeoutMs ?? 20_000;
  let current = await spawnServer(dataDir, 0, startTimeoutMs);
  const info = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as { url: string; port: number };
  const creds = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { admin_key: string; agent_key: string };
  const url = info.url;

  const api: Server['api'] = async (method, path, body, key = creds.admin_key) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (key) headers['x-api-key'] = key;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as never };
  };

  return {
    url,
    get loginUrl() {
      return current.loginUrl;
    },
    dataDir,
    adminKey: creds.admin_key,
    agentKey: creds.agent_key,
    api,
    newLoginUrl: async () => (await api<{ url: string }>('POST', '/api/v1/console/login-url')).body.url,
    restart: async () => {
      await stopChild(current.child);
      current = await spawnServer(dataDir, info.port, startTimeoutMs);
    },
    stop: async () => {
      await stopChild(current.child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  downloads: string;
  close(): Promise<void>;
}

/** Chromium with a fresh profile, a 1280×800 window and downloads accepted. */
export async function launchBrowser(opts: { colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {}): Promise<Browser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'gatehouse-chromium-'));
  const downloads = join(userDataDir, 'downloads');
  mkdirSync(downloads, { recursive: true });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: findChromium(),
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    colorScheme: opts.colorScheme ?? 'light',
    acceptDownloads: true,
    downloadsPath: downloads,
    timeout: 30_000,
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    downloads,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, animations: 'disabled' });
  return path;
}

/** An action that the default policies hold for approval (git-history-rewrite-needs-approval). */
export const FORCE_PUSH = {
  agent_id: 'claude-code',
  action_type: 'shell.exec',
  resource: 'git push --force origin main',
  parameters: { command: 'git push --force origin main' },
};

/** Logs the browser in with a one-time link and waits for the console frame. */
export async function login(page: Page, s: Server, path = '/approvals'): Promise<void> {
  const url = new URL(await s.newLoginUrl());
  const target = new URL(path, url);
  url.pathname = target.pathname;
  target.searchParams.forEach((v, k) => url.searchParams.set(k, v));
  await page.goto(url.href);
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** Clicks a sidebar entry (in-app navigation through the History API). */
export async function nav(page: Page, label: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: new RegExp(`^${label}`) })
    .click();
  await page.locator('.header h1', { hasText: label }).waitFor();
}

/** Waits until the live stream is connected (header shows "Live"). */
export async function waitLive(page: Page): Promise<void> {
  await page.locator('.conn[data-state="live"]').waitFor({ timeout: 15_000 });
}
