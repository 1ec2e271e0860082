import {
  answer,
  argsObject,
  buildRequest,
  jsonLine,
  mcpCall,
  otherCall,
  readCall,
  requireString,
  shellCall,
  splitMcpName,
  str,
  webCall,
  writeCall,
} from '../common.js';
import { HookInputError, type HookAdapter, type HookAnswer, type ParsedHook, type Verdict } from '../types.js';

/**
 * Cursor: `~/.cursor/hooks.json` / `.cursor/hooks.json`, `{"version":1,"hooks":{event:[{command,
 * timeout, failClosed}]}}`. Sources: https://cursor.com/docs/agent/hooks (events
 * `beforeShellExecution {command, cwd}`, `beforeMCPExecution {tool_name, tool_input (a JSON
 * string), url | command}`, `beforeReadFile {file_path, content}`, `preToolUse {tool_name,
 * tool_input, tool_use_id, cwd}`, common `conversation_id, generation_id, hook_event_name,
 * workspace_roots`; answer `{"permission": "allow"|"deny"|"ask", user_message, agent_message}`,
 * `ask` honoured on the shell and MCP events; `timeout` in seconds; `failClosed: true` blocks on a
 * crash, timeout or invalid JSON) and preloop/preloop#415 (preToolUse also fires for Shell and MCP
 * calls the dedicated events already cover).
 */
const LABEL = 'Cursor';
const ASK_EVENTS = new Set(['beforeShellExecution', 'beforeMCPExecution']);
const WRITE_TOOLS = new Set(['Write', 'Edit', 'StrReplace', 'MultiEdit', 'Delete', 'ApplyPatch', 'EditNotebook', 'TabWrite', 'Create']);
/** preToolUse tools that look at files without a dedicated event: `file.read` (SPEC 9.1's Glob/Grep/LS). */
const SEARCH_TOOLS = new Set(['Grep', 'Glob', 'LS', 'List', 'ListDir', 'SemanticSearch', 'CodebaseSearch', 'FileSearch']);
/** preToolUse tools whose calls a dedicated event governs already (one call, one approval). */
const COVERED = new Set(['Shell', 'Terminal', 'Read', 'ReadFile']);

const LAUNCHERS = new Set(['npx', 'uvx', 'bunx', 'pnpx', 'node', 'python', 'python3', 'uv', 'deno', 'bun', 'docker', 'run', 'exec', 'dlx']);

/**
 * Cursor names an MCP server by its URL or command, not by the name in mcp.json: a readable id
 * for policies — the URL's host, or the package or program the command starts
 * (`npx -y @modelcontextprotocol/server-filesystem /app` → `server-filesystem`).
 */
export function serverIdFrom(url: string | undefined, command: string | undefined): string {
  if (url) {
    try {
      return new URL(url).host || url;
    } catch {
      return url;
    }
  }
  if (command) {
    const words = command.split(/\s+/).filter((w) => w && !w.startsWith('-'));
    const prog = words.find((w) => !LAUNCHERS.has(w.replace(/^.*[\\/]/, ''))) ?? words[0] ?? command;
    const name = prog.startsWith('@') ? prog.split('/').slice(1).join('/') : prog.replace(/^.*[\\/]/, '');
    return name.replace(/@[^@]*$/, '') || prog;
  }
  return 'cursor-mcp';
}

function common(o: Record<string, unknown>) {
  const roots = Array.isArray(o.workspace_roots) ? (o.workspace_roots as unknown[]).filter((r) => typeof r === 'string') : undefined;
  return {
    conversation_id: str(o.conversation_id),
    generation_id: str(o.generation_id),
    cwd: str(o.cwd) ?? (roots?.[0] as string | undefined),
    workspace_roots: roots?.length ? roots : undefined,
    model: str(o.model),
  };
}

