import type { NormalizedAction } from '../../../src-shared/index.js';
import type { Subject } from '../subject.js';
import type { ActionTextKey } from './text-test.js';
import { ownValue } from './values.js';

/** Reads one field of the subject; `undefined` means missing (a JSON `null` counts as missing). */
export type FieldGetter = (subject: Subject) => unknown;

/** How a field's values are compared beyond plain JSON: risk levels and weekdays are ordered names. */
export type FieldKind = 'generic' | 'risk-level' | 'weekday' | 'hour';

export interface Field {
  path: string;
  kind: FieldKind;
  get: FieldGetter;
  /** Set for the top-level string fields, which hot paths read directly. */
  actionKey?: ActionTextKey;
}

type TopLevelKey = ActionTextKey;

/** The action's own text fields, readable by name at the top level of a `when`. */
export const TOP_LEVEL: readonly TopLevelKey[] = [
  'action_type',
  'agent_id',
  'resource',
  'tool_name',
  'target_system',
  'description',
  'environment',
  'session_id',
];

/** Field paths a condition may name (SPEC 3.2), for error messages. */
export const KNOWN_FIELDS =
  'action_type, agent_id, resource, tool_name, target_system, description, environment, session_id, ' +
  'parameters.<path>, context.<path>, risk.score, risk.level, risk.factors, mcp.server_id, mcp.tool, mcp.namespace, mcp.verb, time.hour, time.weekday';

const orMissing = (v: unknown): unknown => (v === null ? undefined : v);

/** One closure per field with a static property access, so each stays monomorphic. */
const TOP_LEVEL_GETTERS: Record<TopLevelKey, FieldGetter> = {
  action_type: (s) => s.action.action_type ?? undefined,
  agent_id: (s) => s.action.agent_id ?? undefined,
  resource: (s) => s.action.resource ?? undefined,
  tool_name: (s) => s.action.tool_name ?? undefined,
  target_system: (s) => s.action.target_system ?? undefined,
  description: (s) => s.action.description ?? undefined,
  environment: (s) => s.action.environment ?? undefined,
  session_id: (s) => s.action.session_id ?? undefined,
};

function nested(root: (a: NormalizedAction) => unknown, segments: readonly string[]): FieldGetter {
  if (segments.length === 0) return (s) => orMissing(root(s.action));
  if (segments.length === 1) {
    const key = segments[0] ?? '';
    return (s) => orMissing(ownValue(root(s.action), key));
  }
  return (s) => {
    let cur = root(s.action);
    for (const key of segments) {
      cur = ownValue(cur, key);
      if (cur === undefined || cur === null) return undefined;
    }
    return cur;
  };
}

/** `context.environment` falls back to the top-level `environment` (the seeds write it that way). */
const contextEnvironment: FieldGetter = (s) => orMissing(ownValue(s.action.context, 'environment')) ?? orMissing(s.action.environment);

const SPECIAL: Record<string, Field> = {
  'risk.score': { path: 'risk.score', kind: 'generic', get: (s) => s.risk?.score },
  'risk.level': { path: 'risk.level', kind: 'risk-level', get: (s) => s.risk?.level },
  'risk.factors': { path: 'risk.factors', kind: 'generic', get: (s) => s.risk?.factors.map((f) => f.id) },
  'mcp.server_id': { path: 'mcp.server_id', kind: 'generic', get: (s) => s.action.mcp?.server_id },
  'mcp.tool': { path: 'mcp.tool', kind: 'generic', get: (s) => s.action.mcp?.tool },
  'mcp.namespace': { path: 'mcp.namespace', kind: 'generic', get: (s) => s.action.mcp?.namespace },
  'mcp.verb': { path: 'mcp.verb', kind: 'generic', get: (s) => s.action.mcp?.verb },
  'time.hour': { path: 'time.hour', kind: 'hour', get: (s) => s.time.hour },
  'time.weekday': { path: 'time.weekday', kind: 'weekday', get: (s) => s.time.weekday },
  'context.environment': { path: 'context.environment', kind: 'generic', get: contextEnvironment },
};

/** Compiles a field path to its getter, or explains why the path is not one. */
export function compileField(path: string): Field | { error: string } {
  // `risk_context` is the seeds' alias of `context`; normalisation folds it in.
  if (path === 'risk_context' || path.startsWith('risk_context.')) return compileField(`context${path.slice('risk_context'.length)}`);
  const special = SPECIAL[path];
  if (special) return special;
  if ((TOP_LEVEL as readonly string[]).includes(path)) {
    const key = path as TopLevelKey;
    return { path, kind: 'generic', get: TOP_LEVEL_GETTERS[key], actionKey: key };
  }

  const [root = '', ...rest] = path.split('.');
  if (rest.some((segment) => segment === '')) return { error: `field path '${path}' has an empty segment` };
  if (root === 'parameters') return { path, kind: 'generic', get: nested((a) => a.parameters, rest) };
  if (root === 'context') return { path, kind: 'generic', get: nested((a) => a.context, rest) };
  return { error: `unknown field '${path}' (expected one of ${KNOWN_FIELDS})` };
}
