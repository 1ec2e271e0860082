import type { Json, JsonSchema } from './json.js';

const REF = '#/components/schemas/';
const MAX_DEPTH = 8;

/** Realistic values for common field names, so generated examples read like real traffic. */
const HINTS: Record<string, Json> = {
  agent_id: 'claude-code',
  action_type: 'shell.exec',
  resource: 'rm -rf build',
  tool_name: 'Bash',
  target_system: 'workstation',
  environment: 'development',
  description: 'Clean the build directory',
  action_id: 'act_mf3k2a9c1e2f3a4b5c6d',
  approval_id: 'apr_mf3k2a9c9f8e7d6c5b4a',
  session_id: 'b1c2d3e4',
  event_id: 'evt_mf3k2a9c0a1b2c3d4e5f',
  webhook_id: 'whk_mf3k2a9c11223344aabb',
  server_id: 'filesystem',
  url: 'https://hooks.example.com/gatehouse',
  name: 'Example',
  reason: "Matched policy 'shell-dangerous' (priority 80)",
  message: 'Example message',
  version: '0.2.0',
  hash: '9f2c0e4b7d1a8c3f6e5b2a9d0c7f4e1b8a5d2c9f6e3b0a7d4c1f8e5b2a9d6c3f',
  prev_hash: '0000000000000000000000000000000000000000000000000000000000000000',
  head_hash: '9f2c0e4b7d1a8c3f6e5b2a9d0c7f4e1b8a5d2c9f6e3b0a7d4c1f8e5b2a9d6c3f',
  score: 80,
  risk_score: 80,
  priority: 80,
  secret: 'a-long-shared-secret',
  key: 'gk_agent_…',
  prefix: 'gk_agent_ab12…',
};

const isObj = (v: Json | undefined): v is { [k: string]: Json } => !!v && typeof v === 'object' && !Array.isArray(v);

function resolve(s: JsonSchema, components: Record<string, JsonSchema>): JsonSchema {
  const ref = s.$ref;
  if (typeof ref === 'string' && ref.startsWith(REF)) return components[ref.slice(REF.length)] ?? {};
  return s;
}

function firstType(s: JsonSchema): string | undefined {
  if (typeof s.type === 'string') return s.type;
  if (Array.isArray(s.type)) return s.type.find((t): t is string => typeof t === 'string' && t !== 'null');
  return undefined;
}

function scalar(type: string | undefined, s: JsonSchema, field: string | null): Json {
  const hint = field ? HINTS[field] : undefined;
  if (hint !== undefined && (type === undefined || typeof hint === (type === 'integer' ? 'number' : type))) return hint;
  switch (type) {
    case 'string':
      if (s.format === 'date-time') return '2026-11-21T12:00:00.000Z';
      if (s.format === 'uri') return 'https://hooks.example.com/gatehouse';
      return field ?? 'string';
    case 'integer':
    case 'number':
      return typeof s.minimum === 'number' && s.minimum > 0 ? s.minimum : 0;
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return {};
  }
}

/** An example value for a JSON schema (first enum value, defaults, field-name hints). */
export function exampleOf(schema: JsonSchema, components: Record<string, JsonSchema>, field: string | null = null, depth = 0): Json {
  const s = resolve(schema, components);
  if (depth > MAX_DEPTH) return null;
  if (s.default !== undefined && !isObj(s.default)) return s.default;
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0]!;
  const variants = (Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : null)?.filter(isObj);
  if (variants?.length) {
    const nonNull = variants.find((v) => v.type !== 'null') ?? variants[0]!;
    return exampleOf(nonNull, components, field, depth + 1);
  }
  const type = firstType(s);
  if (type === 'object' || (type === undefined && isObj(s.properties))) {
    const out: { [k: string]: Json } = {};
    if (isObj(s.properties)) {
      for (const [k, v] of Object.entries(s.properties)) if (isObj(v)) out[k] = exampleOf(v, components, k, depth + 1);
    }
    return out;
  }
  if (type === 'array') {
    return isObj(s.items) ? [exampleOf(s.items, components, field, depth + 1)] : [];
  }
  return scalar(type, s, field);
}
