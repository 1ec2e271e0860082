import { exactMessage, idKey, idText, isBlank, parseLine, type Frame, type Msg } from './jsonrpc.js';
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

export class ServerGoneError extends Error {
  override readonly name = 'ServerGoneError';
}

export const OWN_ID_PREFIX = 'gatehouse-proxy:';

export class Relay {
  router: Router = { fromClient: () => false, fromServer: () => false };
  private readonly own = new Map<string, Own>();
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
    const frames = parseLine(line);
    if (!frames) {
      // The proxy cannot see what it is, so it does not pass: forwarding it could smuggle a call past the proxy.
      this.log(`dropped a message from the ${from} that is not JSON-RPC: ${line.slice(0, 200)}`);
      if (from === 'client')
        this.toClient(
          '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error (the Gatehouse MCP proxy could not read this message)"}}',
        );
      return;
    }
    for (const f of frames) {
      if (from === 'server') {
        if (this.takeOwnAnswer(f)) continue;
        if (!this.router.fromServer(f)) this.toClient(f.raw);
      } else if (!this.router.fromClient(f)) {
        this.toServer(f.raw, f);
      }
    }
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

  /** Forwards a message's exact text to the client. */
  toClient(raw: string): void {
    this.up.send(raw).catch((e: Error) => this.log(`cannot write to the client: ${e.message}`));
  }

  /**
   * Forwards a message's exact text to the server; a request that cannot be sent is answered with an
   * error, on the server's side of the relay, as if the server had answered: a call let through is
   * settled with it (a remote server that refuses the POST never ran it).
   */
  toServer(raw: string, f?: Frame): void {
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
