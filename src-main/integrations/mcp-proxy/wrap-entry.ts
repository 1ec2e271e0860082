import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isJsonObject, printJson, type JsonObject, type JsonValue } from '../../core/jsonc.js';

/**
 * One server entry of an MCP client config, put behind the Gatehouse MCP proxy or taken back out.
 *
 * - A local (stdio) entry becomes `{"command": <node>, "args": [<bin/gatehouse.mjs>, "mcp-proxy",
 *   "--server-id", <name>, "--data-dir", <dir>, "--", <command>, ...<args>], ...the rest kept}`.
 * - A remote entry (`url`: Streamable HTTP, or `"type": "sse"`, the HTTP+SSE transport of
 *   2024-11-05, which the proxy finds by itself) becomes a stdio entry running `mcp-proxy --server-id
 *   <name> --url <url>`; its `type` and `headers` go in the entry's `env` as `GATEHOUSE_MCP_REMOTE` (JSON),
 *   where the proxy reads them: out of the process list, which anyone on the machine can read.
 * - Every wrapped entry carries its original, exactly as it was written (its text: comments, number
 *   forms, layout), in `env.GATEHOUSE_MCP_ORIGINAL` (base64 of `{"v":1,"entry":TEXT,"sha256":H}`,
 *   H the hash of the wrapped entry without that variable). Unwrapping puts that text back as it
 *   was — no command line is parsed back — as long as the wrapped entry is still what wrap wrote
 *   (H matches). `env` is where it lives because every client keeps an entry's env when it rewrites
 *   its config (unknown keys may be dropped or flagged), and base64 keeps clients that expand
 *   `${VAR}` / `${input:x}` in env values from touching it. An entry edited since it was wrapped,
 *   or wrapped before the marker existed, is rebuilt from its command line instead.
 */
export type Entry = JsonObject;

/** How a wrapped entry starts the proxy: this Node, this gatehouse, for this data dir. */
export interface ProxyLaunch {
  node: string;
  bin: string;
  dataDir: string;
}

/** The env variable that carries a wrapped remote entry's `type` and `headers`. */
export const REMOTE_ENV = 'GATEHOUSE_MCP_REMOTE';
/** The env variable that carries a wrapped entry's original text. */
export const ORIGINAL_ENV = 'GATEHOUSE_MCP_ORIGINAL';

interface RemoteStash {
  type?: JsonValue;
  headers?: Record<string, string>;
  /** Whether the original entry had an `env` of its own. */
  env?: boolean;
}

/** A config name → a valid server id ([A-Za-z0-9._:-]{1,128}). */
export function serverIdFor(name: string): string {
  return (name.replace(/[^A-Za-z0-9._:-]+/g, '-').replace(/^-+|-+$/g, '') || 'server').slice(0, 128);
}

const proxyArgs = (p: ProxyLaunch, name: string): string[] => [
  p.bin,
  'mcp-proxy',
  '--server-id',
  serverIdFor(name),
  '--data-dir',
  p.dataDir,
];

export const strings = (v: JsonValue | undefined): string[] | null =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null;

/** Where `mcp-proxy` is in a wrapped entry's args, or -1 when the entry is not ours. */
function proxyAt(e: Entry): number {
  const args = strings(e.args);
  if (!args) return -1;
  const p = args.indexOf('mcp-proxy');
  return p >= 0 && p <= 2 ? p : -1;
}

/** Where the original command starts in a wrapped stdio entry's args, or -1 when it is not one. */
export function wrappedAt(e: Entry): number {
  const p = proxyAt(e);
  if (p < 0) return -1;
  const args = e.args as string[];
  const dd = args.indexOf('--', p);
  return dd > p && dd + 1 < args.length ? dd + 1 : -1;
}

