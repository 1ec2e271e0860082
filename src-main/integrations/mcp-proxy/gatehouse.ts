import { ApiError, GatehouseApi, UnreachableError } from '../../../src-shared/client.js';
import { resolveEndpoint } from '../shared/endpoint.js';
import { keepAliveFetch } from '../shared/http-fetch.js';

/**
 * The proxy's way to Gatehouse: found like every client (env, server.json, credentials.json; the
 * agent key), re-found after an outage (the server may have moved to another port).
 */
export class GatehouseLink {
  private api: GatehouseApi | null = null;
  private stale = true;

  constructor(private readonly o: { api?: () => GatehouseApi | null; dataDir?: string }) {}

  private current(): GatehouseApi | null {
    if (this.o.api) return this.o.api();
    if (this.api && !this.stale) return this.api;
    const ep = resolveEndpoint({ dataDir: this.o.dataDir, scope: 'agent' });
    this.stale = false;
    this.api =
      ep.url && ep.apiKey
        ? new GatehouseApi({ baseUrl: ep.url, apiKey: ep.apiKey, timeoutMs: 10_000, fetch: keepAliveFetch as typeof fetch })
        : null;
    return this.api;
  }

  /** Calls the API; an unreachable server makes the next call look for it again. */
  async call<T>(f: (api: GatehouseApi) => Promise<T>): Promise<T> {
    const api = this.current();
    if (!api) {
      this.stale = true;
      throw new UnreachableError('Gatehouse is not running (no server.json and no GATEHOUSE_URL, or no API key)');
    }
    try {
      return await f(api);
    } catch (e) {
      if (e instanceof UnreachableError) this.stale = true;
      throw e;
    }
  }
}

/** Why a call could not be decided, in words for the `Blocked by Gatehouse: …` answer. */
export function failureReason(e: unknown): string {
  if (e instanceof UnreachableError) return `Gatehouse is unreachable, so tool calls are refused until it is back (${e.message})`;
  if (e instanceof ApiError) return `Gatehouse could not evaluate the call (${e.status} ${e.code}: ${e.message})`;
  return `Gatehouse could not evaluate the call (${(e as Error)?.message ?? String(e)})`;
}
