import type { StateCreator } from 'zustand';
import type { AppState } from './index.js';

export const ROUTES = ['/approvals', '/activity', '/policies', '/agents', '/mcp', '/dashboard', '/settings'] as const;
export type RoutePath = (typeof ROUTES)[number];

export function toRoute(pathname: string): RoutePath {
  const p = pathname.replace(/\/+$/, '') || '/';
  return (ROUTES as readonly string[]).includes(p) ? (p as RoutePath) : '/approvals';
}

export interface RouteSlice {
  path: RoutePath;
  /** The query string without "?" (Activity keeps its filters here). */
  search: string;
  /** History API navigation: pushes (or replaces) an entry and re-renders the screen. */
  navigate: (to: string, opts?: { replace?: boolean }) => void;
  /** Re-reads window.location (after popstate). */
  syncLocation: () => void;
}

export const routeSlice: StateCreator<AppState, [], [], RouteSlice> = (set, get) => ({
  path: toRoute(window.location.pathname),
  search: window.location.search.replace(/^\?/, ''),
  navigate: (to, opts) => {
    const url = new URL(to, window.location.origin);
    const path = toRoute(url.pathname);
    const search = url.search.replace(/^\?/, '');
    const href = `${path}${search ? `?${search}` : ''}`;
    if (href === `${get().path}${get().search ? `?${get().search}` : ''}` && window.location.pathname === path) return;
    if (opts?.replace) window.history.replaceState(null, '', href);
    else window.history.pushState(null, '', href);
    set({ path, search });
  },
  syncLocation: () => set({ path: toRoute(window.location.pathname), search: window.location.search.replace(/^\?/, '') }),
});
