import type { ActionRequest, JsonObject, NormalizedAction } from '../../src-shared/index.js';

/** The request names no agent and its key is not bound to one (the API answers 400). */
export class MissingAgentError extends Error {
  override readonly name = 'MissingAgentError';
  constructor() {
    super('agent_id is required unless the API key is bound to an agent');
  }
}

/**
 * SPEC 2.1: the agent comes from the key's binding when there is one (an agent key cannot act as
 * another agent), else from the body; `risk_context` (the seeds' alias) is folded into `context`
 * (the request schema refuses a key named in both, so nothing is dropped).
 */
export function normalizeAction(req: ActionRequest, boundAgentId?: string): NormalizedAction {
  const agentId = boundAgentId ?? req.agent_id;
  if (!agentId) throw new MissingAgentError();
  const { risk_context: riskContext, agent_id: _ignored, context, ...rest } = req;
  const merged = mergeContext(riskContext, context);
  const action: NormalizedAction = { ...rest, agent_id: agentId };
  if (merged) action.context = merged;
  return dropUndefined(action);
}

function mergeContext(riskContext: JsonObject | undefined, context: JsonObject | undefined): JsonObject | undefined {
  if (!riskContext) return context;
  if (!context) return riskContext;
  return { ...riskContext, ...context };
}

function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}
