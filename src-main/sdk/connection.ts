/**
 * The HTTP side of the SDK: finds the server (options, then GATEHOUSE_URL / GATEHOUSE_API_KEY, then
 * the data dir's server.json and agent key), calls it through the shared typed client, and turns
 * failures into the SDK's errors. A call may carry an AbortSignal; an aborted call rejects with the
 * signal's reason, never as an outage.
 */
import { GatehouseApi, resolveEndpoint } from './api.js';
import { GatehouseError, GatehouseUnreachable, sdkError } from './errors.js';

export interface ConnectionOptions {
  url?: string;
  apiKey?: string;
  dataDir?: string;
  timeoutMs?: number;
}

const isHttpUrl = (url: string): boolean => {
  try {
    return ['http:', 'https:'].includes(new URL(url).protocol);
  } catch {
    return false;
  }
};

export class Connection {
  private api: GatehouseApi | null = null;
  private endpoint: { url: string; apiKey: string | undefined } | null = null;

  constructor(private readonly o: ConnectionOptions) {}

  /** The shared client, (re)discovering the server when needed. */
  private client(signal?: AbortSignal): GatehouseApi {
    if (!this.api || !this.endpoint) {
      const ep = resolveEndpoint({ url: this.o.url, apiKey: this.o.apiKey, dataDir: this.o.dataDir, scope: 'agent' });
      if (!ep.url) throw new GatehouseUnreachable(`Gatehouse is not running (no server.json in ${ep.dataDir} and no GATEHOUSE_URL)`);
      // A URL that is no http(s) URL is a setting to fix, not an outage: no fail mode allows on it
      // (fetch would fail on it as on a server that is down).
      if (!isHttpUrl(ep.url))
        throw new GatehouseError(`the Gatehouse URL ${JSON.stringify(ep.url)} is not an http:// or https:// URL`, null, 'invalid_url');
      this.endpoint = { url: ep.url, apiKey: ep.apiKey ?? undefined };
      this.api = new GatehouseApi({ baseUrl: ep.url, apiKey: this.endpoint.apiKey, timeoutMs: this.o.timeoutMs ?? 30_000 });
    }
    if (!signal) return this.api;
    // One client per signalled call: its fetch also listens to the caller's signal.
    const bound: typeof fetch = (input, init) =>
      fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal });
    return new GatehouseApi({
      baseUrl: this.endpoint.url,
      apiKey: this.endpoint.apiKey,
      timeoutMs: this.o.timeoutMs ?? 30_000,
      fetch: bound,
    });
  }

  /** Runs one call; the answer must be a JSON object (anything else the server said is `invalid_response`). */
  async object(f: (api: GatehouseApi) => Promise<unknown>, signal?: AbortSignal): Promise<Record<string, unknown>> {
    signal?.throwIfAborted();
    let answer: unknown;
    try {
      answer = await f(this.client(signal));
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      const err = sdkError(e);
      if (err instanceof GatehouseUnreachable && !this.o.url) this.api = null; // the server may have restarted elsewhere
      throw err;
    }
    if (answer === null || typeof answer !== 'object' || Array.isArray(answer))
      throw new GatehouseError('Gatehouse gave an answer that is not a JSON object', 200, 'invalid_response');
    return answer as Record<string, unknown>;
  }
}
