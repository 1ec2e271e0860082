import { lazy, Suspense, useEffect } from 'react';
import { onUnauthorized } from './api/client.js';
import { flushHeldAnswers, refreshConsoleSettings, refreshPending } from './api/approvals.js';
import { fetchSession, loginWithToken } from './api/session.js';
import { Loading } from './components/Loading.js';
import { Sidebar } from './components/Sidebar.js';
import { Toasts } from './components/Toasts.js';
import { openApproval, useEvents } from './hooks/useEvents.js';
import { useHotkeys } from './hooks/useHotkeys.js';
import { startNotifications } from './lib/notify.js';
import { ActivityScreen } from './screens/activity/ActivityScreen.js';
import { AgentsScreen } from './screens/agents/AgentsScreen.js';
import { ApprovalsScreen } from './screens/approvals/ApprovalsScreen.js';
import { ShortcutsDialog } from './screens/approvals/ShortcutsDialog.js';
import { LoginScreen } from './screens/login/LoginScreen.js';
import { McpScreen } from './screens/mcp/McpScreen.js';
import { PoliciesScreen } from './screens/policies/PoliciesScreen.js';
import { SettingsScreen } from './screens/settings/SettingsScreen.js';
import { store, useStore } from './store/index.js';

// recharts is the heaviest dependency: the dashboard loads it on first visit only.
const DashboardScreen = lazy(() => import('./screens/dashboard/DashboardScreen.js').then((m) => ({ default: m.DashboardScreen })));

/** Works out whether this browser has a session; in the desktop app, logs in through the preload. */
async function establishSession(): Promise<void> {
  const s = store.getState();
  const url = new URL(window.location.href);
  if (url.searchParams.get('login') === 'expired') {
    s.setLoginExpired(true);
    url.searchParams.delete('login');
    window.history.replaceState(null, '', `${url.pathname}${url.search}`);
    s.syncLocation();
  }
  try {
    let session = await fetchSession();
    if (!session.authenticated && window.gatehouse) {
      const token = await window.gatehouse.getLoginToken();
      session = await loginWithToken(token);
    }
    s.setLoginCommand(session.login_command ?? null);
    s.setAuth(session.authenticated ? 'in' : 'out');
  } catch (e) {
    s.setAuth('error', e instanceof Error ? e.message : String(e));
  }
}

function Screen() {
  const path = useStore((s) => s.path);
  switch (path) {
    case '/activity':
      return <ActivityScreen />;
    case '/policies':
      return <PoliciesScreen />;
    case '/agents':
      return <AgentsScreen />;
    case '/mcp':
      return <McpScreen />;
    case '/dashboard':
      return (
        <Suspense fallback={<Loading label="Loading charts…" />}>
          <DashboardScreen />
        </Suspense>
      );
    case '/settings':
      return <SettingsScreen />;
    default:
      return <ApprovalsScreen />;
  }
}

function Console() {
  const shortcutsOpen = useStore((s) => s.shortcutsOpen);
  const setShortcutsOpen = useStore((s) => s.setShortcutsOpen);
  useEvents(true);
  useEffect(() => {
    void refreshPending();
    void refreshConsoleSettings();
    const offNotify = startNotifications(openApproval);
    const offDesktop = window.gatehouse?.onOpenApproval(openApproval);
    // Answers still in their grace period are sent when the page goes away, not lost.
    window.addEventListener('pagehide', flushHeldAnswers);
    return () => {
      offNotify();
      offDesktop?.();
      window.removeEventListener('pagehide', flushHeldAnswers);
    };
  }, []);
  useHotkeys({ '?': () => setShortcutsOpen(true) });
  return (
    <div className="app">
      <Sidebar />
      <div className="main">
        <Screen />
      </div>
      {shortcutsOpen && <ShortcutsDialog onClose={() => setShortcutsOpen(false)} />}
      <Toasts />
    </div>
  );
}

export function App() {
  const auth = useStore((s) => s.auth);
  useEffect(() => {
    if (window.location.pathname === '/' || window.location.pathname === '') {
      store.getState().navigate(`/approvals${window.location.search}`, { replace: true });
    }
    const onPop = () => store.getState().syncLocation();
    window.addEventListener('popstate', onPop);
    const off = onUnauthorized(() => store.getState().setAuth('out'));
    void establishSession();
    return () => {
      window.removeEventListener('popstate', onPop);
      off();
    };
  }, []);
  useEffect(() => {
    const n = useStore.subscribe((s) => {
      document.title = s.pendingCount > 0 ? `(${s.pendingCount}) Gatehouse` : 'Gatehouse';
    });
    return n;
  }, []);
  if (auth === 'checking') return <Loading label="Connecting to Gatehouse…" />;
  if (auth !== 'in') return <LoginScreen />;
  return <Console />;
}
