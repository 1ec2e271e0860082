import { clip } from '../../tool-call.js';
import {
  answer,
  buildRequest,
  jsonLine,
  mcpCall,
  obj,
  oneLine,
  otherCall,
  readCall,
  requireString,
  shellCall,
  valueDigest,
  splitMcpName,
  str,
  type CallParts,
  webCall,
  writeCall,
} from '../common.js';
import { HookInputError, type HookAdapter, type HookAnswer, type ParsedHook, type Verdict } from '../types.js';

/**
 * Claude Code (SPEC 9.1): PreToolUse and PermissionRequest through the same command;
 * `hook_event_name` tells them apart. Source: https://code.claude.com/docs/en/hooks (hook input,
 * `hookSpecificOutput.permissionDecision`, PermissionRequest `decision.behavior`; command timeout
 * in seconds, default 600).
 */
const LABEL = 'Claude Code';
const EVENTS = ['PreToolUse', 'PermissionRequest'];

function mapTool(name: string, input: Record<string, unknown>): Omit<CallParts, 'agentId' | 'label' | 'parameters' | 'context'> {
  switch (name) {
    case 'Bash':
      return { tool_name: name, ...shellCall(LABEL, str(input.command)) };
    case 'Write':
    case 'Edit':
    case 'MultiEdit':
    case 'NotebookEdit': {
      const path = str(input.file_path) ?? str(input.notebook_path) ?? str(input.path);
      const verb = name === 'Write' ? 'write' : name === 'NotebookEdit' ? 'edit the notebook' : 'edit';
      return { tool_name: name, ...writeCall(LABEL, path ? [path] : [], verb) };
    }
    case 'Read':
      return { tool_name: name, ...readCall(LABEL, str(input.file_path) ?? str(input.path)) };
    case 'LS':
      return { tool_name: name, ...readCall(LABEL, str(input.path), 'list') };
    case 'Glob':
    case 'Grep': {
      const pattern = str(input.pattern) ?? str(input.path);
      const where = str(input.path) ? ` in ${str(input.path)}` : '';
      return {
        tool_name: name,
        action_type: 'file.read',
        resource: pattern,
        description: `${LABEL} wants to search files (${name} ${oneLine(pattern ?? '', 100)})${where}`,
      };
    }
    case 'WebFetch':
    case 'WebSearch':
      return { tool_name: name, ...webCall(LABEL, { url: str(input.url), query: str(input.query) }) };
    default: {
      const m = splitMcpName(name);
      if (m) return mcpCall(LABEL, m.server, m.tool, input);
      return { tool_name: name, ...otherCall(LABEL, name, input) };
    }
  }
}

/** The key that ties a PermissionRequest to the PreToolUse of the same tool call. */
const callKeyOf = (session: string | undefined, tool: string, input: Record<string, unknown>) =>
  `${session ?? ''}:${tool}:${valueDigest(input)}`;

function parse(o: Record<string, unknown>): ParsedHook {
  const event = str(o.hook_event_name) ?? 'PreToolUse';
  if (!EVENTS.includes(event)) throw new HookInputError(`unexpected hook_event_name ${JSON.stringify(event)}`, event);
  const tool = requireString(o, 'tool_name', event);
  const input = obj(o.tool_input) ?? (o.tool_input == null ? {} : { value: o.tool_input });
  const session = str(o.session_id);
  const callKey = callKeyOf(session, tool, input);
  if (event === 'PermissionRequest') return { kind: 'local', event, verdict: { kind: 'pass', reason: '' }, lookupCallKey: callKey };
  const toolUseId = str(o.tool_use_id);
  const parts = mapTool(tool, input);
  const request = buildRequest({
    agentId: 'claude-code',
    label: LABEL,
    ...parts,
    parameters: input,
    context: {
      session_id: session,
      cwd: str(o.cwd),
      permission_mode: str(o.permission_mode),
      transcript_path: str(o.transcript_path),
      tool_use_id: toolUseId,
      claude_tool: tool,
      // Inside a subagent Claude Code adds agent_id / agent_type: policies can tell them apart.
      subagent_id: str(o.agent_id),
      subagent_type: str(o.agent_type),
    },
    session_id: session,
    idempotency_key: toolUseId ? clip(`claude-code:${session ?? ''}:${toolUseId}`, 256) : undefined,
  });
  return { kind: 'call', event, request, callKey };
}

function render(v: Verdict, event: string | null): HookAnswer {
  // Only PreToolUse and PermissionRequest gate a tool call. Another event (PostToolUse: the tool has
  // already run) wired to this command by hand gets no answer, never one labelled as another event.
  if (event !== null && !EVENTS.includes(event)) return answer('');
  if (event === 'PermissionRequest') {
    // Allow only for an explicit allow or a person's approval (the user is not asked twice);
    // otherwise no output, so Claude Code's own dialog shows as usual.
    if (v.kind === 'allow')
      return answer(jsonLine({ hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'allow' } } }));
    if (v.kind === 'deny')
      return answer(
        jsonLine({ hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'deny', message: v.reason } } }),
      );
    return answer('');
  }
  if (v.kind === 'pass') return answer('');
  return answer(
    jsonLine({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: v.kind, permissionDecisionReason: v.reason } }),
  );
}

export const claudeCode: HookAdapter = {
  agent: 'claude-code',
  agentId: 'claude-code',
  displayName: 'Claude Code',
  parse,
  render,
  canAsk: () => true,
  defaultWaitS: 300,
  maxWaitS: null,
  failureEvents: [
    { named: ['PermissionRequest'], event: 'PermissionRequest' },
    { named: null, event: 'PreToolUse' },
  ],
};
