import type { StateCreator } from 'zustand';
import type { AppState } from './index.js';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface ConnectionSlice {
  connection: ConnectionState;
  /** Bumped on every live event: screens showing the log offer to refresh. */
  eventSeq: number;
  /** Bumped on `policy.changed`: the Policies screen reloads. */
  policiesSeq: number;
  setConnection: (c: ConnectionState) => void;
  bumpEvents: (policy: boolean) => void;
}

export const connectionSlice: StateCreator<AppState, [], [], ConnectionSlice> = (set) => ({
  connection: 'connecting',
  eventSeq: 0,
  policiesSeq: 0,
  setConnection: (connection) => set({ connection }),
  bumpEvents: (policy) => set((s) => ({ eventSeq: s.eventSeq + 1, policiesSeq: policy ? s.policiesSeq + 1 : s.policiesSeq })),
});
