import { PolicySchema, SeedPolicySchema, type Effect, type Policy, type SeedPolicy } from '../../src-shared/index.js';
import { compileWhen } from './conditions/compile.js';
import { isPlainObject } from './conditions/values.js';
import { joinPath, PolicyValidationError, type ValidationDetail } from './errors.js';
import { checkConditionsOf } from './policy/validate.js';

export type PolicySource = Policy['source'];

const EFFECT_OF_SEED_ACTION: Record<SeedPolicy['action'], Effect> = {
  allow: 'allow',
  approve: 'allow',
  deny: 'deny',
  block: 'deny',
  require_approval: 'require_approval',
  escalate: 'require_approval',
  monitor: 'monitor',
};

/** Is this list item the seeds' `{name, conditions, action}` form rather than a Gatehouse policy? */
export function isSeedForm(item: unknown): boolean {
  return isPlainObject(item) && !('effect' in item) && ('action' in item || 'conditions' in item);
}

/** `Terraform Production Changes` → `terraform-production-changes` (policy id syntax). */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return slug || 'policy';
}

/** A fresh id for a seed policy without one: its slug, suffixed `-2`, `-3`… when taken. */
export function uniqueId(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = `${base.slice(0, 64 - suffix.length)}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * Maps the seeds' Terraform / MCP policy form onto a policy (SPEC 3.4): id from the name, effect
 * from `action` (approve → allow, block → deny, escalate → require_approval), `when` from
 * `conditions` (an object or a JSON string) plus conditions for `server_id` / `namespace` / `verb`
 * / `tool` on the fields `POST /mcp/governance/evaluate` fills (services/mcp.ts: `mcp.server_id`;
 * `mcp.tool` = the tool, else `namespace.verb`, else the verb; `action_type` = `namespace.verb`
 * when no tool is named). `approvers` has no meaning in a single-user console and is dropped.
 * Problems are appended to `issues` under `base`.
 */
export function policyFromSeed(
  item: unknown,
  base: string,
  issues: ValidationDetail[],
  opts: { source: PolicySource; takenIds: ReadonlySet<string> },
): Policy | null {
  const parsed = SeedPolicySchema.safeParse(item);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.push({ path: joinPath(base, issue.path), message: issue.message });
    checkConditionsOf(item, 'conditions', base, issues);
    return null;
  }
  const seed = parsed.data;
  const conditions = conditionsOf(seed.conditions, joinPath(base, ['conditions']), issues);
  if (conditions === null) return null;
  const when = withMcpConditions(conditions, seed);
  const candidate = {
    id: seed.id ?? uniqueId(slugify(seed.name), opts.takenIds),
    name: seed.name,
    description: seed.description,
    enabled: seed.enabled ?? true,
    priority: seed.priority ?? 50,
    effect: EFFECT_OF_SEED_ACTION[seed.action],
    mode: 'enforce' as const,
    when,
    source: opts.source,
  };
  const policy = PolicySchema.safeParse(candidate);
  if (!policy.success) {
    for (const issue of policy.error.issues) issues.push({ path: joinPath(base, issue.path), message: issue.message });
    compileWhen(when, joinPath(base, ['conditions']), issues);
    return null;
  }
  return policy.data;
}

function conditionsOf(raw: SeedPolicy['conditions'], path: string, issues: ValidationDetail[]): Record<string, unknown> | null {
  if (raw === undefined) return {};
  if (typeof raw !== 'string') return raw;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    issues.push({ path, message: `conditions is not valid JSON: ${(e as Error).message}` });
    return null;
  }
  if (!isPlainObject(parsed)) {
    issues.push({ path, message: 'conditions must be a JSON object' });
    return null;
  }
  return parsed;
}

function withMcpConditions(conditions: Record<string, unknown>, seed: SeedPolicy): Record<string, unknown> {
  const mcp: Record<string, unknown> = {};
  if (seed.server_id) mcp['mcp.server_id'] = seed.server_id;
  if (seed.tool) mcp['mcp.tool'] = seed.tool;
  else if (seed.namespace && seed.verb) mcp.action_type = `${seed.namespace}.${seed.verb}`;
  else if (seed.verb) mcp['mcp.tool'] = seed.verb;
  else if (seed.namespace) mcp.action_type = `${seed.namespace}.*`;
  if (Object.keys(mcp).length === 0) return conditions;
  const clash = Object.keys(mcp).some((k) => k in conditions);
  return clash ? { all: [conditions, mcp] } : { ...conditions, ...mcp };
}

/**
 * One seed-form policy (`POST /mcp/policies`) as a policy; throws a `PolicyValidationError` naming
 * the field when it is invalid (conditions included).
 */
export function seedToPolicy(item: unknown, opts: { source?: PolicySource; takenIds?: ReadonlySet<string> } = {}): Policy {
  const issues: ValidationDetail[] = [];
  const policy = policyFromSeed(item, '', issues, { source: opts.source ?? 'user', takenIds: opts.takenIds ?? new Set() });
  if (policy) compileWhen(policy.when, 'conditions', issues);
  if (!policy || issues.length > 0) throw new PolicyValidationError(issues);
  return policy;
}
