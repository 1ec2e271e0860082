import { createHash, type Hash } from 'node:crypto';
import type { ActionRequest } from '../../../src-shared/schemas/action.js';
import { isWhiteSpace } from '../../../src-shared/white-space.js';
import { someText } from '../../core/text.js';
import { actionTypeSafe, clip, resourceFromArgs } from '../tool-call.js';
import { HookInputError, type HookAnswer } from './types.js';

/** Helpers every adapter shares: field access, bounded parameters, MCP names, patches. */

export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
export const obj = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
/**
 * `s` on one line, clipped: `clip(s.replace(/\s+/g, ' ').trim(), max)`, reading only as far as the
 * clip needs (a 1 MiB command made the regex build a 1 MiB string for a 160-character headline).
 */
export function oneLine(s: string, max = 160): string {
  let out = '';
  let gap = false;
  for (let i = 0; i < s.length; i++) {
    if (isWhiteSpace(s.charCodeAt(i))) {
      gap = out.length > 0;
      continue;
    }
    if (gap) out += ' ';
    gap = false;
    out += s[i];
    if (out.length > max) return clip(out, max);
  }
  return out;
}

/** A JSON answer line. */
export const jsonLine = (v: unknown): string => `${JSON.stringify(v)}\n`;
export const answer = (stdout: string, exit_code = 0, stderr = ''): HookAnswer => ({ stdout, stderr, exit_code });

/** Tool arguments given as a JSON string (Cursor's MCP `tool_input`, Copilot's `toolArgs`) or an object. */
export function argsObject(v: unknown): Record<string, unknown> {
  if (typeof v === 'string') {
    try {
      const parsed: unknown = JSON.parse(v);
      return obj(parsed) ?? { value: parsed };
    } catch {
      return v === '' ? {} : { value: v };
    }
  }
  if (v === undefined || v === null) return {};
  return obj(v) ?? { value: v };
}

const MAX_PARAMS_JSON = 256 * 1024;
const MAX_STRING_IN_LARGE_PARAMS = 16 * 1024;

/** Huge tool inputs (a write of a big file) are cut so the request stays far below the 1 MiB limit. */
export function boundParameters(p: Record<string, unknown>): Record<string, unknown> {
  // A big input is cut without writing it out as JSON first (a 1 MiB command cost ~10 ms in JSON.stringify calls).
  // Its strings and keys alone, longer than the limit, are a lower bound of its JSON's length: read only that far.
  let left = MAX_PARAMS_JSON;
  if (!someText([p], (s) => (left -= s.length) < 0, 64)) {
    try {
      if (JSON.stringify(p).length <= MAX_PARAMS_JSON) return p;
    } catch {
      return { note: 'tool input could not be serialized' };
    }
  }
  const shrink = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string')
      return v.length > MAX_STRING_IN_LARGE_PARAMS
        ? `${v.slice(0, MAX_STRING_IN_LARGE_PARAMS)}…[${v.length - MAX_STRING_IN_LARGE_PARAMS} more characters not sent]`
        : v;
    if (depth > 6 || !v || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.slice(0, 200).map((x) => shrink(x, depth + 1));
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .slice(0, 200)
        .map(([k, x]) => [k, shrink(x, depth + 1)]),
    );
  };
  const out = shrink(p, 0) as Record<string, unknown>;
  let shrunk: string;
  try {
    shrunk = JSON.stringify(out);
  } catch {
    return { note: 'tool input could not be serialized' };
  }
  if (shrunk.length <= MAX_PARAMS_JSON * 2) return out;
  return { note: `tool input too large to send (${shrunk.length} characters with its long texts cut)` };
}

/** `mcp__<server>__<tool>` → {server, tool}; the server name may itself contain single underscores. */
export function splitMcpName(name: string): { server: string; tool: string } | null {
  if (!name.startsWith('mcp__')) return null;
  const rest = name.slice(5);
  const i = rest.indexOf('__');
  if (i <= 0 || i + 2 >= rest.length) return null;
  return { server: rest.slice(0, i), tool: rest.slice(i + 2) };
}

/** The files an `apply_patch` envelope touches (`*** Add/Update/Delete File: p`, `*** Move to: p`). */
export function patchPaths(patch: string): string[] {
  const out: string[] = [];
  for (const m of patch.matchAll(/^\*\*\* (?:Add File|Update File|Delete File|Move to): (.+?)\s*$/gm)) {
    const p = m[1]!;
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/** What every adapter fills in the same way. */
export interface CallParts {
  agentId: string;
  label: string;
  action_type: string;
  resource?: string;
  tool_name: string;
  description: string;
  parameters: Record<string, unknown>;
  context: Record<string, unknown>;
  mcp?: { server: string; tool: string };
  session_id?: string;
  idempotency_key?: string;
}

/** Builds the action request, dropping empty context values and clipping to the API's limits. */
export function buildRequest(p: CallParts): ActionRequest {
  const context: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p.context)) if (v !== undefined && v !== null && v !== '') context[k] = v;
  const req: ActionRequest = {
    agent_id: p.agentId,
    action_type: actionTypeSafe(p.action_type),
    tool_name: clip(p.tool_name, 256),
    description: clip(p.description, 1000),
    parameters: boundParameters(p.parameters),
    context,
  };
  if (p.resource) req.resource = clip(p.resource, 16_384);
  if (p.mcp) req.mcp = { server_id: clip(p.mcp.server, 128), tool: clip(p.mcp.tool, 256) };
  if (p.session_id) req.session_id = clip(p.session_id, 256);
  if (p.idempotency_key) req.idempotency_key = clip(p.idempotency_key, 256);
  return req;
}

