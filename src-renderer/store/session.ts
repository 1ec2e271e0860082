import type { StateCreator } from 'zustand';
import type { AppState } from './index.js';

export type AuthState = 'checking' | 'in' | 'out' | 'error';

export interface SessionSlice {
  auth: AuthState;
  /** The URL carried `?login=expired`: the link was already used. */
  loginExpired: boolean;
  authError: string | null;
  setAuth: (auth: AuthState, error?: string | null) => void;
  setLoginExpired: (v: boolean) => void;
}

export const sessionSlice: StateCreator<AppState, [], [], SessionSlice> = (set) => ({
  auth: 'checking',
  loginExpired: false,
  authError: null,
  setAuth: (auth, error = null) => set({ auth, authError: error }),
  setLoginExpired: (loginExpired) => set({ loginExpired }),
});
