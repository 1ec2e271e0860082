import type { StateCreator } from 'zustand';
import type { AppState } from './index.js';

export type ToastKind = 'allowed' | 'denied' | 'pending' | 'info' | 'error';

export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  detail?: string;
  /** A button in the toast (Undo); clicking it runs `run` and dismisses the toast. */
  action?: { label: string; run: () => void };
  /** Shows a bar running out over this many ms (the grace period of an answer). */
  progressMs?: number;
}

export interface ToastSlice {
  toasts: Toast[];
  /** Shows a toast for `ttlMs` (default 5 s); returns its id. */
  pushToast: (t: Omit<Toast, 'id'>, ttlMs?: number) => number;
  dismissToast: (id: number) => void;
}

let nextId = 1;

export const toastSlice: StateCreator<AppState, [], [], ToastSlice> = (set, get) => ({
  toasts: [],
  pushToast: (t, ttlMs = 5000) => {
    const id = nextId++;
    // Toasts with an action (Undo) are never pushed out by newer ones while they count down.
    set((s) => {
      const keep = s.toasts.filter((x) => x.action);
      const rest = s.toasts.filter((x) => !x.action).slice(-2);
      return { toasts: [...s.toasts.filter((x) => keep.includes(x) || rest.includes(x)), { ...t, id }] };
    });
    setTimeout(() => get().dismissToast(id), ttlMs);
    return id;
  },
  dismissToast: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
});
