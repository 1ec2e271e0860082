import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveDataDir } from '../../config/paths.js';

/**
 * How the hook, the proxy and the SDK find the server, without zod (the hook must start fast and
 * `src-shared/index.ts` builds every schema at import time). Same rules as
 * `cli/discovery.ts#discoverServer`: `GATEHOUSE_URL` / `GATEHOUSE_API_KEY` override what
 * `server.json` / `credentials.json` in the data directory (`--data-dir`, `$GATEHOUSE_HOME`,
 * `~/.gatehouse`) say; explicit `url` / `apiKey` options override both.
 */
export interface LightEndpoint {
  url: string | null;
  apiKey: string | null;
  dataDir: string;
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function resolveEndpoint(
  o: { url?: string | null; apiKey?: string | null; dataDir?: string; scope?: 'agent' | 'admin'; env?: NodeJS.ProcessEnv } = {},
): LightEndpoint {
  const env = o.env ?? process.env;
  const dataDir = resolveDataDir(o.dataDir, env);
  let url = o.url || env.GATEHOUSE_URL || null;
  if (!url) {
    const info = readJson(join(dataDir, 'server.json'));
    url = typeof info?.url === 'string' ? info.url : null;
  }
  let apiKey = o.apiKey || env.GATEHOUSE_API_KEY || null;
  if (!apiKey) {
    const creds = readJson(join(dataDir, 'credentials.json'));
    const k = creds?.[o.scope === 'admin' ? 'admin_key' : 'agent_key'];
    apiKey = typeof k === 'string' ? k : null;
  }
  return { url: url ? url.replace(/\/+$/, '') : null, apiKey, dataDir };
}
