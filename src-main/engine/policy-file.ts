import { parseDocument, stringify } from 'yaml';
import {
  DEFAULT_SETTINGS,
  PolicySchema,
  SettingsPatchSchema,
  WorkflowSchema,
  type Policy,
  type Workflow,
  type RiskRule,
  type Settings,
  type SettingsPatch,
} from '../../src-shared/index.js';
import { compileWhen } from './conditions/compile.js';
import { isPlainObject } from './conditions/values.js';
import { itemPath, joinPath, PolicyValidationError, type ValidationDetail } from './errors.js';
import { yamlValueIssues } from './yaml-strict.js';
import { conditionSizeIssues } from './policy/size.js';
import { checkConditionsOf, compileRiskRules, riskFieldIssues } from './policy/validate.js';
import { idFromName, isSeedForm, policyFromSeed, type PolicySource, type SeedApprovalTerms } from './seed-policy.js';

/** SPEC 3.4: a policy file, validated whole and mapped to the model. */
export interface ParsedPolicyFile {
  version: 1;
  settings?: SettingsPatch;
  /** Absent when the file has no `risk_rules` key (the current rules are then kept). */
  risk_rules?: RiskRule[];
  /**
   * Approval workflows (SPEC 11) the file carries, created or replaced with its policies: those of
   * its `workflows` list, then those its seed-form policies' `approvers` make (see `madeWorkflows`).
   */
  workflows?: Workflow[];
  policies: Policy[];
  /** The workflows of `workflows` made from a seed policy's `approvers`: by whom (`path` names its `approvers`). */
  madeWorkflows?: MadeWorkflow[];
}

/** A workflow a seed-form policy's `approvers` made (seed-policy.ts `approversWorkflow`). */
export interface MadeWorkflow {
  workflow: string;
  policy: string;
  /** `policies[0](terraform-production-changes).approvers` */
  path: string;
}

export interface ParseOptions {
  /** `source` of policies that do not name one (default `import`). */
  defaultSource?: PolicySource;
  /**
   * The settings a workflow made from a seed policy's `approvers` takes its timeout from (the
   * current ones; a file's own `settings` win). Default: the shipped settings.
   */
  approval?: SeedApprovalTerms;
}

export type PolicyFileFormat = 'yaml' | 'json';

const TOP_LEVEL_KEYS = new Set(['version', 'settings', 'risk_rules', 'workflows', 'policies']);

/**
 * Parses a YAML or JSON policy file (`{version: 1, settings?, risk_rules?, workflows?, policies}`; a bare list
 * is read as `policies`). Each list item may be a Gatehouse policy or the seeds' Terraform / MCP
 * form. Every problem is collected, named by policy id and field, and thrown at once as a
 * `PolicyValidationError`.
 */
export function parsePolicyFile(text: string, opts: ParseOptions = {}): ParsedPolicyFile {
  const { file, issues } = readPolicyFile(text, opts);
  if (issues.length > 0 || !file) throw new PolicyValidationError(issues);
  return file;
}

/**
 * `parsePolicyFile` without the throw: the file as far as it could be read (null when it is not
 * YAML or JSON at all) and every problem found in it — what the file says (a key written twice), its
 * schema and its conditions, all in one list — so that a caller can add its own checks of the parts
 * that did parse and answer every problem at once. Only a file without problems may be applied.
 * `policyPaths[i]` names `file.policies[i]` where it stands in the file (`policies[3](id)`): the
 * policies that did not parse are left out of the list.
 */
export function readPolicyFile(
  text: string,
  opts: ParseOptions = {},
): { file: ParsedPolicyFile | null; issues: ValidationDetail[]; policyPaths: string[] } {
  // Duplicate keys are found by yamlValueIssues, which names them by field rather than by line.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => ({
      path: locationOf(e.linePos?.[0]),
      message: (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, ''),
    }));
    return { file: null, issues, policyPaths: [] };
  }
  const issues = yamlValueIssues(doc);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // An alias of an anchor the file lacks cannot be read on: yamlValueIssues has named it.
    if (issues.length === 0) throw e;
    return { file: null, issues, policyPaths: [] };
  }
  const policyPaths: string[] = [];
  return { file: readPolicyDocument(raw, opts, issues, policyPaths), issues, policyPaths };
}

function locationOf(pos: { line: number; col: number } | undefined): string {
  return pos ? `line ${pos.line}, column ${pos.col}` : 'file';
}

/** The same as `parsePolicyFile` for a document already parsed (a JSON request body). */
export function parsePolicyDocument(raw: unknown, opts: ParseOptions = {}): ParsedPolicyFile {
  const issues: ValidationDetail[] = [];
  const file = readPolicyDocument(raw, opts, issues);
  if (issues.length > 0 || !file) throw new PolicyValidationError(issues);
  return file;
}

