/**
 * The Electron main process: the thin desktop shell around the same core `gatehouse serve` runs.
 * It is the only code (with preload.ts and tray.ts) that imports `electron`.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, Notification, app, ipcMain, shell, type IpcMainInvokeEvent } from 'electron';
import { z } from 'zod';
import { resolveDataDir, resolvePort } from '../config/paths.js';
import { packageRoot, resourcePath } from '../core/resources.js';
import { startServer, type RunningServer } from '../server/serve.js';
import type { NotificationSpec } from '../../src-shared/approvals/notify-groups.js';
import { IPC } from './bridge.js';
import { DesktopNotifier } from './notifier.js';
import { GatehouseTray } from './tray.js';
import type { TrayCommand } from './tray-menu.js';

const here = dirname(fileURLToPath(import.meta.url));
let running: RunningServer | null = null;
let win: BrowserWindow | null = null;
let tray: GatehouseTray | null = null;
let notifier: DesktopNotifier | null = null;
let quitting = false;

/** getLoginToken takes no arguments. */
const NoArgs = z.tuple([]);

function preloadPath(): string {
  for (const dir of [join(here, '..', 'preload'), join(packageRoot(), 'out', 'preload')]) {
    for (const name of ['index.cjs', 'index.js', 'index.mjs']) {
      if (!existsSync(join(dir, name))) continue;
      if (name === 'index.mjs') {
        // Without the bridge the console still works: it shows the login screen (`gatehouse open`).
        console.warn(
          'gatehouse: the preload was bundled as an ES module; a sandboxed window needs CommonJS (electron.vite.config.ts: preload output format "cjs").',
        );
      }
      return join(dir, name);
    }
  }
  throw new Error('The preload bundle is missing: run `npm run build`.');
}

function icon(name: string): string {
  try {
    return resourcePath(name);
  } catch {
    return resourcePath('icon.png');
  }
}

/** The IPC caller must be our own console page, never another frame or origin. */
function fromConsole(e: IpcMainInvokeEvent): boolean {
  const url = e.senderFrame?.url;
  return !!running && !!url && new URL(url).origin === new URL(running.url).origin;
}

function showWindow(actionId?: string): void {
  if (!running) return;
  if (!win || win.isDestroyed()) createWindow();
  const w = win!;
  if (w.isMinimized()) w.restore();
  w.show();
  w.focus();
  if (actionId) {
    const send = () => w.webContents.send(IPC.openApproval, actionId);
    if (w.webContents.isLoading()) w.webContents.once('did-finish-load', send);
    else send();
  }
}

function createWindow(): void {
  if (!running) return;
  const origin = new URL(running.url).origin;
  win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 600,
    title: 'Gatehouse',
    icon: icon('icon.png'),
    show: false,
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath(),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      spellcheck: false,
    },
  });
  const wc = win.webContents;
  // Locked to the console's origin: other pages never load in this window; web links go to the browser.
  wc.on('will-navigate', (e, url) => {
    if (new URL(url).origin !== origin) {
      e.preventDefault();
      if (/^https?:/.test(url)) void shell.openExternal(url);
    }
  });
  wc.setWindowOpenHandler(({ url }) => {
    if (/^https?:/.test(url) && new URL(url).origin !== origin) void shell.openExternal(url);
    return { action: 'deny' };
  });
  wc.on('will-attach-webview', (e) => e.preventDefault());
  win.once('ready-to-show', () => win?.show());
  // Looking at the console means the news is seen: grouped notifications are cleared.
  win.on('focus', () => notifier?.looked());
  // Closing the window keeps Gatehouse running in the tray: agents still need answers.
  win.on('close', (e) => {
    if (!quitting) {
      e.preventDefault();
      win?.hide();
    }
  });
  void win.loadURL(`${running.url}/approvals`);
}

const shown = new Map<string, Notification>();

/** One native notification per agent (the grouping is DesktopNotifier's); Approve / Deny where the OS offers actions (macOS). */
function showNative(spec: NotificationSpec, answer: (actionId: string, approve: boolean) => void): void {
  if (!Notification.isSupported()) return;
  shown.get(spec.tag)?.close();
  const n = new Notification({
    title: spec.title,
    body: spec.body,
    icon: icon('icon.png'),
    actions: spec.actionId ? spec.actions.map((a) => ({ type: 'button' as const, text: a.title })) : [],
  });
  n.on('click', () => showWindow(spec.actionId ?? spec.actionIds[0]));
  n.on('action', (_e, index) => {
    const a = spec.actions[index];
    if (a && spec.actionId) answer(spec.actionId, a.action === 'approve');
  });
  n.on('close', () => {
    if (shown.get(spec.tag) === n) shown.delete(spec.tag);
  });
  shown.set(spec.tag, n);
  n.show();
}

async function start(): Promise<void> {
  running = await startServer({ dataDir: resolveDataDir(), port: resolvePort(), mode: 'desktop' });
  const r = running;

  ipcMain.handle(IPC.getLoginToken, (e, ...args: unknown[]) => {
    if (!fromConsole(e) || !NoArgs.safeParse(args).success) throw new Error('refused');
    return r.g.sessions.issueLoginToken();
  });

  const answer = (actionId: string, approve: boolean) => {
    r.g.approvals.resolve(actionId, approve, { remember: 'once', apply_to_pending: false }, 'user').catch(() => tray?.refresh());
  };
  notifier = new DesktopNotifier({
    show: (spec) => showNative(spec, answer),
    close: (tag) => shown.get(tag)?.close(),
    focused: () => !!win && !win.isDestroyed() && win.isFocused(),
  });
  const run = (c: TrayCommand) => {
    switch (c.kind) {
      case 'approve':
      case 'deny':
        for (const id of c.actionIds) answer(id, c.kind === 'approve');
        break;
      case 'open':
        showWindow(c.actionId);
        break;
      case 'dnd':
        notifier?.setDnd(c.on);
        tray?.refresh();
        break;
      case 'quit':
        app.quit();
        break;
    }
  };
  tray = new GatehouseTray(icon('icon-tray.png'), {
    list: () => r.g.approvals.listPending(200),
    run,
    dnd: () => notifier?.dnd ?? false,
  });

  const leaves = ['action.approved', 'action.rejected', 'action.expired', 'action.withdrawn'];
  r.g.bus.subscribe((e) => {
    if (e.event === 'approval.requested') notifier?.requested(e.data);
    if (leaves.includes(e.event) && typeof e.data.action_id === 'string') notifier?.left(e.data.action_id);
    if (e.event === 'approval.requested' || leaves.includes(e.event)) tray?.refresh();
  });

  createWindow();
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => showWindow());
  app.on('activate', () => showWindow());
  app.on('window-all-closed', () => {
    // Stay in the tray.
  });
  app.on('before-quit', (e) => {
    quitting = true;
    if (running) {
      e.preventDefault();
      const r = running;
      running = null;
      tray?.destroy();
      void r.close().finally(() => app.quit());
    }
  });
  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => {
      console.error('gatehouse: could not start:', err);
      app.exit(1);
    });
}
