import { resolve } from 'node:path';
import { readJsonObject, writeJsonAtomic, JsonFileError } from '../shared/json-file.js';
import { gatehouseBin } from '../shared/self.js';

/**
 * `gatehouse mcp wrap --config FILE [--unwrap]`: puts every stdio server of a Claude Desktop /
 * Cursor style config (`{"mcpServers": {"name": {"command", "args", "env", ...}}}`) behind the
 * Gatehouse MCP proxy, or restores them. A wrapped entry is
 * `{"command": <node>, "args": [<bin/gatehouse.mjs>, "mcp-proxy", "--server-id", <name>, "--", <command>, ...<args>], ...the rest kept}`,
 * so the original command line is kept verbatim after `--` and `--unwrap` restores it exactly.
 * Remote servers (`url`) are skipped: the proxy governs stdio servers. Everything else in the file
 * is kept; the write is atomic and the previous version is kept as `<file>.gatehouse.bak`.
 */
export interface WrapOptions {
  config: string;
  unwrap?: boolean;
  log?: (line: string) => void;
  /** For tests: the node and gatehouse paths written into wrapped entries. */
  node?: string;
  bin?: string;
}

type Entry = Record<string, unknown>;

/** A config name → a valid server id ([A-Za-z0-9._:-]{1,128}). */
export function serverIdFor(name: string): string {
  return (name.replace(/[^A-Za-z0-9._:-]+/g, '-').replace(/^-+|-+$/g, '') || 'server').slice(0, 128);
}

/** Where the original command starts in a wrapped entry's args, or -1 when it is not ours. */
export function wrappedAt(e: Entry): number {
  const args = e.args;
  if (!Array.isArray(args)) return -1;
  const p = args.indexOf('mcp-proxy');
  if (p < 0 || p > 2) return -1;
  const dd = args.indexOf('--', p);
  return dd > p && dd + 1 < args.length ? dd + 1 : -1;
}

export function wrapEntry(name: string, e: Entry, node: string, bin: string): Entry {
  const args = Array.isArray(e.args) ? (e.args as unknown[]).map(String) : [];
  return { ...e, command: node, args: [bin, 'mcp-proxy', '--server-id', serverIdFor(name), '--', String(e.command), ...args] };
}

export function unwrapEntry(e: Entry): Entry {
  const at = wrappedAt(e);
  const args = (e.args as unknown[]).map(String);
  const out: Entry = { ...e, command: args[at], args: args.slice(at + 1) };
  return out;
}

export async function runMcpWrap(o: WrapOptions): Promise<number> {
  const log = o.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const file = resolve(o.config);
  const f = readJsonObject(file, { mustExist: true });
  const servers = f.data.mcpServers;
  if (!servers || typeof servers !== 'object' || Array.isArray(servers)) {
    throw new JsonFileError(`${file} has no "mcpServers" object (expected a Claude Desktop / Cursor style config); it was left untouched`);
  }
  const node = o.node ?? process.execPath;
  const bin = o.bin ?? gatehouseBin();
  const next: Record<string, unknown> = {};
  let changed = 0;
  for (const [name, raw] of Object.entries(servers as Record<string, unknown>)) {
    next[name] = raw;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      log(`  skipped ${name}: not a server object`);
      continue;
    }
    const e = raw as Entry;
    const at = wrappedAt(e);
    if (o.unwrap) {
      if (at < 0) {
        log(`  skipped ${name}: not wrapped`);
        continue;
      }
      next[name] = unwrapEntry(e);
      changed++;
      log(`  unwrapped ${name}: ${String((next[name] as Entry).command)}`);
      continue;
    }
    if (at >= 0) {
      log(`  skipped ${name}: already behind Gatehouse`);
      continue;
    }
    if (typeof e.url === 'string' || typeof e.serverUrl === 'string' || (typeof e.type === 'string' && e.type !== 'stdio')) {
      log(`  skipped ${name}: a remote (HTTP/SSE) server — the proxy governs local stdio servers only`);
      continue;
    }
    if (typeof e.command !== 'string' || !e.command) {
      log(`  skipped ${name}: no "command"`);
      continue;
    }
    next[name] = wrapEntry(name, e, node, bin);
    changed++;
    log(`  wrapped ${name} (server id ${serverIdFor(name)})`);
  }
  if (!changed) {
    log(`Nothing to ${o.unwrap ? 'unwrap' : 'wrap'} in ${file}; it was left untouched.`);
    return 0;
  }
  f.data.mcpServers = next;
  const backup = writeJsonAtomic(file, f.data);
  log(
    `${o.unwrap ? 'Restored' : 'Put behind Gatehouse'}: ${changed} server${changed === 1 ? '' : 's'} in ${file} (previous version: ${backup}).` +
      ` Restart the MCP client to apply.${o.unwrap ? '' : ` Undo with: gatehouse mcp wrap --config ${file} --unwrap`}`,
  );
  return 0;
}