/** Reads a parsed document into `issues` and the parts that are valid (null: not a policy file at all). */
function readPolicyDocument(
  raw: unknown,
  opts: ParseOptions,
  issues: ValidationDetail[],
  policyPaths: string[] = [],
): ParsedPolicyFile | null {
  const doc = Array.isArray(raw) ? { version: 1, policies: raw } : raw;
  if (!isPlainObject(doc)) {
    issues.push({ path: '(file)', message: 'a policy file is an object with version and policies (or a list of policies)' });
    return null;
  }

  for (const key of Object.keys(doc))
    if (!TOP_LEVEL_KEYS.has(key))
      issues.push({ path: key, message: `unknown key '${key}' (expected version, settings, risk_rules, workflows, policies)` });
  if (doc.version !== undefined && doc.version !== 1) issues.push({ path: 'version', message: 'only version 1 is supported' });

  const out: ParsedPolicyFile = { version: 1, policies: [] };
  if (doc.settings !== undefined) {
    const settings = SettingsPatchSchema.safeParse(doc.settings);
    if (settings.success) out.settings = onlyGivenKeys(settings.data, doc.settings);
    else for (const issue of settings.error.issues) issues.push({ path: joinPath('settings', issue.path), message: issue.message });
  }
  if (doc.risk_rules !== undefined) {
    if (Array.isArray(doc.risk_rules)) {
      out.risk_rules = compileRiskRules(doc.risk_rules, issues).map((r) => r.rule);
      issues.push(...riskFieldIssues(doc.risk_rules));
      issues.push(...listSizeIssues(doc.risk_rules, 'risk_rules'));
    } else issues.push({ path: 'risk_rules', message: 'must be a list' });
  }
  if (doc.workflows !== undefined) {
    if (Array.isArray(doc.workflows)) out.workflows = parseWorkflowList(doc.workflows, issues);
    else issues.push({ path: 'workflows', message: 'must be a list' });
  }
  if (Array.isArray(doc.policies)) {
    const approval = {
      approval_timeout_s: out.settings?.approval_timeout_s ?? opts.approval?.approval_timeout_s ?? DEFAULT_SETTINGS.approval_timeout_s,
      timeout_action: out.settings?.timeout_action ?? opts.approval?.timeout_action ?? DEFAULT_SETTINGS.timeout_action,
    };
    const made = parsePolicyList(doc.policies, issues, { source: opts.defaultSource ?? 'import', approval }, policyPaths);
    issues.push(...listSizeIssues(doc.policies, 'policies'));
    out.policies = made.policies;
    addMadeWorkflows(out, made.workflows, issues);
  } else issues.push({ path: 'policies', message: 'must be a list' });
  return out;
}

/** The size check of the conditions of each item of a list written in a file (a seed item's are its `conditions`). */
function listSizeIssues(items: readonly unknown[], list: 'policies' | 'risk_rules'): ValidationDetail[] {
  return items.flatMap((item, i) => {
    if (!isPlainObject(item)) return [];
    const key = item.when === undefined && item.conditions !== undefined ? 'conditions' : 'when';
    return conditionSizeIssues(item[key], `${itemPath(list, i, item.id)}.${key}`);
  });
}

/**
 * Adds the workflows seed policies' `approvers` made to the file's own: an id the file's
 * `workflows` list (or another seed policy) already has is a problem named by `approvers`, never
 * one silently replacing the other.
 */
function addMadeWorkflows(
  out: ParsedPolicyFile,
  made: { workflow: Workflow; path: string; policy: string }[],
  issues: ValidationDetail[],
): void {
  if (made.length === 0) return;
  const listed = new Set((out.workflows ?? []).map((w) => w.id));
  const byId = new Map<string, string>();
  for (const m of made) {
    const id = m.workflow.id;
    const other = listed.has(id) ? `the file's workflows list` : byId.get(id);
    if (other) {
      issues.push({
        path: m.path,
        message: `would make the approval workflow '${id}', which ${other} also has; give this policy another id`,
      });
      continue;
    }
    byId.set(id, `policy '${m.policy}'`);
    (out.workflows ??= []).push(m.workflow);
    (out.madeWorkflows ??= []).push({ workflow: id, policy: m.policy, path: m.path });
  }
}

/**
 * zod 4 keeps the defaults of a `.partial()` schema, so a parsed patch holds every setting; only
 * the keys the file actually names are a patch (the rest must not reset current settings).
 */
function onlyGivenKeys(parsed: SettingsPatch, given: unknown): SettingsPatch {
  const out: Record<string, unknown> = {};
  if (!isPlainObject(given)) return out;
  for (const [key, value] of Object.entries(parsed)) if (key in given) out[key] = value;
  return out as SettingsPatch;
}

