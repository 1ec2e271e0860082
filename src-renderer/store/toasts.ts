import type { StateCreator } from 'zustand';
import type { AppState } from './index.js';

export type ToastKind = 'allowed' | 'denied' | 'pending' | 'info' | 'error';

export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  detail?: string;
}

export interface ToastSlice {
  toasts: Toast[];
  pushToast: (t: Omit<Toast, 'id'>, ttlMs?: number) => void;
  dismissToast: (id: number) => void;
}

let nextId = 1;

export const toastSlice: StateCreator<AppState, [], [], ToastSlice> = (set, get) => ({
  toasts: [],
  pushToast: (t, ttlMs = 5000) => {
    const id = nextId++;
    set((s) => ({ toasts: [...s.toasts.slice(-2), { ...t, id }] }));
    setTimeout(() => get().dismissToast(id), ttlMs);
  },
  dismissToast: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
});
