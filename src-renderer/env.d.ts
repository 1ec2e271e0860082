import type { GatehouseBridge } from '../src-main/desktop/bridge.js';

declare global {
  interface Window {
    /** Exposed by the Electron preload; undefined in a plain browser. */
    gatehouse?: GatehouseBridge;
  }
}

export {};
