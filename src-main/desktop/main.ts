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
import { IPC } from './bridge.js';
import { GatehouseTray } from './tray.js';

const here = dirname(fileURLToPath(import.meta.url));
let running: RunningServer | null = null;
let win: BrowserWindow | null = null;
let tray: GatehouseTray | null = null;
let quitting = false;

/** Approval events carry the action id; anything else is ignored. */
const ApprovalEvent = z.object({
  action_id: z.string().min(1).max(128),
  agent_id: z.string().optional(),
  action_type: z.string().optional(),
  resource: z.string().nullable().optional(),
});
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
  // Closing the window keeps Gatehouse running in the tray: agents still need answers.
  win.on('close', (e) => {
    if (!quitting) {
      e.preventDefault();
      win?.hide();
    }
  });
  void win.loadURL(`${running.url}/approvals`);
}

function notify(data: unknown): void {
  const p = ApprovalEvent.safeParse(data);
  if (!p.success || !Notification.isSupported()) return;
  const { action_id, agent_id, action_type, resource } = p.data;
  const n = new Notification({
    title: `${agent_id ?? 'An agent'} is waiting for approval`,
    body: `${action_type ?? 'action'}${resource ? `: ${resource.slice(0, 140)}` : ''}`,
    icon: icon('icon.png'),
  });
  n.on('click', () => showWindow(action_id));
  n.show();
}

async function start(): Promise<void> {
  running = await startServer({ dataDir: resolveDataDir(), port: resolvePort(), mode: 'desktop' });
  const r = running;

  ipcMain.handle(IPC.getLoginToken, (e, ...args: unknown[]) => {
    if (!fromConsole(e) || !NoArgs.safeParse(args).success) throw new Error('refused');
    return r.g.sessions.issueLoginToken();
  });

  tray = new GatehouseTray(icon('icon-tray.png'), {
    list: () => r.g.approvals.listPending(50),
    resolve: (actionId, approve) => {
      r.g.approvals.resolve(actionId, approve, { remember: 'once', apply_to_pending: false }, 'user').catch(() => tray?.refresh());
    },
    open: (actionId) => showWindow(actionId),
    quit: () => app.quit(),
  });

  r.g.bus.subscribe((e) => {
    if (e.event === 'approval.requested') notify(e.data);
    const settles = ['approval.requested', 'action.approved', 'action.rejected', 'action.expired', 'action.withdrawn'];
    if (settles.includes(e.event)) tray?.refresh();
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
