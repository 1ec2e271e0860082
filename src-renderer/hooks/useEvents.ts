import { useEffect } from 'react';
import { EVENT_NAMES, EventEnvelopeSchema, type EventEnvelope } from '../../src-shared/index.js';
import { refreshPending, requestLeft } from '../api/approvals.js';
import { fetchSession } from '../api/session.js';
import { notifier } from '../lib/notify.js';
import { store } from '../store/index.js';

/** Opens an approval in the inbox (notification click, tray, deep link). */
export function openApproval(actionId: string): void {
  const s = store.getState();
  s.navigate(`/approvals?id=${encodeURIComponent(actionId)}`);
  s.selectAction(actionId);
}

const LEFT = {
  'action.approved': 'approved',
  'action.rejected': 'rejected',
  'action.expired': 'expired',
  'action.withdrawn': 'withdrawn',
} as const;

function handle(e: EventEnvelope): void {
  const s = store.getState();
  s.bumpEvents(e.event === 'policy.changed');
  const id = typeof e.data.action_id === 'string' ? e.data.action_id : null;
  switch (e.event) {
    case 'approval.requested':
      void refreshPending();
      notifier.requested(e.data);
      if (s.path !== '/approvals') {
        s.pushToast({
          kind: 'pending',
          title: `${String(e.data.agent_id ?? 'An agent')} is waiting for your approval`,
          detail: String(e.data.action_type ?? ''),
        });
      }
      break;
    // A workflow step was answered or escalated: the request is still waiting, its steps changed.
    case 'approval.step_answered':
    case 'approval.escalated':
      void refreshPending();
      break;
    case 'action.approved':
    case 'action.rejected':
    case 'action.expired':
    case 'action.withdrawn':
      if (id) {
        requestLeft(id, LEFT[e.event]);
        notifier.left(id);
      }
      break;
    default:
      break;
  }
}

/** Everything shown from the log may be stale: reload the inbox, and let the screens reload theirs. */
function reloadAll(): void {
  store.getState().bumpEvents(true);
  void refreshPending();
}

/**
 * The live event stream (SSE, `GET /api/v1/events`, cookie auth). EventSource retries on its own
 * while the connection is merely interrupted, sending `Last-Event-ID`: the server replays what was
 * missed, or, when it cannot, sends `reset`, and then everything shown is reloaded. When EventSource
 * gives up (closed) we reconnect with backoff on a new stream, which carries no `Last-Event-ID`: so
 * after such a reconnect everything is reloaded too, and nothing said while offline is missed.
 */
export function useEvents(enabled: boolean): void {
  useEffect(() => {
    if (!enabled) return;
    let es: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let failures = 0;
    let stopped = false;
    let opened = false;
    let current: EventSource | null = null;
    const set = store.getState().setConnection;

    const onEvent = (m: MessageEvent<string>) => {
      try {
        const parsed = EventEnvelopeSchema.safeParse(JSON.parse(m.data));
        if (parsed.success) handle(parsed.data);
      } catch {
        // A malformed frame is ignored; the next one is independent.
      }
    };

    const connect = () => {
      if (stopped) return;
      set(failures === 0 ? 'connecting' : 'reconnecting');
      es = new EventSource('/api/v1/events', { withCredentials: true });
      for (const name of EVENT_NAMES) es.addEventListener(name, onEvent);
      es.addEventListener('reset', reloadAll);
      es.onmessage = onEvent;
      es.onopen = () => {
        failures = 0;
        set('live');
        const fresh = es !== current;
        current = es;
        // A new stream after the first one: what happened in between was never replayed.
        if (opened && fresh) reloadAll();
        else void refreshPending();
        opened = true;
      };
      es.onerror = () => {
        if (!es) return;
        if (es.readyState === EventSource.CLOSED) {
          es.close();
          es = null;
          failures++;
          set(failures > 5 ? 'offline' : 'reconnecting');
          // A 401 closes the stream for good: check whether the session is still alive.
          void fetchSession()
            .then((sess) => {
              if (!sess.authenticated) store.getState().setAuth('out');
            })
            .catch(() => undefined);
          const delay = Math.min(15_000, 500 * 2 ** Math.min(failures, 5));
          timer = setTimeout(connect, delay);
        } else {
          set('reconnecting');
        }
      };
    };

    connect();
    const onOnline = () => {
      if (!es && timer) {
        clearTimeout(timer);
        connect();
      }
    };
    window.addEventListener('online', onOnline);
    return () => {
      stopped = true;
      window.removeEventListener('online', onOnline);
      if (timer) clearTimeout(timer);
      es?.close();
    };
  }, [enabled]);
}