function parsePolicyList(
  items: readonly unknown[],
  issues: ValidationDetail[],
  opts: { source: PolicySource; approval: SeedApprovalTerms },
  paths: string[],
): { policies: Policy[]; workflows: { workflow: Workflow; path: string; policy: string }[] } {
  const policies: Policy[] = [];
  const workflows: { workflow: Workflow; path: string; policy: string }[] = [];
  const firstIndexOf = new Map<string, number>();
  // The ids a seed policy without one must not take: every explicit id, and those given before it.
  // One set grown as the list is read (a copy per item made a 10,000-policy file quadratic: ~40 s).
  const taken = new Set(items.flatMap((item) => (isPlainObject(item) && typeof item.id === 'string' ? [item.id] : [])));
  items.forEach((item, i) => {
    const seed = isSeedForm(item);
    const rawId = isPlainObject(item) ? item.id : undefined;
    // A seed policy without an id is named by the id its name gives it (SPEC 3.4: errors name the policy id).
    const seedId = seed && rawId === undefined ? seedIdOf(item, taken) : undefined;
    const base = itemPath('policies', i, seedId ?? rawId);
    const mapped = seed
      ? policyFromSeed(item, base, issues, { source: opts.source, takenIds: taken, approval: opts.approval })
      : { policy: nativePolicy(item, base, issues, opts.source), workflow: null };
    const policy = mapped?.policy;
    if (!policy) {
      // Taken all the same, so that each invalid seed policy's errors name an id of its own.
      if (seedId !== undefined) taken.add(seedId);
      return;
    }
    const at = itemPath('policies', i, policy.id);
    if (mapped.workflow) workflows.push({ workflow: mapped.workflow, path: `${at}.approvers`, policy: policy.id });
    const earlier = firstIndexOf.get(policy.id);
    if (earlier !== undefined) issues.push({ path: `${at}.id`, message: `duplicate id '${policy.id}' (also policies[${earlier}])` });
    else firstIndexOf.set(policy.id, i);
    taken.add(policy.id);
    compileWhen(policy.when, `${at}.${seed ? 'conditions' : 'when'}`, issues);
    policies.push(policy);
    paths.push(at);
  });
  return { policies, workflows };
}

/** The id a seed policy without one will get (`idFromName`, as policyFromSeed gives it), or undefined when it has no usable name. */
function seedIdOf(item: unknown, taken: ReadonlySet<string>): string | undefined {
  const name = isPlainObject(item) ? item.name : undefined;
  return typeof name === 'string' && name.length > 0 ? idFromName(name, taken) : undefined;
}

/** A file's workflows: each whole (SPEC 11's document), with an id of its own (policies name it). */
function parseWorkflowList(items: readonly unknown[], issues: ValidationDetail[]): Workflow[] {
  const out: Workflow[] = [];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const rawId = isPlainObject(item) ? item.id : undefined;
    const base = itemPath('workflows', i, rawId);
    const parsed = WorkflowSchema.safeParse(item);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) issues.push({ path: joinPath(base, issue.path), message: issue.message });
      return;
    }
    const id = parsed.data.id;
    if (id === undefined)
      return void issues.push({ path: `${base}.id`, message: 'a workflow in a policy file needs its id (policies name it)' });
    if (seen.has(id)) return void issues.push({ path: `${base}.id`, message: `duplicate id '${id}'` });
    seen.add(id);
    out.push({ ...parsed.data, id });
  });
  return out;
}

function nativePolicy(item: unknown, base: string, issues: ValidationDetail[], defaultSource: PolicySource): Policy | null {
  const withSource = isPlainObject(item) && item.source === undefined ? { ...item, source: defaultSource } : item;
  const parsed = PolicySchema.safeParse(withSource);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) issues.push({ path: joinPath(base, issue.path), message: issue.message });
  checkConditionsOf(item, 'when', base, issues);
  return null;
}

export interface PolicyFileContent {
  policies: readonly Policy[];
  settings: Settings | SettingsPatch;
  riskRules: readonly RiskRule[];
  workflows?: readonly Workflow[];
}

/**
 * Writes a policy file in the format `parsePolicyFile` reads, round-trippable: parsing the output
 * gives back the same policies, settings and risk rules.
 */
export function exportPolicyFile(content: PolicyFileContent, format: PolicyFileFormat): string;
export function exportPolicyFile(
  policies: readonly Policy[],
  settings: Settings | SettingsPatch,
  riskRules: readonly RiskRule[],
  format: PolicyFileFormat,
): string;
export function exportPolicyFile(
  first: PolicyFileContent | readonly Policy[],
  second: PolicyFileFormat | Settings | SettingsPatch,
  riskRules?: readonly RiskRule[],
  format?: PolicyFileFormat,
): string {
  const content: PolicyFileContent = Array.isArray(first)
    ? { policies: first, settings: second as Settings | SettingsPatch, riskRules: riskRules ?? [] }
    : (first as PolicyFileContent);
  const chosen: PolicyFileFormat = Array.isArray(first) ? (format ?? 'yaml') : (second as PolicyFileFormat);
  const doc = {
    version: 1,
    settings: content.settings,
    risk_rules: content.riskRules,
    // Only when there are any: a file without workflows reads as it did before them.
    ...(content.workflows?.length ? { workflows: content.workflows } : {}),
    policies: content.policies,
  };
  const plain = JSON.parse(JSON.stringify(doc)) as typeof doc;
  if (chosen === 'json') return `${JSON.stringify(plain, null, 2)}\n`;
  return `# Gatehouse policy file (version 1: settings, risk_rules, workflows, policies). Import with \`gatehouse policy import FILE\`.\n${stringify(plain, { lineWidth: 0 })}`;
}
