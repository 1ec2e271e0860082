import { Menu, Tray, app, nativeImage, type MenuItemConstructorOptions } from 'electron';
import type { PendingApproval } from '../../src-shared/index.js';
import { trayModel, type TrayCommand, type TrayItem } from './tray-menu.js';

export interface TrayActions {
  list(): PendingApproval[];
  run(command: TrayCommand): void;
  dnd(): boolean;
}

function toMenu(items: TrayItem[], run: (c: TrayCommand) => void): MenuItemConstructorOptions[] {
  return items.map((i) => {
    if (i.type === 'separator') return { type: 'separator' };
    const o: MenuItemConstructorOptions = { label: i.label, enabled: i.enabled ?? true };
    if (i.type === 'checkbox') Object.assign(o, { type: 'checkbox', checked: !!i.checked });
    if (i.command) {
      const c = i.command;
      o.click = () => run(c);
    }
    if (i.submenu) o.submenu = toMenu(i.submenu, run);
    return o;
  });
}

/**
 * The tray icon: the pending count in its title (macOS) and tooltip, a badge on the dock, and the
 * menu of tray-menu.ts (the waiting requests grouped like the console's queue).
 */
export class GatehouseTray {
  private readonly tray: Tray;

  constructor(
    iconPath: string,
    private readonly actions: TrayActions,
  ) {
    const image = nativeImage.createFromPath(iconPath).resize({ width: 18, height: 18 });
    this.tray = new Tray(image);
    this.tray.on('click', () => this.actions.run({ kind: 'open' }));
    this.refresh();
  }

  refresh(): void {
    const m = trayModel(this.actions.list(), { dnd: this.actions.dnd() });
    this.tray.setToolTip(m.tooltip);
    if (process.platform === 'darwin') this.tray.setTitle(m.title);
    app.setBadgeCount(m.badge);
    this.tray.setContextMenu(Menu.buildFromTemplate(toMenu(m.items, (c) => this.actions.run(c))));
  }

  destroy(): void {
    this.tray.destroy();
  }
}
