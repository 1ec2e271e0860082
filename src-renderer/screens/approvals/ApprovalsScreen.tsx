import { useEffect, useRef, useState } from 'react';
import { refreshPending } from '../../api/approvals.js';
import { Banner, ErrorBanner } from '../../components/Banner.js';
import { EmptyState } from '../../components/EmptyState.js';
import { Header } from '../../components/Header.js';
import { Icon } from '../../components/Icon.js';
import { Link } from '../../components/Link.js';
import { Loading } from '../../components/Loading.js';
import { useHotkeys } from '../../hooks/useHotkeys.js';
import { dismissNotificationOffer, enableNotifications, shouldOfferNotifications } from '../../lib/notify.js';
import { plural } from '../../lib/format.js';
import { selectQueue } from '../../store/approvals.js';
import { store, useStore } from '../../store/index.js';
import { QueueList } from './QueueList.js';
import { RecentlyAnswered } from './RecentlyAnswered.js';
import { RequestPane } from './RequestPane.js';

function NotificationOffer() {
  const [show, setShow] = useState(shouldOfferNotifications);
  if (!show) return null;
  // Not on narrow screens, where it would push the request below the fold (Settings offers it too).
  return (
    <div className="hide-narrow">
      <Banner
        kind="info"
        action={
          <div className="row">
            <button
              type="button"
              className="btn sm primary"
              onClick={async () => {
                await enableNotifications();
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
        <strong>Know when an agent is waiting.</strong> With this tab open in the background, Gatehouse notifies you of new requests, with
        Approve / Deny. Nothing leaves this machine.
      </Banner>
    </div>
  );
}

/** Do-not-disturb: silences notifications; the queue still fills. A toggle with one name; pressed = on. */
export function DndToggle() {
  const dnd = useStore((s) => s.dnd);
  const setDnd = useStore((s) => s.setDnd);
  return (
    <button
      type="button"
      className={`btn ghost sm dnd-toggle${dnd ? ' on' : ''}`}
      aria-pressed={dnd}
      onClick={() => setDnd(!dnd)}
      title={dnd ? 'Do not disturb is on: no notifications. Click to turn it off.' : 'Click to silence notifications (do not disturb)'}
    >
      <Icon name="bell" size={15} />
      <span className="dnd-label">Do not disturb</span>
    </button>
  );
}

export function ApprovalsScreen() {
  const queue = useStore(selectQueue);
  const count = useStore((s) => s.pendingCount);
  const loaded = useStore((s) => s.approvalsLoaded);
  const error = useStore((s) => s.approvalsError);
  const search = useStore((s) => s.search);
  const departed = useStore((s) => s.departed);
  const setShortcutsOpen = useStore((s) => s.setShortcutsOpen);
  const connection = useStore((s) => s.connection);

  // Deep link from a notification or the tray: /approvals?id=act_… selects that request once (as
  // soon as it is in the queue); later arrivals never pull the selection back to it.
  const deepId = new URLSearchParams(search).get('id');
  const applied = useRef<string | null>(null);
  useEffect(() => {
    if (!deepId) {
      applied.current = null;
      return;
    }
    if (applied.current === deepId) return;
    const st = store.getState();
    if (!selectQueue(st).some((e) => e.members.some((m) => m.action_id === deepId))) return;
    applied.current = deepId;
    st.selectAction(deepId);
    st.navigate('/approvals', { replace: true });
  }, [deepId, queue]);

  const move = (d: 1 | -1) => store.getState().moveSelection(d);
  useHotkeys({ j: () => move(1), k: () => move(-1), ArrowDown: () => move(1), ArrowUp: () => move(-1) });

  const empty = loaded && queue.length === 0 && !departed;
  return (
    <>
      <Header
        title="Approvals"
        subtitle={count > 0 ? `${plural(count, 'request')} waiting` : 'Agents wait here for your OK'}
        actions={
          <>
            <DndToggle />
            <button
              type="button"
              className="btn ghost sm hide-narrow"
              onClick={() => setShortcutsOpen(true)}
              title="Keyboard shortcuts (?)"
            >
              <Icon name="keyboard" size={15} /> Shortcuts
            </button>
          </>
        }
      />
      <div className={`content approvals-content${empty || !loaded ? '' : ' flush'}`}>
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
        ) : empty ? (
          <div className="page approvals-empty stack">
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
                <kbd>U</kbd> undo, <kbd>?</kbd> help
              </p>
            </EmptyState>
            <RecentlyAnswered />
          </div>
        ) : (
          <div className="approvals-layout">
            <section className="queue-col" aria-label="Queue">
              <div className="queue-head muted small">
                <span>Soonest expiry first</span>
                <span className="hide-narrow">
                  <kbd>J</kbd>/<kbd>K</kbd> move
                </span>
              </div>
              <QueueList />
              <div className="queue-foot hide-narrow">
                <RecentlyAnswered />
              </div>
            </section>
            <RequestPane />
          </div>
        )}
      </div>
    </>
  );
}
