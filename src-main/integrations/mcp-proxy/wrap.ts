import { resolve } from 'node:path';
import { applyEdits, type Edit } from 'jsonc-parser';
import { resolveDataDir } from '../../config/paths.js';
import { JsonFileError, readTextFile, writeTextAtomic, type TextFile } from '../shared/json-file.js';
import {
  indentAt,
  JsoncError,
  objectsAt,
  parseJsonc,
  printJson,
  styleOf,
  valueOf,
  type JsonNode,
  type JsonObjectNode,
} from '../../core/jsonc.js';
import { gatehouseBin } from '../shared/self.js';
import {
  isWrapped,
  originalOf,
  serverIdFor,
  strings,
  unwrapEntry,
  withOriginal,
  wrapEntry,
  wrapRemoteEntry,
  type Entry,
  type ProxyLaunch,
} from './wrap-entry.js';

/**
 * `gatehouse mcp wrap --config FILE [--unwrap]` (SPEC 9.2): puts every server of an MCP client
 * config behind the Gatehouse MCP proxy, or restores them (wrap-entry.ts says how an entry
 * changes). The servers are found under `mcpServers` (Claude Desktop, Cursor, Claude Code's
 * `.mcp.json`, and `~/.claude.json` with its per-project `projects["/path"].mcpServers`), `servers`
 * (VS Code `mcp.json`) and `mcp.servers` (VS Code `settings.json`).
 *
 * The file is edited as text (JSONC: comments and trailing commas allowed): only the server
 * entries that change are rewritten, every other byte stays as it was, so wrap then unwrap gives
 * back the file byte for byte. Wrapping a wrapped entry changes nothing. The write is atomic,
 * keeps the file's mode, and keeps its previous version in a backup that is never overwritten.
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

interface Place {
  servers: JsonObjectNode;
  /** How log lines name where the servers are, after a server's name. */
  where: string;
}

const CONTAINERS = ['mcpServers', 'servers', 'mcp'] as const;

function parseConfig(file: TextFile): JsonObjectNode {
  let root: JsonNode;
  try {
    root = parseJsonc(file.text);
  } catch (e) {
    if (e instanceof JsoncError)
      throw new JsonFileError(`${file.path} is not valid JSON (${e.message}); fix it first — it was left untouched`);
    throw e;
  }
  if (root.kind !== 'object') throw new JsonFileError(`${file.path} does not hold a JSON object; it was left untouched`);
  for (const m of root.members)
    if ((CONTAINERS as readonly string[]).includes(m.key) && m.value.kind !== 'object')
      throw new JsonFileError(`${file.path}: "${m.key}" is not an object; it was left untouched`);
  return root;
}

function placesOf(root: JsonObjectNode): Place[] {
  const out: Place[] = [];
  for (const servers of objectsAt(root, 'mcpServers')) out.push({ servers, where: '' });
  for (const servers of objectsAt(root, 'servers')) out.push({ servers, where: '' });
  for (const mcp of objectsAt(root, 'mcp')) for (const servers of objectsAt(mcp, 'servers')) out.push({ servers, where: ' (mcp.servers)' });
  for (const projects of objectsAt(root, 'projects'))
    for (const p of projects.members)
      if (p.value.kind === 'object')
        for (const servers of objectsAt(p.value, 'mcpServers')) out.push({ servers, where: ` (project ${p.key})` });
  return out;
}

/** What becomes of one entry: its new value (or exact text), or why it stays. */
type Outcome = { entry: Entry | string; done: string } | { skip: string };

