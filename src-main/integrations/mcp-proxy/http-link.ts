import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { mediaType, readEventStream, streamEndedAnswer } from './event-stream.js';
import { idKey, idText, kindOf, parseLine, readLine, type Frame, type Msg } from './jsonrpc.js';
import type { RawLink } from './links.js';

/**
 * The real server as a remote MCP server over Streamable HTTP, through the SDK's client transport
 * (sessions, the GET stream, resumption, redirect rules). The SDK parses and re-serialises what it
 * carries, so the link hands it a `fetch` of its own that keeps the bytes exact both ways:
 *
 * - out: the SDK posts `JSON.stringify(copy)`; the fetch swaps in the message's exact text;
 * - in: the fetch reads each response itself (a JSON body, or the `data` of each SSE event) and
 *   emits that exact text; the SDK reads its own copy (for its session and stream bookkeeping)
 *   and what it parses is not used.
 *
 * On the stateless revision (2026-07-28) each POST also carries the `MCP-Protocol-Version`,
 * `Mcp-Method` and `Mcp-Name` headers that revision requires.
 *
 * A POST the server refuses (an HTTP error status) whose body is the server's own JSON-RPC error
 * answer to the request(s) it carried (MCP: e.g. 400 for a version or header it does not take, 404
 * for a session it no longer knows) is that answer: its exact text goes to the client and `send`
 * succeeds. Any other refusal makes `send` fail, and the relay answers the request itself.
 *
 * Sessions (MCP, Streamable HTTP, session management): a server that ends a session answers its
 * id with 404, and the client must then start a new one with a new `initialize` sent without that
 * id. The SDK transport keeps the id it was given, so an `initialize` the client sends while the
 * link holds a session id starts a new session on a new SDK transport (the SDK has no public way
 * to forget an id: `terminateSession` keeps it when the DELETE is refused, as a forgotten session's
 * is): it goes out without the old id, and the id the server returns to it is the one every later
 * POST and GET carries. Messages sent after it wait until it has been posted. The old session is
 * ended: a request still awaiting its answer there is answered with an error, once; what the old
 * session's streams carry after that is dropped; the old transport is sent a DELETE and closed.
 */
const VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';

const textOf = (r: Response): Promise<string> => r.text().catch(() => '');

const SESSION_ENDED = 'the MCP session ended before the remote server answered: the client started a new one (initialize)';

/** How long a replaced session's DELETE may take before its transport is closed all the same. */
const TERMINATE_MS = 5_000;

/** A message waiting for the SDK to post it: its exact text, and whether the server's refusal of its POST answered it. */
interface Outgoing {
  raw: string;
  posted: boolean;
  answered: boolean;
}

const isErrorObject = (e: unknown): boolean =>
  !!e &&
  typeof e === 'object' &&
  !Array.isArray(e) &&
  Number.isInteger((e as { code?: unknown }).code) &&
  typeof (e as { message?: unknown }).message === 'string';

/**
 * A refused POST's body, trimmed, when it is the server's JSON-RPC error answer to every request
 * the POST carried and nothing else (one error each, by id; an array for an array); else `null`:
 * an HTML page, an empty body, a result, an error with no id or another request's id.
 */
function refusalAnswer(body: string, requestIds: readonly unknown[]): string | null {
  if (requestIds.length === 0) return null;
  const text = body.trim();
  const read = readLine(text);
  if (!read || read.invalid > 0 || read.frames.length === 0) return null;
  const due = new Set(requestIds.map(idKey));
  for (const { msg } of read.frames) {
    if (msg.jsonrpc !== '2.0' || kindOf(msg) !== 'response' || 'result' in msg || !isErrorObject(msg.error)) return null;
    if (!due.delete(idKey(msg.id))) return null;
  }
  return due.size === 0 ? text : null;
}

/** One session with the server: the SDK transport that carries it, and what it owes the client. */
interface Conn {
  transport: StreamableHTTPClientTransport;
  /** Messages waiting for the SDK to post them, by the text the SDK will post. */
  exact: Map<string, Outgoing[]>;
  /** The requests sent on it still awaiting their answer: id key → the id's exact text. */
  awaiting: Map<string, string>;
  /** Set while the `initialize` that opened it is being posted: other messages wait for its session id. */
  opening: Promise<void> | null;
  /** Replaced by a newer session: it carries nothing more to the client. */
  retired: boolean;
}

