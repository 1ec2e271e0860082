import { exactMessage, idKey, idText, isBlank, kindOf, readLine, type Frame, type Msg } from './jsonrpc.js';
import type { RawLink } from './links.js';

/**
 * The relay: moves messages between the MCP client (`up`) and the real server (`down`) as their
 * exact text. It parses a copy of each one and hands the frame to a router, which either lets it
 * through (forwarded byte for byte) or takes it. The only messages it serialises are the proxy's
 * own: its requests to the server (ids `gatehouse-proxy:N`, whose answers it keeps) and the
 * answers and notifications the proxy writes to the client.
 */
export type Side = 'client' | 'server';

export interface Router {
  /** Returns true when it took the message (the relay does not forward it). */
  fromClient(f: Frame): boolean;
  fromServer(f: Frame): boolean;
}

interface Own {
  resolve: (m: Msg) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | null;
}

const asObject = (v: unknown): Msg => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Msg) : {});

export class ServerGoneError extends Error {
  override readonly name = 'ServerGoneError';
}

export const OWN_ID_PREFIX = 'gatehouse-proxy:';

/**
 * A JSON-RPC batch one side sent (2025-03-26): its elements travel on one by one, and the answers
 * to its requests — the other side's or the proxy's own — go back to it together, as one array of
 * their exact texts (JSON-RPC 2.0: one answer array per batch, none for notifications alone).
 */
interface Batch {
  /** Answers still awaited, by id key. */
  awaiting: Set<string>;
  /** The answers' exact texts, in the order they came. */
  answers: string[];
}

/** The answer to a batch with nothing JSON-RPC can answer in it (`[]`). */
const EMPTY_BATCH_ANSWER =
  '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: an empty batch (the Gatehouse MCP proxy)"}}';

/** JSON-RPC 2.0's answer, in a batch's answer array, to each of its elements that is not an object. */
const INVALID_ELEMENT_ANSWER = '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}';

export class Relay {
  router: Router = { fromClient: () => false, fromServer: () => false };
  private readonly own = new Map<string, Own>();
  /** The batches awaiting answers, by the side that sent them, then by the id key of each request awaited. */
  private readonly batches: Record<Side, Map<string, Batch>> = { client: new Map(), server: new Map() };
  private ownSeq = 0;
  private closedSide: Side | null = null;
  private serverClosed = false;
  /** Settles with the side that closed first. */
  readonly done: Promise<Side>;
  private resolveDone!: (side: Side) => void;

