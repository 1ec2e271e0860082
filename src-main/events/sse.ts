import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { EventEnvelope, EventName } from '../../src-shared/index.js';
import type { EventBus } from './bus.js';
import { parseEventId } from './event-ids.js';

export interface SseOptions {
  /** A `: ping` comment this often keeps proxies and idle timeouts from closing the stream. */
  pingMs: number;
  /** The reconnect delay announced to EventSource clients (`retry:`). */
  retryMs: number;
  /** Bytes one client may have waiting; a client that falls further behind is dropped. */
  maxBufferBytes: number;
  /** Recent events kept for `Last-Event-ID` resumption (older ones are made again from the log). */
  replay: number;
  /** Streams open at once. */
  maxClients: number;
  /** Records a resumption reads from the log at most; a client further behind is told to reload. */
  maxResumeRecords: number;
  /** Records read per slice of a resumption (a turn of the event loop between slices). */
  resumeSlice: number;
}

/** The audit log as a resumption reads it (record-events.ts `eventLog`). */
export interface EventLog {
  /** The last record's seq. */
  head(): number;
  /** The first record still in the live log (those before it are archived). */
  firstLive(): number;
  /** The events of the records with seq in [from, to], in order. */
  events(from: number, to: number): EventEnvelope[];
}

export const DEFAULT_SSE_OPTIONS: SseOptions = {
  pingMs: 15_000,
  retryMs: 3_000,
  maxBufferBytes: 1024 * 1024,
  replay: 256,
  maxClients: 64,
  maxResumeRecords: 100_000,
  resumeSlice: 1_000,
};

interface Client {
  filter: ReadonlySet<EventName> | null;
  controller: ReadableStreamDefaultController<Uint8Array>;
  done: boolean;
  detach: () => void;
  /** Live events of records up to this seq are skipped: the resumption sends them from the log. */
  replayThrough: number;
  /** Live events held while a resumption is being read (sent after it, in order). */
  held: Uint8Array[] | null;
}

interface Recent {
  e: EventEnvelope;
  seq: number | null;
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
 * The position after every event of record `seq`, sent as a bare `id:` when a stream opens (and with
 * a reset) so that the browser's reconnect resumes from there even if no event came in between.
 */
const positionId = (seq: number) => `pos_${seq}`;
const POSITION = /^pos_(\d{1,16})$/;

/** Where a `Last-Event-ID` says the client stopped: after event `after` of record `seq` (null: after all of it). */
function resumePoint(id: string): { seq: number; after: EventName | null } | null {
  const p = POSITION.exec(id);
  if (p) return { seq: Number(p[1]), after: null };
  const e = parseEventId(id);
  return e ? { seq: e.seq, after: e.event } : null;
}

/**
 * Sent instead of the missed events when they cannot be: the id is unknown (another database, an
 * id from before events were numbered by record), the records were archived, or more were missed
 * than a resumption reads. The client must reload what it shows (the console does).
 */
function resetMessage(reason: string, head: number): string {
  return `id: ${positionId(head)}\nevent: reset\ndata: ${JSON.stringify({ reason, head })}\n\n`;
}

/**
 * Fans the event bus out to Server-Sent-Event streams. Each client has a bounded queue (the
 * stream's high-water mark, in bytes): a client that cannot keep up is dropped instead of growing
 * memory. A client that goes away (cancelled stream or aborted request) is unsubscribed at once.
 */
export class SseHub {
  private readonly opts: SseOptions;
  private readonly clients = new Set<Client>();
  private readonly recent: Recent[] = [];
  private readonly unsubscribe: () => void;
  private ping: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    bus: EventBus,
    opts: Partial<SseOptions> = {},
    private readonly log: EventLog | null = null,
  ) {
    this.opts = { ...DEFAULT_SSE_OPTIONS, ...opts };
    this.unsubscribe = bus.subscribe((e, seq) => this.broadcast(e, seq));
  }

  get size(): number {
    return this.clients.size;
  }

