import { resolveEndpoint } from '../integrations/shared/endpoint.js';

export interface Endpoint {
  url: string;
  /** The key to use: `GATEHOUSE_API_KEY`, else the requested default key from credentials.json. */
  apiKey: string | null;
  dataDir: string;
}

/**
 * How the CLI finds the server: the one set of rules in `resolveEndpoint` (`GATEHOUSE_URL` /
 * `GATEHOUSE_API_KEY`, empty meaning unset, override `server.json` / `credentials.json`).
 * Returns null when no server is known to run. The CLI acts as the admin unless told otherwise.
 */
export function discoverServer(opts: { dataDir?: string; scope?: 'agent' | 'admin'; env?: NodeJS.ProcessEnv } = {}): Endpoint | null {
  const ep = resolveEndpoint({ dataDir: opts.dataDir, scope: opts.scope ?? 'admin', env: opts.env });
  return ep.url ? { url: ep.url, apiKey: ep.apiKey, dataDir: ep.dataDir } : null;
}
