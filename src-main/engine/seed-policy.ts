import {
  DEFAULT_SETTINGS,
  isSeedPolicyForm,
  PolicySchema,
  SeedPolicySchema,
  WorkflowSchema,
  type Effect,
  type Policy,
  type SeedPolicy,
  type Settings,
  type Workflow,
} from '../../src-shared/index.js';
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

/** The seed actions that hold an action for approval: the only ones whose `approvers` mean something. */
const APPROVAL_ACTIONS: ReadonlySet<SeedPolicy['action']> = new Set(['require_approval', 'escalate']);

/** How long the step of a workflow made from `approvers` waits, and what its timeout does: the settings' (SPEC 3.5). */
export type SeedApprovalTerms = Pick<Settings, 'approval_timeout_s' | 'timeout_action'>;

/** A seed policy as the model has it: the policy, and the approval workflow its `approvers` make (null: none). */
export interface SeedMapping {
  policy: Policy;
  workflow: Workflow | null;
}

const APPROVERS_SUFFIX = '-approvers';

/**
 * The id of the workflow a seed policy's `approvers` make: `<policy id>-approvers` (the policy id cut
 * to fit 64 characters). Derived, so that importing the same file again updates the same workflow.
 */
export function approversWorkflowId(policyId: string): string {
  return `${policyId.slice(0, 64 - APPROVERS_SUFFIX.length)}${APPROVERS_SUFFIX}`;
}

/** Is this list item the seeds' `{name, conditions, action}` form rather than a Gatehouse policy? (The API's bodies are told apart by the same test.) */
export const isSeedForm: (item: unknown) => boolean = isSeedPolicyForm;

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
function uniqueId(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = `${base.slice(0, 64 - suffix.length)}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** The id a seed policy written without one gets: its name's slug, made unique among `taken`. */
export const idFromName = (name: string, taken: ReadonlySet<string>): string => uniqueId(slugify(name), taken);

/**
 * Maps the seeds' Terraform / MCP policy form onto a policy (SPEC 3.4): id from the name, effect
 * from `action` (approve → allow, block → deny, escalate → require_approval), `when` from
 * `conditions` (an object or a JSON string) plus conditions for `server_id` / `namespace` / `verb`
 * / `tool` (see `mcpConditions`: they match both the MCP proxy's calls and the shape
 * `POST /mcp/governance/evaluate` fills). A namespace or verb adds its matching rule to the
 * policy's description, so a decision it makes can be explained.
 *
 * `approvers` (a Terraform `approvers = [...]` list) on a `require_approval` / `escalate` policy
 * make a one-step approval workflow (SPEC 11), `<policy id>-approvers` (see approversWorkflow), which the policy names
 * with `approval.workflow`: one of them approves. On any other action they would mean nothing and
 * are refused, naming `approvers`, rather than dropped. Problems are appended to `issues` under `base`.
 */
export function policyFromSeed(
  item: unknown,
  base: string,
  issues: ValidationDetail[],
  opts: { source: PolicySource; takenIds: ReadonlySet<string>; approval?: SeedApprovalTerms },
): SeedMapping | null {
  const parsed = SeedPolicySchema.safeParse(item);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.push({ path: joinPath(base, issue.path), message: issue.message });
    checkConditionsOf(item, 'conditions', base, issues);
    return null;
  }
  const seed = parsed.data;
  const approvers = seed.approvers ?? [];
  if (approvers.length > 0 && !APPROVAL_ACTIONS.has(seed.action)) {
    issues.push({
      path: joinPath(base, ['approvers']),
      message: `only a require_approval or escalate policy has approvers; action '${seed.action}' never asks anyone (remove approvers or change the action)`,
    });
    return null;
  }
  const conditions = conditionsOf(seed.conditions, joinPath(base, ['conditions']), issues);
  if (conditions === null) return null;
  const when = withMcpConditions(conditions, seed);
  const id = seed.id ?? idFromName(seed.name, opts.takenIds);
  const workflow =
    approvers.length > 0 ? approversWorkflow(id, seed.name, approvers, opts.approval ?? DEFAULT_SETTINGS, base, issues) : null;
  if (workflow === undefined) return null;
  const candidate = {
    id,
    name: seed.name,
    description: withMcpExplanation(seed),
    enabled: seed.enabled ?? true,
    priority: seed.priority ?? 50,
    effect: EFFECT_OF_SEED_ACTION[seed.action],
    mode: 'enforce' as const,
    when,
    ...(workflow ? { approval: { workflow: workflow.id } } : {}),
    source: opts.source,
  };
  const policy = PolicySchema.safeParse(candidate);
  if (!policy.success) {
    for (const issue of policy.error.issues) issues.push({ path: joinPath(base, issue.path), message: issue.message });
    compileWhen(when, joinPath(base, ['conditions']), issues);
    return null;
  }
  return { policy: policy.data, workflow };
}

/**
 * The workflow a seed policy's `approvers` make (SPEC 11): one step naming them, `required: 1`
 * (any one of them approves, as a Terraform approvers list means), waiting as long as an approval
 * without a workflow would (the settings' `approval_timeout_s`) and then doing what such an
 * approval's timeout does (the settings' `timeout_action`). Undefined, with the problem in
 * `issues` named by `approvers`, when it cannot be made (an approver name twice).
 */
function approversWorkflow(
  policyId: string,
  name: string,
  approvers: readonly string[],
  terms: SeedApprovalTerms,
  base: string,
  issues: ValidationDetail[],
): Workflow | undefined {
  const id = approversWorkflowId(policyId);
  const parsed = WorkflowSchema.safeParse({
    id,
    name,
    description: `Made from the approvers of policy '${policyId}' (the seeds' Terraform / MCP form): any one of them approves. Importing that policy again replaces this workflow.`,
    steps: [{ approvers: [...approvers], required: 1, timeout_hours: terms.approval_timeout_s / 3600 }],
    escalation: { timeout_action: terms.timeout_action, escalation_approvers: [] },
  });
  if (parsed.success) return { ...parsed.data, id };
  for (const issue of parsed.error.issues) {
    // `steps[0].approvers[1]` is the seed's `approvers[1]`.
    const [steps, , field, ...rest] = issue.path;
    const at = steps === 'steps' && field === 'approvers' ? ['approvers', ...rest] : ['approvers'];
    issues.push({ path: joinPath(base, at), message: issue.message });
  }
  return undefined;
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
 * One seed-form policy (`POST /mcp/policies`) as a policy and the workflow its `approvers` make;
 * throws a `PolicyValidationError` naming the field when it is invalid (conditions included).
 */
export function seedToPolicy(
  item: unknown,
  opts: { source?: PolicySource; takenIds?: ReadonlySet<string>; approval?: SeedApprovalTerms } = {},
): SeedMapping {
  const issues: ValidationDetail[] = [];
  const mapped = policyFromSeed(item, '', issues, {
    source: opts.source ?? 'user',
    takenIds: opts.takenIds ?? new Set(),
    ...(opts.approval ? { approval: opts.approval } : {}),
  });
  if (mapped) compileWhen(mapped.policy.when, 'conditions', issues);
  if (!mapped || issues.length > 0) throw new PolicyValidationError(issues);
  return mapped;
}