  /**
   * A new stream. `filter` null = every event. `lastEventId` replays what the client missed: from
   * the recent events kept in memory, else made again from the audit log (in slices); where that
   * cannot be done the client gets a `reset` event instead (never a silent gap). Throws
   * TooManyStreamsError past `maxClients`.
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
          const c: Client = {
            filter,
            controller,
            done: false,
            detach: () => o.signal?.removeEventListener('abort', onAbort),
            replayThrough: 0,
            held: null,
          };
          client = c;
          this.clients.add(c);
          this.write(c, encoder.encode(`retry: ${this.opts.retryMs}\n\n`));
          this.resume(c, o.lastEventId || null);
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

  private broadcast(e: EventEnvelope, seq: number | null): void {
    this.recent.push({ e, seq });
    if (this.recent.length > this.opts.replay) this.recent.shift();
    if (this.clients.size === 0) return;
    let bytes: Uint8Array;
    try {
      bytes = encoder.encode(sseMessage(e));
    } catch {
      return; // not serialisable: never let one event break the stream
    }
    for (const c of [...this.clients]) {
      if (c.filter && !c.filter.has(e.event)) continue;
      if (seq !== null && seq <= c.replayThrough) continue;
      if (c.held) c.held.push(bytes);
      else this.write(c, bytes);
    }
  }

  /** Sends what a reconnecting client missed since `lastEventId` (see `open`). */
  private resume(c: Client, lastEventId: string | null): void {
    const head = this.log?.head() ?? null;
    if (!lastEventId) {
      if (head !== null) this.write(c, encoder.encode(`id: ${positionId(head)}\n\n`));
      return;
    }
    const i = this.recent.findIndex((r) => r.e.id === lastEventId);
    if (i >= 0) {
      for (const { e } of this.recent.slice(i + 1)) this.send(c, e);
      return;
    }
    const from = resumePoint(lastEventId);
    if (!this.log || head === null) {
      this.write(c, encoder.encode(resetMessage('the events since Last-Event-ID are no longer kept', 0)));
      return;
    }
    let why: string | null = null;
    if (!from || from.seq > head) why = 'Last-Event-ID is not an event of this log';
    else if (from.seq < this.log.firstLive() - 1) why = 'the events since Last-Event-ID are archived';
    else if (head - from.seq > this.opts.maxResumeRecords)
      why = `more than ${this.opts.maxResumeRecords} records were written since Last-Event-ID`;
    if (why || !from) {
      this.write(c, encoder.encode(resetMessage(why ?? 'unknown Last-Event-ID', head)));
      return;
    }
    c.replayThrough = head;
    c.held = [];
    void this.replay(c, from, head).then(
      () => this.release(c),
      () => {
        this.write(c, encoder.encode(resetMessage('the events since Last-Event-ID could not be read', head)));
        this.release(c);
      },
    );
  }

  /** Sends the events of records (from.seq, head] (and those of from.seq after `from.after`), slice by slice. */
  private async replay(c: Client, from: { seq: number; after: EventName | null }, head: number): Promise<void> {
    let lo = from.after ? from.seq : from.seq + 1;
    while (lo <= head && !c.done) {
      const hi = Math.min(head, lo + this.opts.resumeSlice - 1);
      let events = this.log!.events(lo, hi);
      if (lo === from.seq && from.after) {
        // The events of the client's last record that came after its last event.
        const k = events.findIndex((e) => e.id === `evt_${from.seq}.${from.after}`);
        events = k >= 0 ? events.slice(k + 1) : events.filter((e) => !e.id.startsWith(`evt_${from.seq}.`));
      }
      for (const e of events) this.send(c, e);
      lo = hi + 1;
      if (lo <= head) await yieldToLoop();
    }
  }

  /** The live events held during a resumption, after it. */
  private release(c: Client): void {
    const held = c.held ?? [];
    c.held = null;
    for (const bytes of held) this.write(c, bytes);
  }

  private send(c: Client, e: EventEnvelope): void {
    if (c.filter && !c.filter.has(e.event)) return;
    try {
      this.write(c, encoder.encode(sseMessage(e)));
    } catch {
      // not serialisable: skipped, like a live one
    }
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
