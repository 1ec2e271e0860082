import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { mediaType, readEventStream, streamEndedAnswer } from './event-stream.js';
import { kindOf, parseLine, type Msg } from './jsonrpc.js';
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
 */
const VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';

const textOf = (r: Response): Promise<string> => r.text().catch(() => '');

export class HttpLink implements RawLink {
  onmessage?: (raw: string) => void;
  onclose?: (why: string) => void;
  onerror?: (e: Error) => void;
  private readonly transport: StreamableHTTPClientTransport;
  /** Exact texts waiting for the SDK to post them, by the text the SDK will post. */
  private readonly exact = new Map<string, string[]>();
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
    const queue = this.exact.get(posted) ?? [];
    queue.push(raw);
    this.exact.set(posted, queue);
    try {
      await this.transport.send(copy as JSONRPCMessage);
    } finally {
      const q = this.exact.get(posted);
      const at = q?.indexOf(raw) ?? -1;
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
    if (init?.method === 'POST' && typeof body === 'string') {
      const exact = this.exact.get(body)?.[0];
      if (exact !== undefined) body = exact;
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
    if (init?.method === 'POST' && res.status >= 400) this.refusal = { status: res.status, body: await textOf(res.clone()) };
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
