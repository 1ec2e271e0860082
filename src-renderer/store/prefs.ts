import type { StateCreator } from 'zustand';
import { storeDnd, storedDnd, storedTheme, storeTheme, type ThemeChoice } from '../lib/prefs.js';
import { applyTheme } from '../lib/theme.js';
import type { AppState } from './index.js';

export interface PrefsSlice {
  theme: ThemeChoice;
  setTheme: (t: ThemeChoice) => void;
  /** Do not disturb: no notifications while on (the queue still fills). */
  dnd: boolean;
  setDnd: (on: boolean) => void;
  /** Server setting `answer_grace_s`: how long an answer waits, with Undo, before it is sent. */
  answerGraceS: number;
  setAnswerGraceS: (s: number) => void;
}

export const prefsSlice: StateCreator<AppState, [], [], PrefsSlice> = (set) => ({
  theme: storedTheme(),
  setTheme: (theme) => {
    storeTheme(theme);
    applyTheme(theme);
    set({ theme });
  },
  dnd: storedDnd(),
  setDnd: (dnd) => {
    storeDnd(dnd);
    set({ dnd });
  },
  answerGraceS: 4,
  setAnswerGraceS: (answerGraceS) => set({ answerGraceS }),
});
