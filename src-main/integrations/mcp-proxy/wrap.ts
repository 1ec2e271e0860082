import { resolve } from 'node:path';
import { readJsonObject, writeJsonAtomic, JsonFileError } from '../shared/json-file.js';
import { gatehouseBin } from '../shared/self.js';
import { resolveDataDir } from '../../config/paths.js';

/**
 * `gatehouse mcp wrap --config FILE [--unwrap]`: puts every server of an MCP client config behind
 * the Gatehouse MCP proxy, or restores them. Configs: Claude Desktop / Cursor / Claude Code
 * (`{"mcpServers": {...}}`) and VS Code (`{"servers": {...}}`).
 *
 * - A local (stdio) entry becomes `{"command": <node>, "args": [<bin/gatehouse.mjs>, "mcp-proxy",
 *   "--server-id", <name>, "--data-dir", <dir>, "--", <command>, ...<args>], ...the rest kept}`:
 *   the original command line is kept verbatim after `--`. The data dir is the one wrap ran for
 *   (`--data-dir`, `$GATEHOUSE_HOME`, `~/.gatehouse`), named so the proxy finds that server whatever
 *   environment the MCP client starts it in.
 * - A remote entry (`url`, Streamable HTTP) becomes a stdio entry running `mcp-proxy --server-id
 *   <name> --url <url>`; its `type` and `headers` are kept in the entry's `env` as
 *   `GATEHOUSE_MCP_REMOTE` (JSON) — where the proxy reads the headers, out of the process list —
 *   so `--unwrap` restores the entry exactly. Legacy SSE servers (`type: "sse"`) are skipped.
 *
 * Everything else in the file is kept; the write is atomic and the previous version is kept as
 * `<file>.gatehouse.bak`.
 */
export interface WrapOptions {
  config: string;
  unwrap?: boolean;
  dataDir?: string;
  log?: (line: string) => void;
  /** For tests: the node and gatehouse paths written into wrapped entries. */
  node?: string;
  bin?: string;
}

type Entry = Record<string, unknown>;

/** How a wrapped entry starts the proxy: this Node, this gatehouse, for this data dir. */
export interface ProxyLaunch {
  node: string;
  bin: string;
  dataDir: string;
}

const proxyArgs = (p: ProxyLaunch, name: string): string[] => [
  p.bin,
  'mcp-proxy',
  '--server-id',
  serverIdFor(name),
  '--data-dir',
  p.dataDir,
];

/** The env variable that carries a wrapped remote entry's `type` and `headers`. */
export const REMOTE_ENV = 'GATEHOUSE_MCP_REMOTE';

interface RemoteStash {
  type?: unknown;
  headers?: Record<string, string>;
  /** Whether the original entry had an `env` of its own. */
  env?: boolean;
}

/** A config name → a valid server id ([A-Za-z0-9._:-]{1,128}). */
export function serverIdFor(name: string): string {
  return (name.replace(/[^A-Za-z0-9._:-]+/g, '-').replace(/^-+|-+$/g, '') || 'server').slice(0, 128);
}

/** Where `mcp-proxy` is in a wrapped entry's args, or -1 when the entry is not ours. */
function proxyAt(e: Entry): number {
  const args = e.args;
  if (!Array.isArray(args)) return -1;
  const p = args.indexOf('mcp-proxy');
  return p >= 0 && p <= 2 ? p : -1;
}

/** Where the original command starts in a wrapped stdio entry's args, or -1 when it is not one. */
export function wrappedAt(e: Entry): number {
  const p = proxyAt(e);
  if (p < 0) return -1;
  const args = e.args as unknown[];
  const dd = args.indexOf('--', p);
  return dd > p && dd + 1 < args.length ? dd + 1 : -1;
}

/** The URL of a wrapped remote entry, or null. */
function wrappedUrl(e: Entry): string | null {
  const p = proxyAt(e);
  if (p < 0) return null;
  const args = (e.args as unknown[]).map(String);
  const i = args.indexOf('--url', p);
  return i > p && i + 1 < args.length ? args[i + 1]! : null;
}

export function wrapEntry(name: string, e: Entry, p: ProxyLaunch): Entry {
  const args = Array.isArray(e.args) ? (e.args as unknown[]).map(String) : [];
  return { ...e, command: p.node, args: [...proxyArgs(p, name), '--', String(e.command), ...args] };
}

