import { Menu, Tray, app, nativeImage, type MenuItemConstructorOptions } from 'electron';
import type { PendingApproval } from '../../src-shared/index.js';

export interface TrayActions {
  list(): PendingApproval[];
  resolve(actionId: string, approve: boolean): void;
  open(actionId?: string): void;
  quit(): void;
}

const MAX_ITEMS = 10;

function label(p: PendingApproval): string {
  const what = p.action.resource ?? p.action.action_type;
  const short = what.length > 48 ? `${what.slice(0, 47)}…` : what;
  return `${p.action.agent_id}: ${p.action.action_type} — ${short}`;
}

/**
 * The tray icon: the pending count in its title (macOS) and tooltip, a badge on the dock, and a
 * menu listing pending approvals with Approve / Deny, Open console and Quit.
 */
export class GatehouseTray {
  private readonly tray: Tray;

  constructor(
    iconPath: string,
    private readonly actions: TrayActions,
  ) {
    const image = nativeImage.createFromPath(iconPath).resize({ width: 18, height: 18 });
    this.tray = new Tray(image);
    this.tray.on('click', () => this.actions.open());
    this.refresh();
  }

  refresh(): void {
    const pending = this.actions.list();
    const n = pending.length;
    this.tray.setToolTip(n ? `Gatehouse — ${n} approval${n === 1 ? '' : 's'} waiting` : 'Gatehouse — nothing waiting');
    if (process.platform === 'darwin') this.tray.setTitle(n ? String(n) : '');
    app.setBadgeCount(n);

    const items: MenuItemConstructorOptions[] = [
      { label: n ? `${n} approval${n === 1 ? '' : 's'} waiting` : 'No approvals waiting', enabled: false },
    ];
    for (const p of pending.slice(0, MAX_ITEMS)) {
      items.push({
        label: label(p),
        submenu: [
          { label: 'Approve once', click: () => this.actions.resolve(p.action_id, true) },
          { label: 'Deny', click: () => this.actions.resolve(p.action_id, false) },
          { type: 'separator' },
          { label: 'Open in console…', click: () => this.actions.open(p.action_id) },
        ],
      });
    }
    if (n > MAX_ITEMS) items.push({ label: `…and ${n - MAX_ITEMS} more`, click: () => this.actions.open() });
    items.push(
      { type: 'separator' },
      { label: 'Open console', click: () => this.actions.open() },
      { type: 'separator' },
      { label: 'Quit Gatehouse', click: () => this.actions.quit() },
    );
    this.tray.setContextMenu(Menu.buildFromTemplate(items));
  }

  destroy(): void {
    this.tray.destroy();
  }
}
