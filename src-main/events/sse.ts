import type { EventEnvelope, EventName } from '../../src-shared/index.js';
import type { EventBus } from './bus.js';

export interface SseOptions {
  /** A `: ping` comment this often keeps proxies and idle timeouts from closing the stream. */
  pingMs: number;
  /** The reconnect delay announced to EventSource clients (`retry:`). */
  retryMs: number;
  /** Bytes one client may have waiting; a client that falls further behind is dropped. */
  maxBufferBytes: number;
  /** Recent events kept for `Last-Event-ID` resumption. */
  replay: number;
  /** Streams open at once. */
  maxClients: number;
}

export const DEFAULT_SSE_OPTIONS: SseOptions = {
  pingMs: 15_000,
  retryMs: 3_000,
  maxBufferBytes: 1024 * 1024,
  replay: 256,
  maxClients: 64,
};

interface Client {
  filter: ReadonlySet<EventName> | null;
  controller: ReadableStreamDefaultController<Uint8Array>;
  done: boolean;
  detach: () => void;
}

export class TooManyStreamsError extends Error {
  override readonly name = 'TooManyStreamsError';
}

const encoder = new TextEncoder();

/** One SSE message of SPEC 7.3: `id`, `event`, and the envelope as one `data` line. */
function sseMessage(e: EventEnvelope): string {
  return `id: ${e.id}\nevent: ${e.event}\ndata: ${JSON.stringify(e)}\n\n`;
}

/**
 * Fans the event bus out to Server-Sent-Event streams. Each client has a bounded queue (the
 * stream's high-water mark, in bytes): a client that cannot keep up is dropped instead of growing
 * memory. A client that goes away (cancelled stream or aborted request) is unsubscribed at once.
 */
export class SseHub {
  private readonly opts: SseOptions;
  private readonly clients = new Set<Client>();
  private readonly recent: EventEnvelope[] = [];
  private readonly unsubscribe: () => void;
  private ping: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(bus: EventBus, opts: Partial<SseOptions> = {}) {
    this.opts = { ...DEFAULT_SSE_OPTIONS, ...opts };
    this.unsubscribe = bus.subscribe((e) => this.broadcast(e));
  }

  get size(): number {
    return this.clients.size;
  }

  /**
   * A new stream. `filter` null = every event. `lastEventId` replays what the client missed, when
   * it is still among the recent events. Throws TooManyStreamsError past `maxClients`.
   */
  open(filter: ReadonlySet<EventName> | null, o: { lastEventId?: string | null; signal?: AbortSignal } = {}): ReadableStream<Uint8Array> {
    if (this.closed) throw new TooManyStreamsError('The server is shutting down');
    if (this.clients.size >= this.opts.maxClients)
      throw new TooManyStreamsError(`At most ${this.opts.maxClients} event streams can be open at once`);
    let client: Client | null = null;
    const onAbort = () => {
      if (client) this.drop(client, 'close');
    };
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          const c: Client = { filter, controller, done: false, detach: () => o.signal?.removeEventListener('abort', onAbort) };
          client = c;
          this.clients.add(c);
          this.write(c, encoder.encode(`retry: ${this.opts.retryMs}\n\n`));
          for (const e of this.missedSince(o.lastEventId ?? null)) {
            if (!c.filter || c.filter.has(e.event)) this.write(c, encoder.encode(sseMessage(e)));
          }
          this.armPing();
        },
        cancel: () => {
          if (client) this.drop(client, 'cancelled');
        },
      },
      { highWaterMark: this.opts.maxBufferBytes, size: (chunk) => chunk.byteLength },
    );
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });
    return stream;
  }

  /** Ends every stream (the core is closing) and stops listening. */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    for (const c of [...this.clients]) this.drop(c, 'close');
    this.stopPing();
  }

  private broadcast(e: EventEnvelope): void {
    this.recent.push(e);
    if (this.recent.length > this.opts.replay) this.recent.shift();
    if (this.clients.size === 0) return;
    let bytes: Uint8Array;
    try {
      bytes = encoder.encode(sseMessage(e));
    } catch {
      return; // not serialisable: never let one event break the stream
    }
    for (const c of [...this.clients]) if (!c.filter || c.filter.has(e.event)) this.write(c, bytes);
  }

  private missedSince(lastEventId: string | null): EventEnvelope[] {
    if (!lastEventId) return [];
    const i = this.recent.findIndex((e) => e.id === lastEventId);
    return i < 0 ? [] : this.recent.slice(i + 1);
  }

  private write(c: Client, bytes: Uint8Array): void {
    if (c.done) return;
    try {
      c.controller.enqueue(bytes);
    } catch {
      this.drop(c, 'cancelled');
      return;
    }
    if ((c.controller.desiredSize ?? 0) < 0) this.drop(c, 'slow');
  }

  /** `close` ends the stream after what is queued; `slow` discards the queue (memory back now). */
  private drop(c: Client, why: 'close' | 'cancelled' | 'slow'): void {
    if (c.done) return;
    c.done = true;
    this.clients.delete(c);
    c.detach();
    try {
      if (why === 'slow') c.controller.error(new Error('event stream client too slow; dropped'));
      else if (why === 'close') c.controller.close();
    } catch {
      // Already closed or cancelled by the reader.
    }
    if (this.clients.size === 0) this.stopPing();
  }

  private armPing(): void {
    if (this.ping || this.clients.size === 0) return;
    const bytes = encoder.encode(': ping\n\n');
    this.ping = setInterval(() => {
      for (const c of [...this.clients]) this.write(c, bytes);
    }, this.opts.pingMs);
    this.ping.unref();
  }

  private stopPing(): void {
    if (this.ping) clearInterval(this.ping);
    this.ping = null;
  }
}