  constructor(
    private readonly up: RawLink,
    private readonly down: RawLink,
    private readonly log: (line: string) => void,
  ) {
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  /** Starts the server side first (spawns or connects), then listens to the client. */
  async start(): Promise<void> {
    this.down.onmessage = (raw) => this.receive('server', raw);
    this.down.onclose = (why) => {
      this.serverClosed = true;
      // What the client's batches have got so far reaches it: the rest will not come.
      for (const b of new Set(this.batches.client.values())) this.flush('client', b);
      this.batches.client.clear();
      for (const [k, o] of this.own) {
        this.own.delete(k);
        if (o.timer) clearTimeout(o.timer);
        o.reject(new ServerGoneError(`the server closed (${why})`));
      }
      this.finish('server');
    };
    this.down.onerror = (e) => this.log(`server link: ${e.message}`);
    this.up.onmessage = (raw) => this.receive('client', raw);
    this.up.onclose = () => this.finish('client');
    this.up.onerror = (e) => this.log(`client link: ${e.message}`);
    await this.down.start();
    await this.up.start();
  }

  get serverGone(): boolean {
    return this.serverClosed;
  }

  private finish(side: Side): void {
    if (this.closedSide) return;
    this.closedSide = side;
    this.resolveDone(side);
  }

  private receive(from: Side, line: string): void {
    if (isBlank(line)) return;
    const read = readLine(line);
    if (!read) {
      // The proxy cannot see what it is, so it does not pass: forwarding it could smuggle a call past the proxy.
      this.log(`dropped a message from the ${from} that is not JSON-RPC: ${line.slice(0, 200)}`);
      if (from === 'client')
        this.toClient(
          '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error (the Gatehouse MCP proxy could not read this message)"}}',
        );
      return;
    }
    const { frames, invalid } = read;
    if (frames.length === 0 && invalid === 0) {
      // `[]`: JSON-RPC answers an empty batch with one Invalid Request error; nothing passes.
      if (from === 'client') this.toClient(EMPTY_BATCH_ANSWER);
      return;
    }
    if (invalid > 0)
      this.log(`answered ${invalid} element(s) of a batch from the ${from} that are not JSON-RPC objects with Invalid Request`);
    // A batch (a JSON array, even of one message) is answered with one array: see Batch.
    if (read.batch) this.openBatch(from, frames, invalid);
    for (const f of frames) {
      if (f.msg.method === 'notifications/cancelled') this.forgetAnswer(from, asObject(f.msg.params).requestId);
      if (from === 'server') {
        if (this.takeOwnAnswer(f)) continue;
        if (!this.router.fromServer(f)) this.toClient(f.raw, f);
      } else if (!this.router.fromClient(f)) {
        this.toServer(f.raw, f);
      }
    }
  }

  // --- batches (2025-03-26) ------------------------------------------------------------------

  /**
   * Awaits the answers to a batch's requests (before any element is routed: an answer may come at
   * once). Its `invalid` elements that are not objects are answered first, one Invalid Request error
   * each, in the same array; with no request to await, that array goes back now.
   */
  private openBatch(from: Side, frames: Frame[], invalid: number): void {
    const b: Batch = { awaiting: new Set(), answers: Array<string>(invalid).fill(INVALID_ELEMENT_ANSWER) };
    const open = this.batches[from];
    for (const f of frames) {
      if (kindOf(f.msg) !== 'request') continue;
      const k = idKey(f.msg.id);
      if (open.has(k)) continue; // an id already awaited (repeated, against JSON-RPC): its answer goes to the first
      b.awaiting.add(k);
      open.set(k, b);
    }
    if (b.awaiting.size === 0) this.flush(from, b);
  }

  /**
   * Takes an answer headed to `to` when a batch of `to` awaits it; the batch goes out, as one array,
   * with its last awaited answer. Costs nothing while no batch is open.
   */
  private collect(to: Side, raw: string, f?: Frame): boolean {
    const open = this.batches[to];
    if (open.size === 0) return false;
    let m: Msg | undefined = f?.msg;
    if (!m) {
      try {
        m = asObject(JSON.parse(raw));
      } catch {
        return false;
      }
    }
    if (kindOf(m) !== 'response') return false;
    const k = idKey(m.id);
    const b = open.get(k);
    if (!b) return false;
    open.delete(k);
    b.awaiting.delete(k);
    b.answers.push(raw);
    if (b.awaiting.size === 0) this.flush(to, b);
    return true;
  }

  /**
   * A request of a batch `from` sent was cancelled by `from` (MCP: no answer is then due): the
   * batch no longer waits for it. An answer that comes anyway travels on its own.
   */
  private forgetAnswer(from: Side, requestId: unknown): void {
    if (requestId === undefined || requestId === null) return;
    const k = idKey(requestId);
    const b = this.batches[from].get(k);
    if (!b) return;
    this.batches[from].delete(k);
    b.awaiting.delete(k);
    if (b.awaiting.size === 0) this.flush(from, b);
  }

  /** Sends a batch's answers as one array of their exact texts (nothing when it has none). */
  private flush(to: Side, b: Batch): void {
    for (const k of b.awaiting) this.batches[to].delete(k);
    b.awaiting.clear();
    if (b.answers.length === 0) return;
    const text = `[${b.answers.join(',')}]`;
    b.answers = [];
    if (to === 'client') this.up.send(text).catch((e: Error) => this.log(`cannot write to the client: ${e.message}`));
    else this.down.send(text).catch((e: Error) => this.log(`cannot write to the server: ${e.message}`));
  }

  private takeOwnAnswer(f: Frame): boolean {
    const id = f.msg.id;
    if (typeof id !== 'string' || !id.startsWith(OWN_ID_PREFIX) || typeof f.msg.method === 'string') return false;
    const o = this.own.get(idKey(id));
    if (!o) return false;
    this.own.delete(idKey(id));
    if (o.timer) clearTimeout(o.timer);
    // With its numbers exact: what the proxy reads in its own answers (tools, task results) goes to Gatehouse.
    o.resolve(exactMessage(f));
    return true;
  }

  /** Forwards a message's exact text to the client (an answer a batch of its awaits goes out with that batch). */
  toClient(raw: string, f?: Frame): void {
    if (this.collect('client', raw, f)) return;
    this.up.send(raw).catch((e: Error) => this.log(`cannot write to the client: ${e.message}`));
  }

  /**
   * Forwards a message's exact text to the server; a request that cannot be sent is answered with an
   * error, on the server's side of the relay, as if the server had answered: a call let through is
   * settled with it (a remote server that refuses the POST never ran it).
   */
  toServer(raw: string, f?: Frame): void {
    if (this.collect('server', raw, f)) return;
    this.down.send(raw).catch((e: Error) => {
      this.log(`cannot write to the server: ${e.message}`);
      if (f && typeof f.msg.method === 'string' && f.msg.id !== undefined && f.msg.id !== null) {
        this.receive(
          'server',
          `{"jsonrpc":"2.0","id":${idText(f)},"error":${JSON.stringify({ code: -32603, message: `MCP server unavailable: ${e.message}` })}}`,
        );
      }
    });
  }

  /** Writes a message the proxy itself produced to the client. */
  sendToClient(text: string): void {
    this.toClient(text);
  }

  /**
   * Sends a request of the proxy's own to the server and resolves with its answer (result or
   * error message), parsed with its numbers exact (see exactMessage). `timeoutMs` 0 waits as long
   * as the server lives.
   */
  request(method: string, params: Msg | undefined, timeoutMs = 30_000): Promise<Msg> {
    if (this.serverClosed) return Promise.reject(new ServerGoneError('the server has closed'));
    const id = `${OWN_ID_PREFIX}${++this.ownSeq}`;
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.own.delete(idKey(id));
              reject(new Error(`${method}: no answer within ${timeoutMs / 1000} s`));
            }, timeoutMs)
          : null;
      timer?.unref();
      this.own.set(idKey(id), { resolve, reject, timer });
      this.down.send(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) })).catch((e: Error) => {
        if (timer) clearTimeout(timer);
        this.own.delete(idKey(id));
        reject(e);
      });
    });
  }

  /** Sends a notification of the proxy's own to the server (e.g. cancelling its own request). */
  notifyServer(method: string, params: Msg): void {
    this.down.send(JSON.stringify({ jsonrpc: '2.0', method, params })).catch(() => undefined);
  }
}
