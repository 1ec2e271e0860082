import { useEffect, useState } from 'react';
import { refreshPending } from '../../api/approvals.js';
import { Banner, ErrorBanner } from '../../components/Banner.js';
import { EmptyState } from '../../components/EmptyState.js';
import { Header } from '../../components/Header.js';
import { Icon } from '../../components/Icon.js';
import { Link } from '../../components/Link.js';
import { Loading } from '../../components/Loading.js';
import { useHotkeys } from '../../hooks/useHotkeys.js';
import { dismissNotificationOffer, requestNotifications, shouldOfferNotifications } from '../../lib/notify.js';
import { plural } from '../../lib/format.js';
import { store, useStore } from '../../store/index.js';
import { ApprovalCard } from './ApprovalCard.js';
import { RecentlyAnswered } from './RecentlyAnswered.js';

function NotificationOffer() {
  const [show, setShow] = useState(shouldOfferNotifications);
  if (!show) return null;
  return (
    <Banner
      kind="info"
      action={
        <div className="row">
          <button
            type="button"
            className="btn sm primary"
            onClick={async () => {
              await requestNotifications();
              setShow(false);
            }}
          >
            Turn on notifications
          </button>
          <button
            type="button"
            className="btn sm ghost"
            onClick={() => {
              dismissNotificationOffer();
              setShow(false);
            }}
          >
            Not now
          </button>
        </div>
      }
    >
      <strong>Know when an agent is waiting.</strong> Gatehouse can show a notification when a new approval arrives while this tab is in the
      background. Your browser will ask once; nothing leaves this machine.
    </Banner>
  );
}

/** Moves the selection with J/K (skipping cards already animating out). */
function move(delta: 1 | -1): void {
  const s = store.getState();
  const live = s.approvalIds.filter((id) => !s.leaving[id]);
  if (live.length === 0) return;
  const i = s.selectedApprovalId ? live.indexOf(s.selectedApprovalId) : -1;
  const next = live[Math.max(0, Math.min(live.length - 1, i + delta))]!;
  s.selectApproval(next);
}

export function ApprovalsScreen() {
  const ids = useStore((s) => s.approvalIds);
  const count = useStore((s) => s.pendingCount);
  const loaded = useStore((s) => s.approvalsLoaded);
  const error = useStore((s) => s.approvalsError);
  const search = useStore((s) => s.search);
  const setShortcutsOpen = useStore((s) => s.setShortcutsOpen);
  const connection = useStore((s) => s.connection);

  // Deep link from a notification or the tray: /approvals?id=act_…
  useEffect(() => {
    const id = new URLSearchParams(search).get('id');
    if (id && store.getState().approvals[id]) store.getState().selectApproval(id);
  }, [search, ids]);

  useHotkeys({ j: () => move(1), k: () => move(-1), ArrowDown: () => move(1), ArrowUp: () => move(-1) });

  return (
    <>
      <Header
        title="Approvals"
        subtitle={count > 0 ? `${plural(count, 'request')} waiting for you` : 'Agents wait here for your OK'}
        actions={
          <button type="button" className="btn ghost sm" onClick={() => setShortcutsOpen(true)} title="Keyboard shortcuts (?)">
            <Icon name="keyboard" size={15} /> Shortcuts
          </button>
        }
      />
      <div className="content">
        <div className="page approvals-page stack">
          {(connection === 'reconnecting' || connection === 'offline') && (
            <Banner kind="warn" role="alert">
              <strong>Lost the connection to Gatehouse.</strong> This list may be out of date and answers may fail until it is back;
              reconnecting automatically.
            </Banner>
          )}
          <NotificationOffer />
          <ErrorBanner error={error} onRetry={() => void refreshPending()} />
          {!loaded ? (
            <Loading label="Loading pending approvals…" />
          ) : ids.length === 0 ? (
            <EmptyState
              icon="inbox"
              title="Nothing is waiting for you"
              actions={
                <>
                  <Link to="/settings?tab=integrations" className="btn primary">
                    Connect an agent
                  </Link>
                  <Link to="/policies" className="btn">
                    Review policies
                  </Link>
                </>
              }
            >
              <p>
                When an agent tries something risky — a force push, <code>rm -rf</code>, a production delete — it pauses here until you
                approve or deny it. New requests appear live, with a countdown.
              </p>
              <p className="muted small">
                Shortcuts: <kbd>A</kbd> approve, <kbd>D</kbd> deny, <kbd>J</kbd>/<kbd>K</kbd> move, <kbd>1</kbd>–<kbd>6</kbd> remember,{' '}
                <kbd>?</kbd> help
              </p>
            </EmptyState>
          ) : (
            <>
              <p className="muted small approvals-hint">
                Soonest expiry first. <kbd>J</kbd>/<kbd>K</kbd> to move, <kbd>A</kbd> approve, <kbd>D</kbd> deny, <kbd>1</kbd>–<kbd>6</kbd>{' '}
                remember. Unanswered requests are denied when their time runs out unless a policy says otherwise.
              </p>
              <div className="approval-list" role="list" aria-label="Pending approvals">
                {ids.map((id) => (
                  <div role="listitem" key={id}>
                    <ApprovalCard id={id} />
                  </div>
                ))}
              </div>
            </>
          )}
          {loaded && <RecentlyAnswered />}
        </div>
      </div>
    </>
  );
}
