/**
 * The contract between the Electron preload and the console: the IPC channel names and the shape
 * of `window.gatehouse`. Types and constants only (no `electron` import), so the renderer's
 * type-check can read it too.
 */
export const IPC = {
  /** renderer → main (invoke): a fresh one-time console login token. */
  getLoginToken: 'gatehouse:get-login-token',
  /** main → renderer (send): open this approval (a notification or the tray was clicked). */
  openApproval: 'gatehouse:open-approval',
} as const;

/** What the preload exposes as `window.gatehouse` (absent in a plain browser). */
export interface GatehouseBridge {
  /** Always true: lets the console know it runs inside the desktop app. */
  readonly desktop: true;
  /** A fresh one-time login token, redeemed with POST /api/session/login. */
  getLoginToken(): Promise<string>;
  /** Called with an action id when the user clicks a native notification or a tray entry. Returns an unsubscribe function. */
  onOpenApproval(cb: (actionId: string) => void): () => void;
}
