import type { ActionRequest } from '../../../src-shared/schemas/action.js';
import { actionTypeSafe, clip, resourceFromArgs } from '../shared/resource.js';

/** The PreToolUse event Claude Code writes on the hook's stdin. */
export interface PreToolUseInput {
  session_id?: string;
  transcript_path?: string;
  cwd?: string;
  permission_mode?: string;
  hook_event_name?: string;
  tool_name: string;
  tool_input?: Record<string, unknown>;
  tool_use_id?: string;
}

export const AGENT_ID = 'claude-code';
const MAX_PARAMS_JSON = 256 * 1024;
const MAX_STRING_IN_LARGE_PARAMS = 16 * 1024;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Parses and checks the hook's stdin; throws a readable error on anything else. */
export function parseHookInput(text: string): PreToolUseInput {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error(text.trim() ? 'the hook input is not JSON' : 'the hook input is empty');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('the hook input is not a JSON object');
  const o = v as Record<string, unknown>;
  if (typeof o.tool_name !== 'string' || !o.tool_name) throw new Error('the hook input has no tool_name');
  const ti = o.tool_input;
  return {
    ...(o as Partial<PreToolUseInput>),
    tool_name: o.tool_name,
    tool_input:
      ti && typeof ti === 'object' && !Array.isArray(ti)
        ? (ti as Record<string, unknown>)
        : ti === undefined || ti === null
          ? {}
          : { value: ti },
  };
}

/** Huge tool inputs (a Write of a big file) are cut so the request stays far below the 1 MiB limit. */
function boundParameters(p: Record<string, unknown>): Record<string, unknown> {
  let json: string;
  try {
    json = JSON.stringify(p);
  } catch {
    return { note: 'tool_input could not be serialized' };
  }
  if (json.length <= MAX_PARAMS_JSON) return p;
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
  return JSON.stringify(out).length <= MAX_PARAMS_JSON * 2 ? out : { note: `tool_input too large to send (${json.length} characters)` };
}

/** `mcp__<server>__<tool>` → {server, tool}; the server name may itself contain single underscores. */
export function splitMcpName(name: string): { server: string; tool: string } | null {
  if (!name.startsWith('mcp__')) return null;
  const rest = name.slice(5);
  const i = rest.indexOf('__');
  if (i <= 0 || i + 2 >= rest.length) return null;
  return { server: rest.slice(0, i), tool: rest.slice(i + 2) };
}

const oneLine = (s: string, max = 160) => clip(s.replace(/\s+/g, ' ').trim(), max);

/** SPEC 9.1: a Claude Code tool call → the Gatehouse action request. */
export function mapToolCall(ev: PreToolUseInput): ActionRequest {
  const name = ev.tool_name;
  const input = ev.tool_input ?? {};
  let action_type: string;
  let resource: string | undefined;
  let description: string;
  let tool_name = name;
  let mcp: ActionRequest['mcp'];

  switch (name) {
    case 'Bash': {
      action_type = 'shell.exec';
      resource = str(input.command);
      description = `Claude Code wants to run a shell command: ${oneLine(resource ?? '(none)')}`;
      break;
    }
    case 'Write':
    case 'Edit':
    case 'MultiEdit':
    case 'NotebookEdit': {
      action_type = 'file.write';
      resource = str(input.file_path) ?? str(input.notebook_path) ?? str(input.path);
      const verb = name === 'Write' ? 'write' : name === 'NotebookEdit' ? 'edit the notebook' : 'edit';
      description = `Claude Code wants to ${verb} ${resource ?? 'a file'}`;
      break;
    }
    case 'Read':
    case 'Glob':
    case 'Grep':
    case 'LS': {
      action_type = 'file.read';
      if (name === 'Read') resource = str(input.file_path) ?? str(input.path);
      else if (name === 'LS') resource = str(input.path);
      else resource = str(input.pattern) ?? str(input.path);
      const where = name !== 'Read' && name !== 'LS' && str(input.path) ? ` in ${str(input.path)}` : '';
      description =
        name === 'Read'
          ? `Claude Code wants to read ${resource ?? 'a file'}`
          : name === 'LS'
            ? `Claude Code wants to list ${resource ?? 'a directory'}`
            : `Claude Code wants to search files (${name} ${oneLine(resource ?? '', 100)})${where}`;
      break;
    }
    case 'WebFetch':
    case 'WebSearch': {
      action_type = 'http.request';
      resource = str(input.url) ?? str(input.query);
      description =
        name === 'WebFetch'
          ? `Claude Code wants to fetch ${resource ?? 'a URL'}`
          : `Claude Code wants to search the web for: ${oneLine(resource ?? '', 120)}`;
      break;
    }
    default: {
      const m = splitMcpName(name);
      if (m) {
        action_type = 'mcp.tool_call';
        tool_name = m.tool;
        mcp = { server_id: clip(m.server, 128), tool: clip(m.tool, 256) };
        resource = resourceFromArgs(input) ?? `mcp://${m.server}/${m.tool}`;
        description = `Claude Code wants to call the MCP tool ${m.tool} on ${m.server}`;
      } else {
        action_type = actionTypeSafe(`tool.${name}`);
        resource = resourceFromArgs(input);
        description = `Claude Code wants to use the ${name} tool`;
      }
    }
  }

  const context: Record<string, unknown> = {
    session_id: ev.session_id,
    cwd: ev.cwd,
    permission_mode: ev.permission_mode,
    transcript_path: ev.transcript_path,
    tool_use_id: ev.tool_use_id,
    claude_tool: name,
  };
  for (const k of Object.keys(context)) if (context[k] === undefined || context[k] === null) delete context[k];

  const req: ActionRequest = {
    agent_id: AGENT_ID,
    action_type,
    tool_name: clip(tool_name, 256),
    description: clip(description, 1000),
    parameters: boundParameters(input),
    context,
  };
  if (resource) req.resource = clip(resource, 16_384);
  if (mcp) req.mcp = mcp;
  if (str(ev.session_id)) req.session_id = clip(ev.session_id!, 256);
  if (str(ev.tool_use_id)) req.idempotency_key = clip(`claude-code:${ev.session_id ?? ''}:${ev.tool_use_id}`, 256);
  return req;
}