/** The four families of SPEC 9.4, for an agent's tool: shell, write, read, MCP, or anything else. */
export function shellCall(label: string, command: string | undefined): Pick<CallParts, 'action_type' | 'resource' | 'description'> {
  return {
    action_type: 'shell.exec',
    resource: command,
    description: `${label} wants to run a shell command: ${oneLine(command ?? '(none)')}`,
  };
}
export function writeCall(label: string, paths: string[], verb = 'write'): Pick<CallParts, 'action_type' | 'resource' | 'description'> {
  const resource = paths.length ? paths.join(' ') : undefined;
  return { action_type: 'file.write', resource, description: `${label} wants to ${verb} ${resource ?? 'a file'}` };
}
export function readCall(
  label: string,
  path: string | undefined,
  what = 'read',
): Pick<CallParts, 'action_type' | 'resource' | 'description'> {
  return { action_type: 'file.read', resource: path, description: `${label} wants to ${what} ${path ?? 'a file'}` };
}
export function mcpCall(
  label: string,
  server: string,
  tool: string,
  args: unknown,
): Pick<CallParts, 'action_type' | 'resource' | 'description' | 'mcp' | 'tool_name'> {
  return {
    action_type: 'mcp.tool_call',
    resource: resourceFromArgs(args) ?? `mcp://${server}/${tool}`,
    description: `${label} wants to call the MCP tool ${tool} on ${server}`,
    mcp: { server, tool },
    tool_name: tool,
  };
}
/**
 * A web fetch (`url`) or search (`query`): `http.request` on the URL, else the query (SPEC 9.1:
 * WebFetch / WebSearch; 9.4: the same mapping for every agent).
 */
export function webCall(
  label: string,
  target: { url?: string; query?: string },
): Pick<CallParts, 'action_type' | 'resource' | 'description'> {
  const { url, query } = target;
  const description = url ? `${label} wants to fetch ${url}` : `${label} wants to search the web for: ${oneLine(query ?? '', 120)}`;
  return { action_type: 'http.request', resource: url ?? query, description };
}

/** The first http(s) URL in free text (a fetch tool that takes a prompt naming the page). */
export const firstUrl = (text: string | undefined): string | undefined => (text ? /\bhttps?:\/\/[^\s"'<>]+/.exec(text)?.[0] : undefined);

export function otherCall(label: string, name: string, args: unknown): Pick<CallParts, 'action_type' | 'resource' | 'description'> {
  return { action_type: `tool.${name}`, resource: resourceFromArgs(args), description: `${label} wants to use the ${name} tool` };
}

/** Reads the agent's event name or fails with a readable error. */
export function requireString(o: Record<string, unknown>, key: string, event: string | null = null): string {
  const v = str(o[key]);
  if (!v) throw new HookInputError(`the hook input has no ${key}`, event);
  return v;
}

/**
 * A short stable digest of a JSON value, for call and idempotency keys (not a security feature):
 * its texts are fed to a native hash as they are, never serialised whole first (a tool input may be
 * an 8 MiB file: JSON.stringify and a hash loop in JS held the event loop ~40 ms for one).
 */
export function valueDigest(value: unknown): string {
  const h = createHash('sha256');
  feed(h, value, 0);
  return h.digest('hex').slice(0, 16);
}

/** Every value is prefixed by its kind and size, so that no two different values feed the same bytes. */
function feed(h: Hash, v: unknown, depth: number): void {
  if (typeof v === 'string') {
    h.update(`s${v.length}:`);
    h.update(v);
  } else if (v === null || typeof v !== 'object') {
    h.update(`${typeof v}:${String(v)};`);
  } else if (depth > DIGEST_DEPTH) {
    h.update('deep;');
  } else if (Array.isArray(v)) {
    h.update(`a${v.length}[`);
    for (const item of v) feed(h, item, depth + 1);
  } else {
    const keys = Object.keys(v);
    h.update(`o${keys.length}{`);
    for (const k of keys) {
      h.update(`s${k.length}:`);
      h.update(k);
      feed(h, (v as Record<string, unknown>)[k], depth + 1);
    }
  }
}

/** Deeper than any body the API reads (64 levels). */
const DIGEST_DEPTH = 80;
