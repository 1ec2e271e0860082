import {
  answer,
  argsObject,
  buildRequest,
  jsonLine,
  mcpCall,
  otherCall,
  readCall,
  shellCall,
  splitMcpName,
  str,
  webCall,
  writeCall,
} from '../common.js';
import { HookInputError, type HookAdapter, type HookAnswer, type ParsedHook, type Verdict } from '../types.js';

/**
 * GitHub Copilot CLI: `{"version":1,"hooks":{"preToolUse":[{"type":"command","bash":…,
 * "powershell":…,"timeoutSec":…}]}}` in `~/.copilot/hooks/*.json` / `.github/hooks/*.json`. Source:
 * github/docs content/copilot/reference/hooks-configuration.md (input `{timestamp, cwd, toolName,
 * toolArgs}` with `toolArgs` a JSON string; tools such as `bash`, `edit`, `view`, `create`; output
 * `permissionDecision` / `permissionDecisionReason`; `timeoutSec` default 30) and
 * github/copilot-cli#2647 (`ask` prompts the user). Newer versions add `sessionId` and may send
 * `toolArgs` as an object.
 */
const LABEL = 'Copilot';
const WRITE_TOOLS = new Set(['edit', 'create', 'write', 'str_replace_editor', 'apply_patch']);
const READ_TOOLS = new Set(['view', 'read', 'glob', 'grep', 'ls']);

function parse(o: Record<string, unknown>): ParsedHook {
  const tool = str(o.toolName) ?? str(o.tool_name);
  if (!tool) throw new HookInputError('the hook input has no toolName', 'preToolUse');
  const args = argsObject(o.toolArgs ?? o.tool_args);
  const path = str(args.path) ?? str(args.file_path) ?? str(args.filePath);
  let parts;
  if (tool === 'bash' || tool === 'powershell' || tool === 'shell') parts = { tool_name: tool, ...shellCall(LABEL, str(args.command)) };
  else if (WRITE_TOOLS.has(tool))
    parts = { tool_name: tool, ...writeCall(LABEL, path ? [path] : [], tool === 'create' ? 'create' : 'edit') };
  else if (READ_TOOLS.has(tool))
    parts = { tool_name: tool, ...readCall(LABEL, path ?? str(args.pattern), tool === 'view' ? 'read' : 'look at') };
  else if (tool === 'web_fetch' || tool === 'web_search')
    parts = { tool_name: tool, ...webCall(LABEL, { url: str(args.url), query: str(args.query) }) };
  else {
    const m = splitMcpName(tool);
    const server = str(o.mcpServerName) ?? str(args.server_name) ?? m?.server;
    parts = server ? mcpCall(LABEL, server, m?.tool ?? tool, args) : { tool_name: tool, ...otherCall(LABEL, tool, args) };
  }
  const session = str(o.sessionId) ?? str(o.session_id);
  const request = buildRequest({
    agentId: 'copilot',
    label: LABEL,
    ...parts,
    parameters: args,
    context: { session_id: session, cwd: str(o.cwd), copilot_tool: tool },
    session_id: session,
  });
  return { kind: 'call', event: 'preToolUse', request };
}

function render(v: Verdict): HookAnswer {
  if (v.kind === 'deny' || v.kind === 'ask') return answer(jsonLine({ permissionDecision: v.kind, permissionDecisionReason: v.reason }));
  // Empty output: Copilot's own permission rules apply.
  return answer('');
}

export const copilot: HookAdapter = {
  agent: 'copilot',
  agentId: 'copilot',
  displayName: 'GitHub Copilot CLI',
  parse,
  render,
  canAsk: () => true,
  defaultWaitS: 300,
  maxWaitS: null,
  failureEvents: [{ named: null, event: 'preToolUse' }],
};
