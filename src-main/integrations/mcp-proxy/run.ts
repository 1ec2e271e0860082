import { shellQuote } from '../shared/self.js';
import { ChildLink, StreamLink, type RawLink } from './links.js';
import { McpGovernanceProxy } from './proxy.js';
import { ORIGINAL_ENV, REMOTE_ENV } from './wrap-entry.js';

/**
 * `gatehouse mcp-proxy --server-id ID [--agent-id ID] [--wait S] [--govern-reads] -- COMMAND [ARGS...]`
 * or `... --url URL [--header "Name: value"]...` (SPEC 9.2): an MCP server on this process's
 * stdio that runs the real server as a child (or talks to a remote one over Streamable HTTP, or the
 * 2024-11-05 HTTP+SSE transport for a server that only speaks that: remote-link.ts) and
 * relays everything byte for byte, deciding each `tools/call` with Gatehouse first. Only MCP
 * messages go to stdout; diagnostics go to stderr (and a child's stderr is passed through).
 * Exits when either side closes; a child's exit code becomes ours.
 */
export interface McpProxyOptions {
  serverId: string;
  agentId?: string;
  wait?: string | number;
  dataDir?: string;
  governReads?: boolean;
  url?: string;
  header?: string[];
}

const SERVER_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Ours, not the governed server's: the Gatehouse key, and what `mcp wrap` keeps in a wrapped entry's env. */
const NOT_FOR_CHILD = new Set(['GATEHOUSE_API_KEY', ORIGINAL_ENV, REMOTE_ENV]);

/** The child's environment: ours, without what is Gatehouse's (the governed server has no business with it). */
function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !NOT_FOR_CHILD.has(k)) env[k] = v;
  return env;
}

/** `--header "Name: value"` options as a header record; a malformed one is an error naming it. */
export function parseHeaders(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of list ?? []) {
    const i = h.indexOf(':');
    const name = i > 0 ? h.slice(0, i).trim() : '';
    if (!name || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      throw new Error(`--header must look like "Name: value" (got ${JSON.stringify(h)})`);
    out[name] = h.slice(i + 1).trim();
  }
  return out;
}

/** Headers kept by `mcp wrap` for a remote entry (in the env, out of the process list). */
function headersFromEnv(): Record<string, string> {
  const raw = process.env[REMOTE_ENV];
  if (!raw) return {};
  try {
    const h = (JSON.parse(raw) as { headers?: unknown }).headers;
    if (!h || typeof h !== 'object' || Array.isArray(h)) return {};
    return Object.fromEntries(Object.entries(h as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  } catch {
    throw new Error(`${REMOTE_ENV} is not valid JSON`);
  }
}

export async function runMcpProxy(command: string[], o: McpProxyOptions): Promise<number> {
  const log = (l: string) => process.stderr.write(`gatehouse mcp-proxy [${o.serverId}]: ${l}\n`);
  if (!SERVER_ID.test(o.serverId ?? ''))
    throw new Error(`--server-id must be 1-128 characters of A-Z a-z 0-9 . _ : - (got ${JSON.stringify(o.serverId)})`);
  const waitS = Number(o.wait ?? 300);

  let down: RawLink;
  let child: ChildLink | null = null;
  let commandLine: string;
  if (o.url) {
    if (command.length) throw new Error('give either --url URL or -- COMMAND [ARGS...], not both');
    let url: URL;
    try {
      url = new URL(o.url);
    } catch {
      throw new Error(`--url must be an http(s) URL (got ${JSON.stringify(o.url)})`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`--url must be an http(s) URL (got ${JSON.stringify(o.url)})`);
    const { RemoteLink } = await import('./remote-link.js');
    down = new RemoteLink(url, { ...headersFromEnv(), ...parseHeaders(o.header) }, log);
    commandLine = url.origin + url.pathname; // never the query or the headers: they may hold credentials
  } else {
    const [cmd, ...args] = command;
    if (!cmd) throw new Error('no server: gatehouse mcp-proxy --server-id ID -- COMMAND [ARGS...]   or   --url URL');
    child = new ChildLink(cmd, args, childEnv());
    down = child;
    commandLine = command.map(shellQuote).join(' ');
  }

  const up = new StreamLink(process.stdin, process.stdout);
  const proxy = new McpGovernanceProxy(up, down, {
    serverId: o.serverId,
    agentId: o.agentId || 'mcp-client',
    waitS: Number.isFinite(waitS) && waitS >= 0 ? waitS : 300,
    governReads: !!o.governReads,
    commandLine,
    dataDir: o.dataDir,
    log,
  });

  try {
    await proxy.start();
  } catch (e) {
    log(`cannot start ${o.url ?? command[0]}: ${(e as Error).message}`);
    return 127;
  }

  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping the server`);
    void up.close();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  process.once('SIGHUP', onSignal);

  const side = await proxy.done;
  if (side === 'client') {
    // Answers that arrive while the server shuts down still settle their calls.
    await down.close();
    await proxy.governance.end('client disconnected');
  } else {
    await proxy.governance.end('server exited');
    await up.close().catch(() => undefined);
  }
  const exit = child ? await Promise.race([child.whenExited(), new Promise<null>((r) => setTimeout(() => r(null), 3_000).unref())]) : null;
  const code = side === 'server' ? (exit?.code ?? (exit?.signal ? 1 : 0)) : exit?.code && exit.code > 0 && !stopping ? exit.code : 0;
  if (side === 'server')
    log(child ? `the server exited (${exit?.signal ?? `code ${exit?.code ?? '?'}`})` : 'the remote server closed the connection');
  await new Promise<void>((r) => process.stdout.write('', () => r()));
  process.exit(code);
}
