import { answer, argsObject, buildRequest, mcpCall, obj, readCall, requireString, shellCall, str, writeCall } from '../common.js';
import { HookInputError, type HookAdapter, type HookAnswer, type ParsedHook, type Verdict } from '../types.js';

/**
 * Windsurf (Cascade hooks): `~/.codeium/windsurf/hooks.json` / `.windsurf/hooks.json`,
 * `{"hooks":{event:[{command, show_output}]}}`. Source: https://docs.windsurf.com/windsurf/cascade/hooks
 * (input `{agent_action_name, trajectory_id, execution_id, timestamp, tool_info}`; `pre_run_command`
 * `tool_info{command_line, cwd}`, `pre_write_code` `{file_path, edits}`, `pre_read_code`
 * `{file_path}`, `pre_mcp_tool_use` `{mcp_server_name, mcp_tool_name, mcp_tool_arguments}`; a pre-hook
 * blocks by exiting 2 with the reason on stderr). No `ask`, and no documented hook timeout.
 */
const LABEL = 'Windsurf';

function parse(o: Record<string, unknown>): ParsedHook {
  const event = requireString(o, 'agent_action_name');
  const info = obj(o.tool_info) ?? {};
  const base = { agentId: 'windsurf', label: LABEL, session_id: str(o.trajectory_id) };
  const context = { trajectory_id: str(o.trajectory_id), execution_id: str(o.execution_id), cwd: str(info.cwd), windsurf_event: event };
  switch (event) {
    case 'pre_run_command': {
      const command = str(info.command_line) ?? str(info.command);
      if (!command) throw new HookInputError('the hook input has no tool_info.command_line', event);
      return {
        kind: 'call',
        event,
        request: buildRequest({ ...base, tool_name: 'run_command', ...shellCall(LABEL, command), parameters: info, context }),
      };
    }
    case 'pre_write_code': {
      const path = str(info.file_path);
      return {
        kind: 'call',
        event,
        request: buildRequest({
          ...base,
          tool_name: 'write_code',
          ...writeCall(LABEL, path ? [path] : [], 'edit'),
          parameters: info,
          context,
        }),
      };
    }
    case 'pre_read_code': {
      const path = str(info.file_path);
      return {
        kind: 'call',
        event,
        request: buildRequest({ ...base, tool_name: 'read_code', ...readCall(LABEL, path), parameters: info, context }),
      };
    }
    case 'pre_mcp_tool_use': {
      const server = str(info.mcp_server_name);
      const tool = str(info.mcp_tool_name);
      if (!server || !tool) throw new HookInputError('the hook input has no tool_info.mcp_server_name / mcp_tool_name', event);
      const args = argsObject(info.mcp_tool_arguments);
      return { kind: 'call', event, request: buildRequest({ ...base, ...mcpCall(LABEL, server, tool, args), parameters: args, context }) };
    }
    default:
      throw new HookInputError(`unexpected agent_action_name ${JSON.stringify(event)}`, null);
  }
}

function render(v: Verdict): HookAnswer {
  // Windsurf cannot ask: a question it cannot put to its user is a refusal.
  if (v.kind === 'deny' || v.kind === 'ask') return answer('', 2, `${v.reason.replace(/\s+/g, ' ').trim() || 'Blocked by Gatehouse'}\n`);
  return answer('');
}

export const windsurf: HookAdapter = {
  agent: 'windsurf',
  agentId: 'windsurf',
  displayName: 'Windsurf',
  parse,
  render,
  canAsk: () => false,
  defaultWaitS: 55,
  maxWaitS: null,
  failureEvents: [{ named: null, event: 'pre_run_command' }],
};
