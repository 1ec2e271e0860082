import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { mediaType, readEventStream, streamEndedAnswer } from './event-stream.js';
import { idKey, kindOf, parseLine, readLine, type Msg } from './jsonrpc.js';
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
 */
const VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';

const textOf = (r: Response): Promise<string> => r.text().catch(() => '');

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

export class HttpLink implements RawLink {
  onmessage?: (raw: string) => void;
  onclose?: (why: string) => void;
  onerror?: (e: Error) => void;
  private readonly transport: StreamableHTTPClientTransport;
  /** Messages waiting for the SDK to post them, by the text the SDK will post. */
  private readonly exact = new Map<string, Outgoing[]>();
  private closed = false;
  /** The status and body of the last POST the server refused (4xx, 5xx), for the transport fallback (remote-link.ts). */
  refusal: { status: number; body: string } | null = null;

  constructor(
    url: URL,
    headers: Record<string, string>,
    private readonly log: (line: string) => void,
  ) {
    this.transport = new StreamableHTTPClientTransport(url, {
      requestInit: { headers },
      fetch: (u, init) => this.fetch(u, init),
    });
    this.transport.onmessage = () => undefined; // the exact text arrives through fetch
    this.transport.onerror = (e) => this.onerror?.(e);
    this.transport.onclose = () => this.ended('the connection closed');
  }

  private ended(why: string): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.(why);
  }

  start(): Promise<void> {
    return this.transport.start();
  }

  async send(raw: string): Promise<void> {
    const frames = parseLine(raw);
    if (!frames || frames.length !== 1) throw new Error('not one JSON-RPC message');
    const copy = frames[0]!.msg;
    const posted = JSON.stringify(copy);
    const out: Outgoing = { raw, posted: false, answered: false };
    const queue = this.exact.get(posted) ?? [];
    queue.push(out);
    this.exact.set(posted, queue);
    try {
      await this.transport.send(copy as JSONRPCMessage);
    } catch (e) {
      // The server refused the POST with its own answer, already relayed (see fetch): the message was delivered.
      if (!out.answered) throw e;
    } finally {
      const q = this.exact.get(posted);
      const at = q?.indexOf(out) ?? -1;
      if (q && at >= 0) q.splice(at, 1);
      if (q && !q.length) this.exact.delete(posted);
    }
  }

  async close(): Promise<void> {
    await this.transport.terminateSession().catch(() => undefined);
    await this.transport.close().catch(() => undefined);
    this.ended('closed');
  }

  /** A message from the server, as its exact text; learns the negotiated version for the SDK's headers. */
  private emit(raw: string): void {
    const frames = parseLine(raw);
    if (frames)
      for (const f of frames) {
        const r = f.msg.result as Msg | undefined;
        if (kindOf(f.msg) === 'response' && r && typeof r.protocolVersion === 'string' && r.serverInfo)
          this.transport.setProtocolVersion(r.protocolVersion);
      }
    this.onmessage?.(raw);
  }

  private async fetch(url: string | URL, init?: RequestInit): Promise<Response> {
    let body = init?.body;
    const headers = new Headers(init?.headers);
    let requestIds: unknown[] = [];
    let out: Outgoing | undefined;
    if (init?.method === 'POST' && typeof body === 'string') {
      const q = this.exact.get(body);
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
        this.emit(answer);
      }
    }
    if (!res.ok || !res.body) return res;
    const type = mediaType(res.headers.get('content-type'));
    if (type === 'application/json') {
      const text = await res.text();
      if (text.trim()) this.emit(text.trim());
      return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
    }
    if (type === 'text/event-stream') {
      const [mine, theirs] = res.body.tee();
      void this.follow(mine, requestIds);
      return new Response(theirs, { status: res.status, statusText: res.statusText, headers: res.headers });
    }
    return res;
  }

  /** Reads an SSE stream; a POST stream that ends before answering its requests (and cannot resume) answers them with an error. */
  private async follow(stream: ReadableStream<Uint8Array>, requestIds: unknown[]): Promise<void> {
    const unanswered = new Set(requestIds.map((id) => JSON.stringify(id)));
    let resumable = false;
    try {
      await readEventStream(stream, (event, data, id) => {
        if (id) resumable = true;
        if (event !== 'message' || !data) return;
        const frames = parseLine(data);
        for (const f of frames ?? []) if (kindOf(f.msg) === 'response') unanswered.delete(JSON.stringify(f.msg.id));
        this.emit(data);
      });
    } catch (e) {
      if (!this.closed) this.log(`stream from the remote server broke: ${(e as Error).message}`);
    }
    if (resumable || this.closed) return;
    for (const id of unanswered) this.onmessage?.(streamEndedAnswer(id));
  }
}
