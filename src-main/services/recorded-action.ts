import type { NormalizedAction, RecordedAction } from '../../src-shared/index.js';

/**
 * The action as the engine saw it, rebuilt from its `action.decided` record (secrets there are
 * masked, so a rule matching on a secret's text can only match less, never more).
 */
export function recordedAction(d: RecordedAction): NormalizedAction {
  const action: NormalizedAction = { agent_id: d.agent_id, action_type: d.action_type };
  if (d.resource != null) action.resource = d.resource;
  if (d.tool_name != null) action.tool_name = d.tool_name;
  if (d.target_system != null) action.target_system = d.target_system;
  if (d.description != null) action.description = d.description;
  if (d.environment != null) action.environment = d.environment;
  if (d.parameters != null) action.parameters = d.parameters;
  if (d.context != null) action.context = d.context;
  if (d.mcp != null) action.mcp = d.mcp;
  if (d.session_id != null) action.session_id = d.session_id;
  return action;
}
