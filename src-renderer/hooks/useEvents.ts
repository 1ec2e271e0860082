import { useEffect } from 'react';
import { EVENT_NAMES, EventEnvelopeSchema, type EventEnvelope } from '../../src-shared/index.js';
import { refreshPending, requestLeft } from '../api/approvals.js';
import { fetchSession } from '../api/session.js';
import { connectEventStream, type StreamMessage } from '../lib/event-stream.js';
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

function onEvent(m: StreamMessage): void {
  try {
    const parsed = EventEnvelopeSchema.safeParse(JSON.parse(m.data));
    if (parsed.success) handle(parsed.data);
  } catch {
    // A malformed frame is ignored; the next one is independent.
  }
}

/** The live event stream (SSE, `GET /api/v1/events`, cookie auth); see lib/event-stream.ts for reconnects and reloads. */
export function useEvents(enabled: boolean): void {
  useEffect(() => {
    if (!enabled) return;
    const stream = connectEventStream({
      open: () => new EventSource('/api/v1/events', { withCredentials: true }),
      names: EVENT_NAMES,
      onEvent,
      onOpen: () => void refreshPending(),
      onReload: reloadAll,
      onClosed: () => {
        // A 401 closes the stream for good: check whether the session is still alive.
        void fetchSession()
          .then((sess) => {
            if (!sess.authenticated) store.getState().setAuth('out');
          })
          .catch(() => undefined);
      },
      setState: (c) => store.getState().setConnection(c),
    });
    const onOnline = () => stream.online();
    window.addEventListener('online', onOnline);
    return () => {
      window.removeEventListener('online', onOnline);
      stream.stop();
    };
  }, [enabled]);
}
