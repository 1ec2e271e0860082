import {
  answer,
  buildRequest,
  jsonLine,
  mcpCall,
  obj,
  otherCall,
  patchPaths,
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
 * Codex CLI: `PreToolUse` command hooks in `~/.codex/hooks.json` / `.codex/hooks.json`. Sources:
 * https://developers.openai.com/codex/hooks (input `session_id, turn_id, cwd, hook_event_name,
 * model, permission_mode, tool_name, tool_input, tool_use_id`; edits arrive as `apply_patch` with
 * the patch in `tool_input.command`; MCP tools as `mcp__server__tool`; deny through
 * `hookSpecificOutput.permissionDecision: "deny"` with a reason; a plain `allow` is rejected and
 * there is no `ask`; `timeout` in seconds, default 600; a new hook must be trusted once in `/hooks`).
 */
const LABEL = 'Codex';

function parse(o: Record<string, unknown>): ParsedHook {
  const event = str(o.hook_event_name) ?? 'PreToolUse';
  const tool = requireString(o, 'tool_name', event);
  const input = obj(o.tool_input) ?? (o.tool_input == null ? {} : { value: o.tool_input });
  const command = str(input.command) ?? (Array.isArray(input.command) ? (input.command as unknown[]).map(String).join(' ') : undefined);
  let parts;
  if (tool === 'Bash' || tool === 'shell' || tool === 'exec_command' || tool === 'local_shell')
    parts = { tool_name: tool, ...shellCall(LABEL, command ?? str(input.cmd)) };
  else if (tool === 'apply_patch') {
    const patch = command ?? str(input.patch) ?? str(input.input) ?? '';
    parts = { tool_name: tool, ...writeCall(LABEL, patchPaths(patch), 'patch') };
  } else if (tool === 'read_file' || tool === 'view_image')
    parts = { tool_name: tool, ...readCall(LABEL, str(input.path) ?? str(input.file_path)) };
  else if (tool === 'web_search' || tool === 'web_fetch')
    parts = { tool_name: tool, ...webCall(LABEL, { url: str(input.url), query: str(input.query) ?? str(input.q) }) };
  else {
    const m = splitMcpName(tool);
    parts = m ? mcpCall(LABEL, m.server, m.tool, input) : { tool_name: tool, ...otherCall(LABEL, tool, input) };
  }
  const session = str(o.session_id);
  const toolUseId = str(o.tool_use_id);
  const request = buildRequest({
    agentId: 'codex',
    label: LABEL,
    ...parts,
    parameters: input,
    context: {
      session_id: session,
      turn_id: str(o.turn_id),
      cwd: str(o.cwd),
      permission_mode: str(o.permission_mode),
      model: str(o.model),
      tool_use_id: toolUseId,
      codex_tool: tool,
    },
    session_id: session,
    idempotency_key: toolUseId ? `codex:${session ?? ''}:${toolUseId}` : undefined,
  });
  return { kind: 'call', event, request };
}

function render(v: Verdict): HookAnswer {
  // Codex has no `ask` and rejects a plain `allow`: anything but a denial is "no opinion".
  if (v.kind === 'allow' || v.kind === 'pass') return answer('');
  const reason = v.reason.trim() || 'Blocked by Gatehouse';
  return answer(
    jsonLine({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason } }),
  );
}

export const codex: HookAdapter = {
  agent: 'codex',
  agentId: 'codex',
  displayName: 'Codex CLI',
  parse,
  render,
  canAsk: () => false,
  defaultWaitS: 300,
  maxWaitS: null,
  failureEvents: [{ named: null, event: 'PreToolUse' }],
};
