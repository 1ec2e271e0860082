import type { StateCreator } from 'zustand';
import type { AppState } from './index.js';

export interface UiSlice {
  shortcutsOpen: boolean;
  setShortcutsOpen: (v: boolean) => void;
  /** Depth of open modal layers (dialogs, drawers): page shortcuts pause while > 0. */
  modalDepth: number;
  pushModal: () => void;
  popModal: () => void;
}

export const uiSlice: StateCreator<AppState, [], [], UiSlice> = (set) => ({
  shortcutsOpen: false,
  setShortcutsOpen: (shortcutsOpen) => set({ shortcutsOpen }),
  modalDepth: 0,
  pushModal: () => set((s) => ({ modalDepth: s.modalDepth + 1 })),
  popModal: () => set((s) => ({ modalDepth: Math.max(0, s.modalDepth - 1) })),
});