function wrapOne(name: string, node: JsonNode, text: string, launch: ProxyLaunch): Outcome {
  if (node.kind !== 'object') return { skip: 'not a server object' };
  const e = valueOf(node) as Entry;
  if (isWrapped(e)) return { skip: 'already behind Gatehouse' };
  const original = text.slice(node.start, node.end);
  const id = serverIdFor(name);
  if (e.url !== undefined || e.serverUrl !== undefined || (typeof e.type === 'string' && e.type !== 'stdio')) {
    if (typeof e.url !== 'string' || !/^https?:\/\//i.test(e.url)) return { skip: 'a remote server without an http(s) "url"' };
    return {
      entry: withOriginal(wrapRemoteEntry(name, e, launch), original),
      done: `wrapped ${name} (remote${e.type === 'sse' ? ', HTTP+SSE' : ''}, server id ${id})`,
    };
  }
  if (typeof e.command !== 'string' || !e.command) return { skip: 'no "command"' };
  if (e.args !== undefined && !strings(e.args)) return { skip: '"args" is not a list of strings' };
  return { entry: withOriginal(wrapEntry(name, e, launch), original), done: `wrapped ${name} (server id ${id})` };
}

function unwrapOne(name: string, node: JsonNode): Outcome {
  if (node.kind !== 'object') return { skip: 'not a server object' };
  const e = valueOf(node) as Entry;
  if (!isWrapped(e)) return { skip: 'not wrapped' };
  const o = originalOf(e);
  if ('text' in o && parseJsonc(o.text).kind === 'object') return { entry: o.text, done: `restored ${name} as it was` };
  const u = unwrapEntry(e);
  const why = 'none' in o && o.none === 'edited' ? ' (rebuilt from its command line: it was edited after it was wrapped)' : '';
  return { entry: u, done: `restored ${name}: ${String(u.url ?? u.command)}${why}` };
}

export async function runMcpWrap(o: WrapOptions): Promise<number> {
  const log = o.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const file = readTextFile(resolve(o.config));
  const places = placesOf(parseConfig(file));
  if (!places.length) {
    throw new JsonFileError(
      `${file.path} has no "mcpServers" object (Claude Desktop, Cursor, Claude Code), no "servers" object (VS Code mcp.json) and no "mcp": {"servers"} (VS Code settings); it was left untouched`,
    );
  }
  if (!places.some((p) => p.servers.members.length)) {
    log(`${file.path} has no MCP servers; it was left untouched.`);
    return 0;
  }
  const launch: ProxyLaunch = { node: o.node ?? process.execPath, bin: o.bin ?? gatehouseBin(), dataDir: resolveDataDir(o.dataDir) };
  const { indent, eol } = styleOf(file.text);
  const edits: Edit[] = [];
  for (const { servers, where } of places) {
    const compact = !file.text.slice(servers.start, servers.end).includes('\n');
    for (const { key: name, value: node } of servers.members) {
      const r = o.unwrap ? unwrapOne(name, node) : wrapOne(name, node, file.text, launch);
      if ('skip' in r) {
        log(`  skipped ${name}${where}: ${r.skip}`);
        continue;
      }
      const text = typeof r.entry === 'string' ? r.entry : printJson(r.entry, { indent, eol, compact }, indentAt(file.text, node.start));
      edits.push({ offset: node.start, length: node.end - node.start, content: text });
      log(`  ${r.done}${where}`);
    }
  }
  if (!edits.length) {
    log(`Nothing to ${o.unwrap ? 'unwrap' : 'wrap'} in ${file.path}; it was left untouched.`);
    return 0;
  }
  const next = applyEdits(file.text, edits);
  parseJsonc(next); // what is written reads back (a JsoncError here is a bug, and nothing is written)
  const backup = writeTextAtomic(file, next);
  const n = edits.length;
  log(
    `${o.unwrap ? 'Restored' : 'Put behind Gatehouse'}: ${n} server${n === 1 ? '' : 's'} in ${file.path} (previous version: ${backup}).` +
      ` Restart the MCP client to apply.${o.unwrap ? '' : ` They use the data dir ${launch.dataDir}. Undo with: gatehouse mcp wrap --config ${file.path} --unwrap`}`,
  );
  return 0;
}