export class HttpLink implements RawLink {
  onmessage?: (raw: string) => void;
  onclose?: (why: string) => void;
  onerror?: (e: Error) => void;
  /** The session in use. */
  private conn: Conn;
  /** Replaced sessions whose transport is still being closed (see renew). */
  private readonly retiring = new Set<Conn>();
  private closed = false;
  /** The status and body of the last POST the server refused (4xx, 5xx), for the transport fallback (remote-link.ts). */
  refusal: { status: number; body: string } | null = null;

  constructor(
    private readonly url: URL,
    private readonly headers: Record<string, string>,
    private readonly log: (line: string) => void,
  ) {
    this.conn = this.open();
  }

  /** A session on a new SDK transport, which has no session id yet. */
  private open(): Conn {
    const transport = new StreamableHTTPClientTransport(this.url, {
      requestInit: { headers: this.headers },
      fetch: (u, init) => this.fetch(conn, u, init),
    });
    const conn: Conn = { transport, exact: new Map(), awaiting: new Map(), opening: null, retired: false };
    transport.onmessage = () => undefined; // the exact text arrives through fetch
    transport.onerror = (e) => {
      if (!conn.retired) this.onerror?.(e);
    };
    transport.onclose = () => {
      if (!conn.retired) this.ended('the connection closed');
    };
    return conn;
  }

