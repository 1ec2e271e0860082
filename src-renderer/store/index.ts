import { create } from 'zustand';
import { approvalsSlice, type ApprovalsSlice } from './approvals.js';
import { connectionSlice, type ConnectionSlice } from './connection.js';
import { prefsSlice, type PrefsSlice } from './prefs.js';
import { routeSlice, type RouteSlice } from './route.js';
import { sessionSlice, type SessionSlice } from './session.js';
import { toastSlice, type ToastSlice } from './toasts.js';
import { uiSlice, type UiSlice } from './ui.js';

export type AppState = SessionSlice & RouteSlice & ConnectionSlice & ApprovalsSlice & ToastSlice & UiSlice & PrefsSlice;

/**
 * The console's one store, in slices. Components read it with one-value selectors
 * (`useStore((s) => s.pendingCount)`), so each re-renders only when its value changes.
 */
export const useStore = create<AppState>()((...a) => ({
  ...sessionSlice(...a),
  ...routeSlice(...a),
  ...connectionSlice(...a),
  ...approvalsSlice(...a),
  ...toastSlice(...a),
  ...uiSlice(...a),
  ...prefsSlice(...a),
}));

/** Outside React (event handlers, the SSE hook). */
export const store = useStore;