export function wrapRemoteEntry(name: string, e: Entry, p: ProxyLaunch): Entry {
  const { url, type, headers, ...rest } = e;
  const stash: RemoteStash = {};
  if (type !== undefined) stash.type = type;
  if (headers && typeof headers === 'object' && !Array.isArray(headers)) {
    stash.headers = Object.fromEntries(Object.entries(headers as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  }
  const out: Entry = { ...rest, command: p.node, args: [...proxyArgs(p, name), '--url', String(url)] };
  if (type !== undefined) out.type = 'stdio';
  if (Object.keys(stash).length) {
    stash.env = e.env !== undefined;
    out.env = { ...(e.env && typeof e.env === 'object' ? (e.env as Record<string, unknown>) : {}), [REMOTE_ENV]: JSON.stringify(stash) };
  }
  return out;
}

export function unwrapEntry(e: Entry): Entry {
  const url = wrappedUrl(e);
  if (url !== null) {
    const { command: _c, args: _a, env, type: _t, ...rest } = e;
    const envObj = env && typeof env === 'object' ? { ...(env as Record<string, unknown>) } : undefined;
    let stash: RemoteStash = {};
    try {
      stash = JSON.parse(String(envObj?.[REMOTE_ENV] ?? '{}')) as RemoteStash;
    } catch {
      stash = {};
    }
    if (envObj) delete envObj[REMOTE_ENV];
    const out: Entry = { ...rest, url };
    if (stash.type !== undefined) out.type = stash.type;
    if (stash.headers) out.headers = stash.headers;
    if (envObj && (stash.env || Object.keys(envObj).length)) out.env = envObj;
    return out;
  }
  const at = wrappedAt(e);
  const args = (e.args as unknown[]).map(String);
  return { ...e, command: args[at], args: args.slice(at + 1) };
}

export async function runMcpWrap(o: WrapOptions): Promise<number> {
  const log = o.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const file = resolve(o.config);
  const f = readJsonObject(file, { mustExist: true });
  const keys = (['mcpServers', 'servers'] as const).filter((k) => {
    const v = f.data[k];
    return !!v && typeof v === 'object' && !Array.isArray(v);
  });
  if (!keys.length) {
    throw new JsonFileError(
      `${file} has no "mcpServers" object (Claude Desktop, Cursor, Claude Code) nor a "servers" object (VS Code); it was left untouched`,
    );
  }
  const launch: ProxyLaunch = { node: o.node ?? process.execPath, bin: o.bin ?? gatehouseBin(), dataDir: resolveDataDir(o.dataDir) };
  let changed = 0;
  for (const key of keys) {
    const next: Record<string, unknown> = {};
    for (const [name, raw] of Object.entries(f.data[key] as Record<string, unknown>)) {
      next[name] = raw;
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
        log(`  skipped ${name}: not a server object`);
        continue;
      }
      const e = raw as Entry;
      const ours = proxyAt(e) >= 0 && (wrappedAt(e) >= 0 || wrappedUrl(e) !== null);
      if (o.unwrap) {
        if (!ours) {
          log(`  skipped ${name}: not wrapped`);
          continue;
        }
        next[name] = unwrapEntry(e);
        changed++;
        const u = next[name] as Entry;
        log(`  unwrapped ${name}: ${String(u.url ?? u.command)}`);
        continue;
      }
      if (ours) {
        log(`  skipped ${name}: already behind Gatehouse`);
        continue;
      }
      const url = typeof e.url === 'string' ? e.url : typeof e.serverUrl === 'string' ? e.serverUrl : null;
      if (url !== null || (typeof e.type === 'string' && e.type !== 'stdio')) {
        if (e.type === 'sse') {
          log(`  skipped ${name}: a legacy SSE server — the proxy speaks Streamable HTTP`);
          continue;
        }
        if (typeof e.url !== 'string' || !/^https?:\/\//i.test(e.url)) {
          log(`  skipped ${name}: a remote server without an http(s) "url"`);
          continue;
        }
        next[name] = wrapRemoteEntry(name, e, launch);
        changed++;
        log(`  wrapped ${name} (remote, server id ${serverIdFor(name)})`);
        continue;
      }
      if (typeof e.command !== 'string' || !e.command) {
        log(`  skipped ${name}: no "command"`);
        continue;
      }
      next[name] = wrapEntry(name, e, launch);
      changed++;
      log(`  wrapped ${name} (server id ${serverIdFor(name)})`);
    }
    f.data[key] = next;
  }
  if (!changed) {
    log(`Nothing to ${o.unwrap ? 'unwrap' : 'wrap'} in ${file}; it was left untouched.`);
    return 0;
  }
  const backup = writeJsonAtomic(file, f.data);
  log(
    `${o.unwrap ? 'Restored' : 'Put behind Gatehouse'}: ${changed} server${changed === 1 ? '' : 's'} in ${file} (previous version: ${backup}).` +
      ` Restart the MCP client to apply.${o.unwrap ? '' : ` They use the data dir ${launch.dataDir}. Undo with: gatehouse mcp wrap --config ${file} --unwrap`}`,
  );
  return 0;
}
