import type { StateCreator } from 'zustand';
import type { AppState } from './index.js';

export type AuthState = 'checking' | 'in' | 'out' | 'error';

export interface SessionSlice {
  auth: AuthState;
  /** The URL carried `?login=expired`: the link was already used. */
  loginExpired: boolean;
  authError: string | null;
  /** Without a session: the exact command that prints a fresh login link for this server. */
  loginCommand: string | null;
  setAuth: (auth: AuthState, error?: string | null) => void;
  setLoginCommand: (c: string | null) => void;
  setLoginExpired: (v: boolean) => void;
}

export const sessionSlice: StateCreator<AppState, [], [], SessionSlice> = (set) => ({
  auth: 'checking',
  loginExpired: false,
  authError: null,
  loginCommand: null,
  setLoginCommand: (loginCommand) => set({ loginCommand }),
  setAuth: (auth, error = null) => set({ auth, authError: error }),
  setLoginExpired: (loginExpired) => set({ loginExpired }),
});
