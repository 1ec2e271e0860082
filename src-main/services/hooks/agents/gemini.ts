import {
  answer,
  buildRequest,
  firstUrl,
  jsonLine,
  mcpCall,
  obj,
  otherCall,
  readCall,
  requireString,
  shellCall,
  splitMcpName,
  str,
  webCall,
  writeCall,
} from '../common.js';
import type { HookAdapter, HookAnswer, ParsedHook, Verdict } from '../types.js';

/**
 * Gemini CLI: `BeforeTool` hooks in `~/.gemini/settings.json` / `.gemini/settings.json`. Source:
 * google-gemini/gemini-cli docs/hooks/reference.md (input `session_id, transcript_path, cwd,
 * hook_event_name, timestamp, tool_name, tool_input, mcp_context`; MCP tools named
 * `mcp__<server>__<tool>`; output `decision`/`reason`; `timeout` in milliseconds, default 60000)
 * and docs/tools for the built-in tool names. SPEC 9.4 gives the `ask` form.
 */
const LABEL = 'Gemini CLI';
const WRITE_TOOLS = new Set(['write_file', 'replace', 'edit', 'write_todos_file']);
const READ_TOOLS = new Set(['read_file', 'read_many_files', 'list_directory', 'glob', 'search_file_content', 'grep']);

function parse(o: Record<string, unknown>): ParsedHook {
  const event = str(o.hook_event_name) ?? 'BeforeTool';
  const tool = requireString(o, 'tool_name', event);
  const input = obj(o.tool_input) ?? (o.tool_input == null ? {} : { value: o.tool_input });
  const mcpContext = obj(o.mcp_context);
  const path = str(input.file_path) ?? str(input.absolute_path) ?? str(input.path) ?? str(input.dir_path);
  let parts;
  if (tool === 'run_shell_command') parts = { tool_name: tool, ...shellCall(LABEL, str(input.command)) };
  else if (WRITE_TOOLS.has(tool))
    parts = { tool_name: tool, ...writeCall(LABEL, path ? [path] : [], tool === 'write_file' ? 'write' : 'edit') };
  else if (READ_TOOLS.has(tool)) {
    const paths = Array.isArray(input.paths) ? (input.paths as unknown[]).filter((p): p is string => typeof p === 'string') : [];
    parts = {
      tool_name: tool,
      ...readCall(LABEL, path ?? (paths.length ? paths.join(' ') : str(input.pattern)), tool === 'read_file' ? 'read' : 'look at'),
    };
  } else if (tool === 'web_fetch') {
    // Its one parameter is a prompt naming the page(s): `Summarize https://…`.
    parts = { tool_name: tool, ...webCall(LABEL, { url: firstUrl(str(input.prompt)) ?? str(input.url), query: str(input.prompt) }) };
  } else if (tool === 'google_web_search') parts = { tool_name: tool, ...webCall(LABEL, { query: str(input.query) }) };
  else {
    const m = splitMcpName(tool);
    const server = str(mcpContext?.server_name) ?? m?.server;
    const name = str(mcpContext?.tool_name) ?? m?.tool ?? tool;
    parts = server ? mcpCall(LABEL, server, name, input) : { tool_name: tool, ...otherCall(LABEL, tool, input) };
  }
  const session = str(o.session_id);
  const request = buildRequest({
    agentId: 'gemini-cli',
    label: LABEL,
    ...parts,
    parameters: input,
    context: { session_id: session, cwd: str(o.cwd), transcript_path: str(o.transcript_path), gemini_tool: tool },
    session_id: session,
  });
  return { kind: 'call', event, request };
}

function render(v: Verdict): HookAnswer {
  if (v.kind === 'deny') return answer(jsonLine({ decision: 'deny', reason: v.reason }));
  if (v.kind === 'ask') return answer(jsonLine({ decision: 'ask', reason: v.reason }));
  // `{}`: no opinion. Gemini's own confirmation settings apply (an explicit allow included: its
  // `allow` would skip them).
  return answer(jsonLine({}));
}

export const gemini: HookAdapter = {
  agent: 'gemini',
  agentId: 'gemini-cli',
  displayName: 'Gemini CLI',
  parse,
  render,
  canAsk: () => true,
  defaultWaitS: 300,
  maxWaitS: null,
  failureEvents: [{ named: null, event: 'BeforeTool' }],
};
