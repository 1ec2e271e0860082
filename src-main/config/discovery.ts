import { readCredentials } from './credentials.js';
import { resolveDataDir } from './paths.js';
import { readServerInfo } from './server-info.js';

export interface Endpoint {
  url: string;
  /** The key to use: `GATEHOUSE_API_KEY`, else the requested default key from credentials.json. */
  apiKey: string | null;
  dataDir: string;
}

/**
 * How a client (CLI, hook, proxy, SDK) finds the server: `GATEHOUSE_URL` / `GATEHOUSE_API_KEY`
 * override what `server.json` / `credentials.json` in the data directory say. Returns null when
 * no server is known to run.
 */
export function discoverServer(
  opts: { dataDir?: string; scope?: 'agent' | 'admin'; env?: NodeJS.ProcessEnv } = {},
): Endpoint | null {
  const env = opts.env ?? process.env;
  const dataDir = resolveDataDir(opts.dataDir, env);
  // An empty variable (`GATEHOUSE_URL=`) counts as unset.
  const url = env.GATEHOUSE_URL || readServerInfo(dataDir)?.url || null;
  if (!url) return null;
  const creds = env.GATEHOUSE_API_KEY ? null : readCredentials(dataDir);
  const apiKey = env.GATEHOUSE_API_KEY || (creds ? (opts.scope === 'agent' ? creds.agent_key : creds.admin_key) : null);
  return { url: url.replace(/\/+$/, ''), apiKey, dataDir };
}