function parse(o: Record<string, unknown>): ParsedHook {
  const event = requireString(o, 'hook_event_name');
  const ctx = common(o);
  const base = { agentId: 'cursor', label: LABEL, session_id: ctx.conversation_id };
  switch (event) {
    case 'beforeShellExecution': {
      const command = requireString(o, 'command', event);
      const request = buildRequest({
        ...base,
        tool_name: 'Shell',
        ...shellCall(LABEL, command),
        parameters: { command, cwd: str(o.cwd) },
        context: { ...ctx, cursor_event: event },
      });
      return { kind: 'call', event, request };
    }
    case 'beforeMCPExecution': {
      const tool = requireString(o, 'tool_name', event);
      const args = argsObject(o.tool_input);
      const m = splitMcpName(tool);
      const server = str(o.server_name) ?? str(o.mcp_server_name) ?? m?.server ?? serverIdFrom(str(o.url), str(o.command));
      const request = buildRequest({
        ...base,
        ...mcpCall(LABEL, server, m?.tool ?? tool, args),
        parameters: args,
        context: { ...ctx, cursor_event: event, mcp_url: str(o.url), mcp_command: str(o.command) },
      });
      return { kind: 'call', event, request };
    }
    case 'beforeReadFile': {
      const path = requireString(o, 'file_path', event);
      const content = typeof o.content === 'string' ? o.content : undefined;
      // The file's content is not sent: it would land in the audit log.
      const request = buildRequest({
        ...base,
        tool_name: 'Read',
        ...readCall(LABEL, path),
        parameters: { file_path: path, ...(content !== undefined ? { content_length: content.length } : {}) },
        context: { ...ctx, cursor_event: event },
      });
      return { kind: 'call', event, request };
    }
    case 'preToolUse': {
      const tool = requireString(o, 'tool_name', event);
      const input = argsObject(o.tool_input);
      if (COVERED.has(tool) || tool.startsWith('MCP') || tool.startsWith('mcp_'))
        return { kind: 'local', event, verdict: { kind: 'pass', reason: `${tool} calls are checked by Cursor's dedicated hook event` } };
      const path = str(input.file_path) ?? str(input.path) ?? str(input.target_file) ?? str(input.target_notebook);
      const parts = WRITE_TOOLS.has(tool)
        ? writeCall(LABEL, path ? [path] : [], tool === 'Delete' ? 'delete' : 'edit')
        : SEARCH_TOOLS.has(tool)
          ? readCall(LABEL, path ?? str(input.pattern) ?? str(input.glob_pattern) ?? str(input.query), 'look at')
          : tool === 'WebFetch' || tool === 'WebSearch'
            ? webCall(LABEL, { url: str(input.url), query: str(input.query) ?? str(input.search_term) })
            : otherCall(LABEL, tool, input);
      const toolUseId = str(o.tool_use_id);
      const request = buildRequest({
        ...base,
        tool_name: tool,
        ...parts,
        parameters: input,
        context: { ...ctx, cursor_event: event, tool_use_id: toolUseId },
        idempotency_key: toolUseId ? `cursor:${ctx.conversation_id ?? ''}:${toolUseId}` : undefined,
      });
      return { kind: 'call', event, request };
    }
    default:
      throw new HookInputError(`unexpected hook_event_name ${JSON.stringify(event)}`, null);
  }
}

function render(v: Verdict, event: string | null): HookAnswer {
  if (v.kind === 'deny' || (v.kind === 'ask' && !canAsk(event)))
    return answer(jsonLine({ permission: 'deny', user_message: v.reason, agent_message: v.reason }));
  if (v.kind === 'ask') return answer(jsonLine({ permission: 'ask', user_message: v.reason, agent_message: v.reason }));
  // Cursor's no-opinion answer is `allow`: it leaves Cursor's own run-mode rules in charge.
  return answer(jsonLine({ permission: 'allow' }));
}

const canAsk = (event: string | null) => event !== null && ASK_EVENTS.has(event);

export const cursor: HookAdapter = {
  agent: 'cursor',
  agentId: 'cursor',
  displayName: 'Cursor',
  parse,
  render,
  canAsk,
  defaultWaitS: 300,
  maxWaitS: null,
  failureEvents: [
    { named: ['beforeShellExecution', 'beforeMCPExecution'], event: 'beforeShellExecution' },
    { named: null, event: 'beforeReadFile' },
  ],
};
