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
 * / `tool` (see `mcpConditions`: they match both the MCP proxy's calls and the shape
 * `POST /mcp/governance/evaluate` fills). A namespace or verb adds its matching rule to the
 * policy's description, so a decision it makes can be explained. `approvers` has no meaning in a
 * single-user console and is dropped. Problems are appended to `issues` under `base`.
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
    description: withMcpExplanation(seed),
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

/** The separators between the words of an MCP tool's name: `database_query`, `fs.read`, `git/log`, `get-issue`. */
const TOOL_WORD_SEPARATORS = '[_./-]';

/** A name from the seed form as a regex source: literal, except `*` and `?`, which keep their wildcard meaning (SPEC 3.2). */
function nameSource(name: string): string {
  return name.replace(/[\\^$.|+()[\]{}*?]/g, (c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : `\\${c}`));
}

/**
 * The seeds name an MCP call by `namespace` (a group of tools: `database`, `filesystem`) and `verb`
 * (`execute`, `read`); the MCP proxy's calls name `mcp.server_id` and `mcp.tool`, and the seeds'
 * evaluate route sends `action_type` = `namespace.verb` (services/mcp.ts). So that one policy
 * matches all of them:
 * - a namespace matches a call on the server of that id, a tool whose name is the namespace or
 *   starts with it followed by `_` `.` `/` `-` (`database_query`, `database.query`), or an
 *   `action_type` `namespace.*`, or an evaluate call naming that namespace beside a tool
 *   (`mcp.namespace`);
 * - a verb matches a tool having it as a whole word between those separators (`execute`,
 *   `execute_query`, `file_delete`, `fs.read_file`), an `action_type` `*.verb`, or an evaluate
 *   call naming that verb beside a tool (`mcp.verb`);
 * - both must hold when both are given; `server_id` and `tool` are plain equality, as before.
 * Names match case-sensitively; `*` and `?` in them are wildcards. Every call the earlier mapping
 * matched (`action_type: namespace.verb`, `mcp.tool: verb`, `action_type: namespace.*`) still
 * matches: the rule only widens what a namespace or verb policy covers.
 */
export function mcpConditions(seed: Pick<SeedPolicy, 'server_id' | 'namespace' | 'verb' | 'tool'>): Record<string, unknown> {
  const mcp: Record<string, unknown> = {};
  if (seed.server_id) mcp['mcp.server_id'] = seed.server_id;
  if (seed.tool) {
    mcp['mcp.tool'] = seed.tool;
    return mcp;
  }
  const parts: Record<string, unknown>[] = [];
  if (seed.namespace)
    parts.push({
      any: [
        { 'mcp.server_id': seed.namespace },
        { 'mcp.tool': { regex: `^${nameSource(seed.namespace)}(?:${TOOL_WORD_SEPARATORS}|$)` } },
        { action_type: `${seed.namespace}.*` },
        { 'mcp.namespace': seed.namespace },
      ],
    });
  if (seed.verb)
    parts.push({
      any: [
        { 'mcp.tool': { regex: `(?:^|${TOOL_WORD_SEPARATORS})${nameSource(seed.verb)}(?:${TOOL_WORD_SEPARATORS}|$)` } },
        { action_type: `*.${seed.verb}` },
        { 'mcp.verb': seed.verb },
      ],
    });
  if (parts.length === 1) Object.assign(mcp, parts[0]);
  else if (parts.length > 1) mcp.all = parts;
  return mcp;
}

function withMcpConditions(conditions: Record<string, unknown>, seed: SeedPolicy): Record<string, unknown> {
  const mcp = mcpConditions(seed);
  if (Object.keys(mcp).length === 0) return conditions;
  const clash = Object.keys(mcp).some((k) => k in conditions);
  return clash ? { all: [conditions, mcp] } : { ...conditions, ...mcp };
}

/** The longest description a policy may have (PolicySchema). */
const MAX_DESCRIPTION = 4_000;

/** The seed's description, followed by how its namespace / verb match MCP calls (the rule of `mcpConditions`). */
function withMcpExplanation(seed: SeedPolicy): string | undefined {
  if (seed.tool || (!seed.namespace && !seed.verb)) return seed.description;
  const said: string[] = [];
  if (seed.namespace)
    said.push(
      `namespace '${seed.namespace}' matches a call on MCP server '${seed.namespace}', a tool named '${seed.namespace}' or ` +
        `starting '${seed.namespace}' then _ . / or - (${seed.namespace}_query, ${seed.namespace}.read), action_type '${seed.namespace}.*', or an evaluate call naming namespace '${seed.namespace}'`,
    );
  if (seed.verb)
    said.push(
      `verb '${seed.verb}' matches a tool having '${seed.verb}' as a whole word between _ . / - ` +
        `(${seed.verb}, ${seed.verb}_file, file_${seed.verb}), action_type '*.${seed.verb}', or an evaluate call naming verb '${seed.verb}'`,
    );
  const rule = `MCP match: ${said.join('; and ')}. Names match case-sensitively.`;
  const text = seed.description ? `${seed.description}\n\n${rule}` : rule;
  return text.length <= MAX_DESCRIPTION ? text : seed.description;
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
