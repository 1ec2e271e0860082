import { HttpLink } from './http-link.js';
import type { RawLink } from './links.js';
import { SseLink } from './sse-link.js';

/**
 * The real server at a URL (`mcp-proxy --url`), on whichever transport it speaks, chosen as the MCP
 * spec's backwards-compatibility rule says (transports, "Backwards Compatibility"; 2025-11-25 and
 * 2026-07-28): the first message is POSTed over Streamable HTTP; if the server refuses that POST
 * with 400, 404 or 405 and a body that is not a JSON-RPC error (a modern server answers with one
 * when it cannot take a request), the link GETs the same URL, and when that stream's first event is
 * `endpoint` the server is on the HTTP+SSE transport of 2024-11-05: the message goes there, and so
 * does everything after it. Messages sent while the choice is being made wait for it, in order.
 * Where neither transport takes the message, `send` fails with the Streamable HTTP error and the
 * relay answers the request with it (fail closed).
 */
const LEGACY_STATUSES = new Set([400, 404, 405]);

/** Whether a refused POST's body is a JSON-RPC error (then the server speaks Streamable HTTP, and refused the message itself). */
function isJsonRpcError(body: string): boolean {
  try {
    const m = JSON.parse(body) as unknown;
    const one = Array.isArray(m) ? m[0] : m;
    if (!one || typeof one !== 'object') return false;
    const { jsonrpc, error } = one as { jsonrpc?: unknown; error?: unknown };
    return jsonrpc === '2.0' && !!error && typeof error === 'object' && typeof (error as { code?: unknown }).code === 'number';
  } catch {
    return false;
  }
}

export class RemoteLink implements RawLink {
  onmessage?: (raw: string) => void;
  onclose?: (why: string) => void;
  onerror?: (e: Error) => void;
  private readonly http: HttpLink;
  private active: RawLink;
  /** Set by the first `send`; settles once the transport is chosen. */
  private choosing: Promise<void> | null = null;

  constructor(
    private readonly url: URL,
    private readonly headers: Record<string, string>,
    private readonly log: (line: string) => void,
  ) {
    this.http = new HttpLink(url, headers, log);
    this.active = this.http;
    this.wire(this.http);
  }

  /** A link's events count only while it is the one in use. */
  private wire(l: RawLink): void {
    l.onmessage = (raw) => {
      if (this.active === l) this.onmessage?.(raw);
    };
    l.onclose = (why) => {
      if (this.active === l) this.onclose?.(why);
    };
    l.onerror = (e) => {
      if (this.active === l) this.onerror?.(e);
    };
  }

  start(): Promise<void> {
    return this.http.start();
  }

  async send(raw: string): Promise<void> {
    if (!this.choosing) {
      const chosen = this.choose(raw);
      this.choosing = chosen.then(
        () => undefined,
        () => undefined,
      );
      return chosen;
    }
    await this.choosing;
    return this.active.send(raw);
  }

  /** Sends the first message, and with it finds the server's transport. */
  private async choose(raw: string): Promise<void> {
    try {
      await this.http.send(raw);
      return;
    } catch (e) {
      const r = this.http.refusal;
      if (!r || !LEGACY_STATUSES.has(r.status) || isJsonRpcError(r.body)) throw e;
      const sse = new SseLink(this.url, this.headers, this.log);
      this.wire(sse);
      this.active = sse;
      try {
        await sse.start();
      } catch (e2) {
        this.active = this.http;
        void sse.close();
        throw new Error(`${(e as Error).message} (HTTP ${r.status}; and not an HTTP+SSE server either: ${(e2 as Error).message})`);
      }
      this.log(`the server speaks the HTTP+SSE transport (2024-11-05), not Streamable HTTP: using it`);
      void this.http.close();
      await sse.send(raw);
    }
  }

  close(): Promise<void> {
    return this.active.close();
  }
}