/** The URL of a wrapped remote entry, or null. */
function wrappedUrl(e: Entry): string | null {
  const p = proxyAt(e);
  if (p < 0) return null;
  const args = e.args as string[];
  const i = args.indexOf('--url', p);
  return i > p && i + 1 < args.length ? args[i + 1]! : null;
}

/** Whether an entry already runs behind the proxy. */
export const isWrapped = (e: Entry): boolean => wrappedAt(e) >= 0 || wrappedUrl(e) !== null;

export function wrapEntry(name: string, e: Entry, p: ProxyLaunch): Entry {
  const args = strings(e.args) ?? [];
  return { ...e, command: p.node, args: [...proxyArgs(p, name), '--', String(e.command), ...args] };
}

export function wrapRemoteEntry(name: string, e: Entry, p: ProxyLaunch): Entry {
  const { url, type, headers, ...rest } = e;
  const stash: RemoteStash = {};
  if (type !== undefined) stash.type = type;
  if (isJsonObject(headers)) stash.headers = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
  // `type` (VS Code, Claude Code) becomes stdio where it was: first, as those clients write it.
  const out: Entry = {
    ...(type !== undefined ? { type: 'stdio' } : {}),
    ...rest,
    command: p.node,
    args: [...proxyArgs(p, name), '--url', String(url)],
  };
  if (Object.keys(stash).length) {
    stash.env = e.env !== undefined;
    out.env = { ...(isJsonObject(e.env) ? e.env : {}), [REMOTE_ENV]: JSON.stringify(stash) };
  }
  return out;
}

/** The entry without the original it carries (an env left empty by that goes too). */
function withoutOriginal(e: Entry): Entry {
  if (!isJsonObject(e.env) || !(ORIGINAL_ENV in e.env)) return e;
  const { [ORIGINAL_ENV]: _o, ...env } = e.env;
  const { env: _e, ...rest } = e;
  return Object.keys(env).length ? { ...e, env } : rest;
}

const fingerprint = (e: Entry): string =>
  createHash('sha256')
    .update(printJson(withoutOriginal(e), { indent: '', eol: '', compact: true }))
    .digest('hex');

/** `wrapped` carrying `originalText` (the original entry's exact source text). */
export function withOriginal(wrapped: Entry, originalText: string): Entry {
  const env: JsonObject = { ...(isJsonObject(wrapped.env) ? wrapped.env : {}), [ORIGINAL_ENV]: '' };
  const out = { ...wrapped, env };
  const marker = { v: 1, entry: originalText, sha256: fingerprint(out) };
  env[ORIGINAL_ENV] = Buffer.from(JSON.stringify(marker)).toString('base64');
  return out;
}

const Marker = z.object({ v: z.literal(1), entry: z.string(), sha256: z.string() });

/**
 * The original text a wrapped entry carries, when the entry is still as wrap wrote it; else why
 * not (`edited`: changed since; `none`: no marker or an unreadable one).
 */
export function originalOf(e: Entry): { text: string } | { none: 'edited' | 'none' } {
  const raw = isJsonObject(e.env) ? e.env[ORIGINAL_ENV] : undefined;
  if (typeof raw !== 'string') return { none: 'none' };
  let m: z.infer<typeof Marker>;
  try {
    m = Marker.parse(JSON.parse(Buffer.from(raw, 'base64').toString('utf8')));
  } catch {
    return { none: 'none' };
  }
  return m.sha256 === fingerprint(e) ? { text: m.entry } : { none: 'edited' };
}

/** Rebuilds the original of a wrapped entry from its command line (when it carries no usable original). */
export function unwrapEntry(wrapped: Entry): Entry {
  const e = withoutOriginal(wrapped);
  const url = wrappedUrl(e);
  if (url !== null) {
    const { command: _c, args: _a, env, type: _t, ...rest } = e;
    const envObj = isJsonObject(env) ? { ...env } : undefined;
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
  const args = e.args as string[];
  return { ...e, command: args[at]!, args: args.slice(at + 1) };
}
