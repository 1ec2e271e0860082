import { clip } from '../../services/tool-call.js';
import { mediaType, readEventStream, streamEndedAnswer } from './event-stream.js';
import { kindOf, parseLine, type Msg } from './jsonrpc.js';
import type { RawLink } from './links.js';

/**
 * The real server as a remote MCP server over the HTTP+SSE transport of 2024-11-05 (deprecated since
 * 2025-03-26, still spoken by many servers): a GET opens one SSE stream whose first event,
 * `endpoint`, names the URL to POST each client message to; every server message arrives on that
 * stream as a `message` event. Exact text both ways: each message is POSTed as the text the client
 * wrote, and each event's `data` is handed on as it came.
 *
 * Fail closed:
 * - an `endpoint` on another origin than the SSE URL is refused (the user's headers, which may hold
 *   credentials, would go there), as is a redirect to another origin;
 * - a POST the server refuses (not 2xx) rejects `send`: the relay answers its request with an error;
 * - when the stream ends, every request sent and not yet answered is answered with an error, then
 *   the link closes (its session ends with its stream: a new GET would be a new session).
 */
const MAX_REDIRECTS = 5;

export class SseLink implements RawLink {
  onmessage?: (raw: string) => void;
  onclose?: (why: string) => void;
  onerror?: (e: Error) => void;
  private endpoint: URL | null = null;
  private readonly abort = new AbortController();
  private closed = false;
  /** Requests sent to the server and not yet answered, by their id's JSON text. */
  private readonly unanswered = new Set<string>();

  constructor(
    private readonly url: URL,
    private readonly headers: Record<string, string>,
    private readonly log: (line: string) => void,
    private readonly endpointTimeoutMs = 30_000,
  ) {}

  /** Opens the stream; resolves once the server has named its message endpoint (on this origin). */
  async start(): Promise<void> {
    const headers = new Headers(this.headers);
    headers.set('accept', 'text/event-stream');
    const { res, url } = await this.fetchWithinOrigin(this.url, { method: 'GET', headers });
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      throw new Error(`the GET for an SSE stream was answered HTTP ${res.status}`);
    }
    if (mediaType(res.headers.get('content-type')) !== 'text/event-stream') {
      await res.body.cancel().catch(() => undefined);
      throw new Error(`the GET for an SSE stream was answered with ${res.headers.get('content-type') ?? 'no content type'}`);
    }
    const body = res.body;
    await new Promise<void>((resolve, reject) => {
      let state: 'opening' | 'open' | 'failed' = 'opening';
      const fail = (e: Error) => {
        if (state !== 'opening') return;
        state = 'failed';
        clearTimeout(timer);
        this.closed = true;
        this.abort.abort();
        reject(e);
      };
      const timer = setTimeout(
        () => fail(new Error(`no "endpoint" event within ${this.endpointTimeoutMs / 1000} s`)),
        this.endpointTimeoutMs,
      );
      timer.unref();
      const onEvent = (event: string, data: string) => {
        if (state === 'failed') return;
        if (state === 'open') {
          if (event === 'message' && data) this.receive(data);
          else if (event === 'endpoint') this.log('ignored a second "endpoint" event from the remote server');
          return;
        }
        if (event !== 'endpoint') return fail(new Error(`the SSE stream's first event is "${clip(event, 40)}", not "endpoint"`));
        let endpoint: URL;
        try {
          endpoint = new URL(data.trim(), url);
        } catch {
          return fail(new Error(`the "endpoint" event does not hold a URL (${JSON.stringify(clip(data, 100))})`));
        }
        if (endpoint.origin !== this.url.origin)
          return fail(
            new Error(`the server named a message endpoint on another origin (${endpoint.origin}, not ${this.url.origin}): refused`),
          );
        this.endpoint = endpoint;
        state = 'open';
        clearTimeout(timer);
        resolve();
      };
      readEventStream(body, onEvent).then(
        () => (state === 'open' ? this.ended('the SSE stream ended') : fail(new Error('the SSE stream ended before an "endpoint" event'))),
        (e: Error) => (state === 'open' ? this.ended(`the SSE stream broke (${e.message})`) : fail(e)),
      );
    });
  }

  async send(raw: string): Promise<void> {
    const endpoint = this.endpoint;
    if (!endpoint || this.closed) throw new Error('the HTTP+SSE stream is closed');
    const frames = parseLine(raw) ?? [];
    // Before the POST: the answer may come on the stream before the POST's own response.
    const ids = frames.filter((f) => kindOf(f.msg) === 'request').map((f) => JSON.stringify(f.msg.id));
    for (const id of ids) this.unanswered.add(id);
    for (const f of frames)
      if (f.msg.method === 'notifications/cancelled') this.unanswered.delete(JSON.stringify((f.msg.params as Msg | undefined)?.requestId));
    const headers = new Headers(this.headers);
    headers.set('content-type', 'application/json');
    try {
      const { res } = await this.fetchWithinOrigin(endpoint, { method: 'POST', headers, body: raw });
      if (!res.ok) {
        const text = await res.text().catch(() => '');
        throw new Error(`the server refused the message (HTTP ${res.status}${text.trim() ? `: ${clip(text.trim(), 200)}` : ''})`);
      }
      await res.body?.cancel().catch(() => undefined);
    } catch (e) {
      // The relay answers these requests with the error: the stream must not answer them again.
      for (const id of ids) this.unanswered.delete(id);
      throw e;
    }
  }

  async close(): Promise<void> {
    this.ended('closed', false);
  }

  private receive(data: string): void {
    for (const f of parseLine(data) ?? []) if (kindOf(f.msg) === 'response') this.unanswered.delete(JSON.stringify(f.msg.id));
    this.onmessage?.(data);
  }

  /** The stream is over: what it was still to answer gets an error (unless the proxy closed it), then the link closes. */
  private ended(why: string, answerPending = true): void {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    if (answerPending) for (const id of this.unanswered) this.onmessage?.(streamEndedAnswer(id));
    this.unanswered.clear();
    this.onclose?.(why);
  }

  /**
   * `fetch` that follows redirects only within the SSE URL's origin (a GET any of them, a POST
   * only 307 and 308, which keep its body); any other redirect is an error.
   */
  private async fetchWithinOrigin(url: URL, init: RequestInit): Promise<{ res: Response; url: URL }> {
    let at = url;
    for (let hop = 0; ; hop++) {
      const res = await fetch(at, { ...init, redirect: 'manual', signal: this.abort.signal });
      const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
      if (location === null) return { res, url: at };
      await res.body?.cancel().catch(() => undefined);
      const next = new URL(location, at);
      if (next.origin !== this.url.origin) throw new Error(`redirected to another origin (${next.origin}): not followed`);
      if (init.method !== 'GET' && res.status !== 307 && res.status !== 308)
        throw new Error(`a POST redirected with HTTP ${res.status}: not followed`);
      if (hop >= MAX_REDIRECTS) throw new Error('too many redirects');
      at = next;
    }
  }
}
