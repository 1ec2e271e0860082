import {
  answer,
  argsObject,
  buildRequest,
  jsonLine,
  mcpCall,
  obj,
  otherCall,
  readCall,
  shellCall,
  valueDigest,
  str,
  webCall,
  writeCall,
} from '../common.js';
import { HookInputError, type HookAdapter, type HookAnswer, type ParsedHook, type Verdict } from '../types.js';

/**
 * Cline: an executable named `PreToolUse` in the global hooks folder (`~/Documents/Cline/Hooks/`,
 * `~/.cline/hooks/` in newer versions) or `.clinerules/hooks/`. Source: cline/cline
 * .clinerules/hooks/README.md and https://docs.cline.bot/features/hooks/hook-reference (input
 * `{clineVersion, hookName, timestamp, taskId, workspaceRoots, userId, preToolUse:{toolName,
 * parameters}}`, parameter values are strings; output `{cancel, contextModification,
 * errorMessage}`; hooks must finish within 30 s; hooks in several folders run concurrently; no
 * Windows support).
 */
const LABEL = 'Cline';
const WRITE_TOOLS = new Set(['write_to_file', 'replace_in_file', 'new_file', 'apply_patch', 'edit_file']);
const READ_TOOLS = new Set(['read_file', 'list_files', 'search_files', 'list_code_definition_names']);

function parse(o: Record<string, unknown>): ParsedHook {
  const event = str(o.hookName) ?? 'PreToolUse';
  if (event !== 'PreToolUse') throw new HookInputError(`unexpected hookName ${JSON.stringify(event)}`, null);
  const pre = obj(o.preToolUse);
  const tool = str(pre?.toolName);
  if (!pre || !tool) throw new HookInputError('the hook input has no preToolUse.toolName', event);
  const params = obj(pre.parameters) ?? {};
  const path = str(params.path) ?? str(params.file_path);
  let parts;
  let sent: Record<string, unknown> = params;
  if (tool === 'execute_command' || tool === 'run_commands') {
    const commands = str(params.commands) ?? str(params.command);
    parts = { tool_name: tool, ...shellCall(LABEL, commands) };
  } else if (WRITE_TOOLS.has(tool))
    parts = { tool_name: tool, ...writeCall(LABEL, path ? [path] : [], tool === 'write_to_file' ? 'write' : 'edit') };
  else if (READ_TOOLS.has(tool)) parts = { tool_name: tool, ...readCall(LABEL, path, tool === 'read_file' ? 'read' : 'look at') };
  else if (tool === 'use_mcp_tool' && str(params.server_name) && str(params.tool_name)) {
    sent = argsObject(params.arguments);
    parts = mcpCall(LABEL, str(params.server_name)!, str(params.tool_name)!, sent);
  } else if (tool === 'web_fetch' || tool === 'web_search')
    parts = { tool_name: tool, ...webCall(LABEL, { url: str(params.url), query: str(params.query) }) };
  else parts = { tool_name: tool, ...otherCall(LABEL, tool, params) };
  const task = str(o.taskId);
  const roots = Array.isArray(o.workspaceRoots) ? (o.workspaceRoots as unknown[]).filter((r) => typeof r === 'string') : [];
  // Hooks in the global and the workspace folder see the same event: one key, one action.
  const stamp = str(o.timestamp) ?? (typeof o.timestamp === 'number' ? String(o.timestamp) : undefined);
  const request = buildRequest({
    agentId: 'cline',
    label: LABEL,
    ...parts,
    parameters: sent,
    context: {
      task_id: task,
      cwd: roots[0] as string | undefined,
      workspace_roots: roots.length ? roots : undefined,
      cline_version: str(o.clineVersion),
      cline_tool: tool,
    },
    session_id: task,
    idempotency_key: task && stamp ? `cline:${task}:${stamp}:${valueDigest([tool, params])}` : undefined,
  });
  return { kind: 'call', event, request };
}

function render(v: Verdict): HookAnswer {
  // Cline cannot ask; `cancel: true` blocks the tool (and stops the task).
  if (v.kind === 'deny' || v.kind === 'ask') return answer(jsonLine({ cancel: true, errorMessage: v.reason }));
  return answer(jsonLine({ cancel: false }));
}

export const cline: HookAdapter = {
  agent: 'cline',
  agentId: 'cline',
  displayName: 'Cline',
  parse,
  render,
  canAsk: () => false,
  defaultWaitS: 25,
  maxWaitS: 26,
  failureEvents: [{ named: null, event: 'PreToolUse' }],
};
