/**
 * How the hook, the proxy and the SDK find the server, without zod (the hook must start fast and
 * `src-shared/index.ts` builds every schema at import time). Same rules as
 * `config/discovery.ts#discoverServer`: `GATEHOUSE_URL` / `GATEHOUSE_API_KEY` override what
 * `server.json` / `credentials.json` in the data directory (`--data-dir`, `$GATEHOUSE_HOME`,
 * `~/.gatehouse`) say; explicit `url` / `apiKey` options override both.
 */
export interface LightEndpoint {
  url: string | null;
  apiKey: string | null;
  dataDir: string;
}
export declare function resolveEndpoint(o?: {
  url?: string | null;
  apiKey?: string | null;
  dataDir?: string;
  scope?: 'agent' | 'admin';
  env?: NodeJS.ProcessEnv;
}): LightEndpoint;