  private ended(why: string): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.(why);
  }

  start(): Promise<void> {
    return this.conn.transport.start();
  }

  async send(raw: string): Promise<void> {
    const frames = parseLine(raw);
    if (!frames || frames.length !== 1) throw new Error('not one JSON-RPC message');
    const f = frames[0]!;
    if (kindOf(f.msg) === 'request' && f.msg.method === 'initialize' && this.conn.transport.sessionId !== undefined) {
      const conn = this.renew();
      const sent = conn.transport.start().then(() => this.post(conn, raw, f));
      conn.opening = sent.then(
        () => undefined,
        () => undefined,
      );
      return sent;
    }
    let conn = this.conn;
    while (conn.opening) {
      await conn.opening;
      if (conn === this.conn) break;
      conn = this.conn; // replaced meanwhile: wait for the newer session's initialize
    }
    return this.post(conn, raw, f);
  }

  /**
   * Ends the session in use for a new one (see the class comment): its requests still awaiting an
   * answer get an error now, and its transport is sent a DELETE for the old id, then closed.
   */
  private renew(): Conn {
    const old = this.conn;
    old.retired = true;
    this.conn = this.open();
    const owed = [...old.awaiting.values()];
    old.awaiting.clear();
    this.log(
      `the client started a new MCP session (initialize): the old one is ended, ${owed.length} request(s) on it answered with an error`,
    );
    // After the send that caused it has returned to the relay (not from inside it), and before any answer of the new session.
    queueMicrotask(() => {
      for (const id of owed)
        this.onmessage?.(`{"jsonrpc":"2.0","id":${id},"error":${JSON.stringify({ code: -32603, message: SESSION_ENDED })}}`);
    });
    this.retiring.add(old);
    void this.retire(old);
    return this.conn;
  }

  private async retire(old: Conn): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((r) => (timer = setTimeout(r, TERMINATE_MS)));
    timer?.unref();
    await Promise.race([old.transport.terminateSession().catch(() => undefined), late]);
    clearTimeout(timer);
    await old.transport.close().catch(() => undefined);
    this.retiring.delete(old);
  }

  /** Hands one message to a session's SDK transport, which POSTs it (see fetch). */
  private async post(conn: Conn, raw: string, f: Frame): Promise<void> {
    const copy = f.msg;
    const key = kindOf(copy) === 'request' ? idKey(copy.id) : null;
    if (key !== null) conn.awaiting.set(key, idText(f));
    const posted = JSON.stringify(copy);
    const out: Outgoing = { raw, posted: false, answered: false };
    const queue = conn.exact.get(posted) ?? [];
    queue.push(out);
    conn.exact.set(posted, queue);
    try {
      await conn.transport.send(copy as JSONRPCMessage);
    } catch (e) {
      // The server refused the POST with its own answer, already relayed (see fetch): the message was delivered.
      if (out.answered) return;
      // A request already answered (its session was replaced, or its answer came before the SDK failed) gets no second one.
      if (key !== null && !conn.awaiting.delete(key)) return;
      throw e;
    } finally {
      const q = conn.exact.get(posted);
      const at = q?.indexOf(out) ?? -1;
      if (q && at >= 0) q.splice(at, 1);
      if (q && !q.length) conn.exact.delete(posted);
    }
  }

  async close(): Promise<void> {
    const conn = this.conn;
    await conn.transport.terminateSession().catch(() => undefined);
    await conn.transport.close().catch(() => undefined);
    for (const old of this.retiring) await old.transport.close().catch(() => undefined);
    this.ended('closed');
  }

  /** A message from the server, as its exact text; learns the negotiated version for the SDK's headers. */
  private emit(conn: Conn, raw: string): void {
    if (conn.retired) return; // its requests were answered when it was replaced
    const frames = parseLine(raw);
    if (frames)
      for (const f of frames) {
        if (kindOf(f.msg) !== 'response') continue;
        conn.awaiting.delete(idKey(f.msg.id));
        const r = f.msg.result as Msg | undefined;
        if (r && typeof r.protocolVersion === 'string' && r.serverInfo) conn.transport.setProtocolVersion(r.protocolVersion);
      }
    this.onmessage?.(raw);
  }

  private async fetch(conn: Conn, url: string | URL, init?: RequestInit): Promise<Response> {
    let body = init?.body;
    const headers = new Headers(init?.headers);
    let requestIds: unknown[] = [];
    let out: Outgoing | undefined;
    if (init?.method === 'POST' && typeof body === 'string') {
      const q = conn.exact.get(body);
      out = q?.find((o) => !o.posted) ?? q?.[0];
      if (out) {
        out.posted = true;
        body = out.raw;
      }
      const frames = parseLine(body);
      requestIds = (frames ?? []).filter((f) => kindOf(f.msg) === 'request').map((f) => f.msg.id);
      const m = frames?.length === 1 ? frames[0]!.msg : undefined;
      const params = (m?.params ?? {}) as Msg;
      const v = (params._meta as Msg | undefined)?.[VERSION_KEY];
      if (m && typeof v === 'string') {
        headers.set('mcp-protocol-version', v);
        if (typeof m.method === 'string') headers.set('mcp-method', m.method);
        const name = typeof params.name === 'string' ? params.name : typeof params.uri === 'string' ? params.uri : undefined;
        if (name !== undefined && /^[\x20-\x7e]*$/.test(name)) headers.set('mcp-name', name);
      }
    }
    if (init?.method === 'POST') this.refusal = null;
    const res = await fetch(url, { ...init, headers, body });
    if (init?.method === 'POST' && res.status >= 400) {
      this.refusal = { status: res.status, body: await textOf(res.clone()) };
      const answer = out && !out.answered ? refusalAnswer(this.refusal.body, requestIds) : null;
      if (out && answer !== null) {
        out.answered = true;
        this.log(`the remote server refused a message (HTTP ${res.status}) with its own JSON-RPC error: relayed as its answer`);
        this.emit(conn, answer);
      }
    }
    if (!res.ok || !res.body) return res;
    const type = mediaType(res.headers.get('content-type'));
    if (type === 'application/json') {
      const text = await res.text();
      if (text.trim()) this.emit(conn, text.trim());
      return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
    }
    if (type === 'text/event-stream') {
      const [mine, theirs] = res.body.tee();
      void this.follow(conn, mine, requestIds);
      return new Response(theirs, { status: res.status, statusText: res.statusText, headers: res.headers });
    }
    return res;
  }

  /**
   * Reads an SSE stream. A POST stream that ends before its requests were answered (on it or on any
   * other stream of the session) and cannot resume answers them with an error, once each.
   */
  private async follow(conn: Conn, stream: ReadableStream<Uint8Array>, requestIds: unknown[]): Promise<void> {
    let resumable = false;
    try {
      await readEventStream(stream, (event, data, id) => {
        if (id) resumable = true;
        if (event === 'message' && data) this.emit(conn, data);
      });
    } catch (e) {
      if (!this.closed && !conn.retired) this.log(`stream from the remote server broke: ${(e as Error).message}`);
    }
    if (resumable || this.closed || conn.retired) return;
    for (const key of requestIds.map(idKey)) {
      const idJson = conn.awaiting.get(key);
      if (idJson === undefined) continue;
      conn.awaiting.delete(key);
      this.onmessage?.(streamEndedAnswer(idJson));
    }
  }
}
