/**
 * The preload of the console window (sandboxed, context-isolated). It exposes one named function
 * per IPC channel as `window.gatehouse` — never a generic `ipcRenderer` bridge — and has no
 * dependencies beyond `electron`, since a sandboxed preload cannot load other modules.
 */
// A sandboxed preload runs as a plain CommonJS script (Electron wraps it with a limited `require`):
// it must be bundled as CJS. Electron's docs: ESM preloads only load unsandboxed.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC, type GatehouseBridge } from './bridge.js';

const ACTION_ID = /^[A-Za-z0-9_-]{1,128}$/;

const bridge: GatehouseBridge = {
  desktop: true,
  getLoginToken: async () => {
    const token: unknown = await ipcRenderer.invoke(IPC.getLoginToken);
    if (typeof token !== 'string' || token.length === 0 || token.length > 200)
      throw new Error('The desktop shell did not hand over a login token');
    return token;
  },
  onOpenApproval: (cb) => {
    const listener = (_e: IpcRendererEvent, actionId: unknown) => {
      if (typeof actionId === 'string' && ACTION_ID.test(actionId)) cb(actionId);
    };
    ipcRenderer.on(IPC.openApproval, listener);
    return () => {
      ipcRenderer.removeListener(IPC.openApproval, listener);
    };
  },
};

contextBridge.exposeInMainWorld('gatehouse', bridge);
