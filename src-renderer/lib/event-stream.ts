/** What of a MessageEvent the stream reads. */
export interface StreamMessage {
  data: string;
}

/** What of an EventSource the stream uses (a fake one in tests). */
export interface StreamSource {
  readonly readyState: number;
  /** Named events, and `open`, `error`, `message`. */
  addEventListener(name: string, fn: (ev: StreamMessage) => void): void;
  close(): void;
}

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface StreamHooks {
  /** A new EventSource on `GET /api/v1/events`. */
  open(): StreamSource;
  /** The event names to listen for. */
  names: readonly string[];
  onEvent(m: StreamMessage): void;
  /** The stream (re)opened and nothing was missed: refresh what is cheap (the inbox). */
  onOpen(): void;
  /** Events may have been missed (`reset`, or a new stream after one was lost): reload everything shown. */
  onReload(): void;
  /** The stream was closed for good (a 401 among the reasons): check the session. */
  onClosed(): void;
  setState(s: StreamState): void;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (t: unknown) => void;
}

const CLOSED = 2; // EventSource.CLOSED

/**
 * The console's live event stream. EventSource retries on its own while the connection is merely
 * interrupted, sending `Last-Event-ID`: the server replays what was missed, or sends `reset` when it
 * cannot, and then everything shown is reloaded. When EventSource gives up (closed) a new stream is
 * opened with backoff; it carries no `Last-Event-ID`, so once it is open everything is reloaded too.
 */
export function connectEventStream(h: StreamHooks): { stop(): void; online(): void } {
  const setT = h.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
  const clearT = h.clearTimeout ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
  let es: StreamSource | null = null;
  let current: StreamSource | null = null;
  let timer: unknown = null;
  let failures = 0;
  let stopped = false;
  let opened = false;

  const connect = () => {
    timer = null;
    if (stopped) return;
    h.setState(failures === 0 ? 'connecting' : 'reconnecting');
    const s = h.open();
    es = s;
    for (const name of h.names) s.addEventListener(name, (m) => h.onEvent(m));
    s.addEventListener('reset', () => h.onReload());
    s.addEventListener('message', (m) => h.onEvent(m));
    s.addEventListener('open', () => {
      failures = 0;
      h.setState('live');
      // A new stream after the first one: what happened in between was never replayed.
      const fresh = s !== current;
      current = s;
      if (opened && fresh) h.onReload();
      else h.onOpen();
      opened = true;
    });
    s.addEventListener('error', () => {
      if (es !== s) return;
      if (s.readyState === CLOSED) {
        s.close();
        es = null;
        failures++;
        h.setState(failures > 5 ? 'offline' : 'reconnecting');
        h.onClosed();
        timer = setT(connect, Math.min(15_000, 500 * 2 ** Math.min(failures, 5)));
      } else {
        h.setState('reconnecting');
      }
    });
  };

  connect();
  return {
    stop() {
      stopped = true;
      if (timer !== null) clearT(timer);
      es?.close();
    },
    online() {
      if (!es && timer !== null) {
        clearT(timer);
        connect();
      }
    },
  };
}
