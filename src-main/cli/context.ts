import { GatehouseApi, ApiError, UnreachableError } from '../../src-shared/client.js';
import { resolveDataDir } from '../config/paths.js';
import { discoverServer } from './discovery.js';

/** A CLI failure: printed as one line, exit code 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * No server known to run: says which data directory was looked in (`--data-dir`, else
 * `$GATEHOUSE_HOME`, else ~/.gatehouse), so a server started for another one is told apart.
 */
export function notRunning(dataDir?: string): CliError {
  const dir = resolveDataDir(dataDir);
  const start = dataDir ? `\`gatehouse serve --data-dir ${/\s/.test(dir) ? `'${dir}'` : dir}\`` : '`gatehouse serve` or `npm start`';
  return new CliError(`Gatehouse is not running for the data directory ${dir} (no server.json there). Start it with ${start}.`);
}

/** The API client for the running server, or a one-line error when none runs. */
export function connect(flags: { dataDir?: string } = {}): GatehouseApi {
  return connectEndpoint(flags).api;
}

/** The same, with where the server is: its URL and the data directory it was found through. */
export function connectEndpoint(flags: { dataDir?: string } = {}): { api: GatehouseApi; url: string; dataDir: string } {
  // Only the data dir is taken from the flags: a verb's own options (e.g. `keys create --scope`)
  // must never change which key the CLI itself uses. The CLI acts as the admin.
  const ep = discoverServer({ dataDir: flags.dataDir, scope: 'admin' });
  if (!ep) throw notRunning(flags.dataDir);
  if (!ep.apiKey) throw new CliError(`No API key: set GATEHOUSE_API_KEY or check ${ep.dataDir}/credentials.json.`);
  return { api: new GatehouseApi({ baseUrl: ep.url, apiKey: ep.apiKey }), url: ep.url, dataDir: ep.dataDir };
}

/** Turns API and network errors into one clear line. */
export function explain(e: unknown): string {
  if (e instanceof CliError) return e.message;
  if (e instanceof UnreachableError) return `${e.message}. Is the server running? (gatehouse serve)`;
  if (e instanceof ApiError) {
    const d = e.body?.error.details?.map((x) => `${x.path}: ${x.message}`).join('; ');
    return `${e.status} ${e.code}: ${e.message}${d && !e.message.includes(d) ? ` (${d})` : ''}`;
  }
  return (e as Error)?.message ?? String(e);
}

export function printJson(v: unknown): void {
  process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
}
