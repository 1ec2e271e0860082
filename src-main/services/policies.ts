import {
  PolicySchema,
  type ErrorDetail,
  type Policy,
  type PolicyImportResult,
  type PolicyInput,
  type PolicyView,
  type RiskRule,
  type Settings,
} from '../../src-shared/index.js';
import { iso, isoOrNull, type Clock } from '../core/clock.js';
import {
  checkPolicy,
  compilePolicies,
  compilePolicySteps,
  exportPolicyFile,
  failClosedStandIn,
  PolicyValidationError,
  type ParsedPolicyFile,
  type SeedMapping,
  type UnusablePolicy,
} from '../engine/index.js';
import type { Engine } from '../engine/types.js';
import { conflict, GatehouseError, invalid, invalidField, notFound } from '../core/errors.js';
import { upsertWorkflowOp, workflowOf, workflowRow, workflowRows } from './workflow-rows.js';
import type { EventBus } from '../events/bus.js';
import type { AuditDraft, Op, Store } from '../storage/types.js';
import type { SettingsService } from './settings.js';
import { retiredDefaults, supersededDefaults } from './shipped-defaults.js';
import { redact } from './redact.js';
import { readPolicyFileOffLoop } from './policy-file-read.js';
import { runInSlices } from './slices.js';

interface PolicyRow {
  id: string;
  body: string;
  created_ms: number;
  updated_ms: number;
  hits: number;
  last_hit_ms: number | null;
}

interface Entry {
  policy: Policy;
  created_ms: number;
  updated_ms: number;
  hits: number;
  last_hit_ms: number | null;
  /** Held in memory only (`remember: until_restart`). */
  ephemeral: boolean;
  /** Set when the stored policy no longer compiles: what the engine runs instead (fail closed). */
  unusable?: UnusablePolicy;
}

/** What the engine runs for an entry: the policy, or its fail-closed stand-in (none when disabled). */
const effective = (e: Entry): Policy | null => (e.unusable ? e.unusable.standIn : e.policy);

/** A policy the engine refused (or a policy file that does not parse) as a 400 naming its field. */
export function policyError(e: unknown): GatehouseError {
  if (e instanceof PolicyValidationError) return new GatehouseError('invalid_request', e.message, e.details);
  return e instanceof GatehouseError ? e : new GatehouseError('invalid_request', (e as Error).message);
}

/** A running A/B test a policy takes part in. */
export interface PolicyUse {
  test: string;
  role: 'control' | 'test';
}

/**
 * The policy set (SPEC 3): persisted policies plus in-memory `until_restart` ones, the custom risk
 * rules, and the compiled engine, rebuilt once per change — never interpreted per request.
 */
export class PolicyService {
  private readonly entries = new Map<string, Entry>();
  private riskRules: RiskRule[] = [];
  private compiled: Engine;
  /** Bumped by every change of the set the engine is built from (see install). */
  private generation = 0;
  /** The policies running A/B tests take part in, and as what (so they cannot be deleted or unmade). */
  private uses: () => ReadonlyMap<string, PolicyUse> = () => new Map();

  constructor(
    private readonly store: Store,
    private readonly settings: SettingsService,
    private readonly bus: EventBus,
    private readonly clock: Clock,
  ) {
    for (const r of store.all<PolicyRow>('SELECT * FROM policies')) {
      const parsed = PolicySchema.safeParse(JSON.parse(r.body));
      if (!parsed.success) continue;
      this.entries.set(r.id, {
        policy: parsed.data,
        created_ms: r.created_ms,
        updated_ms: r.updated_ms,
        hits: r.hits,
        last_hit_ms: r.last_hit_ms,
        ephemeral: false,
        unusable: failClosedStandIn(parsed.data) ?? undefined,
      });
    }
    this.riskRules = store.all<{ body: string }>('SELECT body FROM risk_rules ORDER BY id').map((r) => JSON.parse(r.body) as RiskRule);
    this.compiled = this.compile(this.policies(), settings.get(), this.riskRules);
    settings.onChange(() => this.settingsChanged());
  }

  engine(): Engine {
    return this.compiled;
  }

  /**
   * How the policies' users are found before one is changed or deleted (the A/B test service sets
   * it): every use at once, so an import of 10,000 policies reads them once, not once per policy.
   */
  setUsageLookup(uses: () => ReadonlyMap<string, PolicyUse>): void {
    this.uses = uses;
  }

  /** The running A/B test a policy takes part in, and as what, or null. */
  private usedBy(id: string): PolicyUse | null {
    return this.uses().get(id) ?? null;
  }

  /**
   * SPEC 12: while a test runs, its control stays an enabled, enforced policy that decides, and its
   * test policy one that decides (as the test was created with): otherwise the control matches
   * nothing or never decides, and the test goes on measuring nothing without a word. A 409: the
   * change is fine once the test is stopped.
   */
  private checkStillTestable(id: string, p: Policy): void {
    const issue = this.testableIssue(id, p, '');
    if (issue) throw new GatehouseError('conflict', issue.summary, [issue.detail]);
  }

  /** What `checkStillTestable` refuses, with the field under `base` (an import names the policy). */
  private testableIssue(
    id: string,
    p: Policy,
    base: string,
    uses: ReadonlyMap<string, PolicyUse> = this.uses(),
  ): { summary: string; detail: ErrorDetail } | null {
    const use = uses.get(id);
    if (!use) return null;
    const control = use.role === 'control';
    const field = p.effect === 'monitor' ? 'effect' : control && p.mode !== 'enforce' ? 'mode' : control && !p.enabled ? 'enabled' : null;
    if (!field) return null;
    const what = control ? 'an enabled, enforced policy that decides' : 'a policy that decides';
    return {
      summary: `Policy '${id}' is the ${use.role} policy of the running A/B test '${use.test}': it stays ${what} until the test is stopped`,
      detail: {
        path: `${base}${field}`,
        message: `cannot become ${field === 'enabled' ? 'false' : String(p[field])} while the A/B test '${use.test}' runs`,
      },
    };
  }

  /** SPEC 11: a policy names an existing workflow, and only a require_approval policy names one (400 naming the field). */
  private checkWorkflow(p: Policy, alsoKnown?: ReadonlySet<string>): void {
    const issue = this.workflowIssue(p, '', alsoKnown);
    if (issue) throw invalidField(issue.path, issue.message, 'Policy is invalid');
  }

  /** What `checkWorkflow` refuses, as a detail (`alsoKnown`: workflows the same import creates). */
  private workflowIssue(p: Policy, base: string, alsoKnown?: ReadonlySet<string>): ErrorDetail | null {
    const id = p.approval?.workflow;
    if (id === undefined) return null;
    const path = `${base}approval.workflow`;
    if (p.effect !== 'require_approval') return { path, message: 'only a require_approval policy can name a workflow' };
    if (!alsoKnown?.has(id) && !workflowRow(this.store, id)) return { path, message: `unknown workflow '${id}'` };
    return null;
  }

  /**
   * A workflow made from policy `policyId`'s seed `approvers` (`<id>-approvers`) replaces a stored
   * workflow of that id only when no other policy of `set` names it: else another policy's approvers
   * would change without a word. The problem, named by `path` (the seed's `approvers`), or null.
   */
  private madeWorkflowIssue(made: { workflow: string; policy: string; path: string }, set: Iterable<Policy>): ErrorDetail | null {
    if (!workflowRow(this.store, made.workflow)) return null;
    const others: string[] = [];
    for (const p of set) if (p.id !== made.policy && p.approval?.workflow === made.workflow) others.push(p.id);
    if (others.length === 0) return null;
    return {
      path: made.path,
      message: `would replace the approval workflow '${made.workflow}', which ${others.length === 1 ? 'policy' : 'policies'} ${others.map((o) => `'${o}'`).join(', ')} also name${others.length === 1 ? 's' : ''}; give this policy another id`,
    };
  }

  /** The set the engine runs: every policy, stored ones that no longer compile by their fail-closed stand-ins. */
  policies(): Policy[] {
    const out: Policy[] = [];
    for (const e of this.entries.values()) {
      const p = effective(e);
      if (p) out.push(p);
    }
    return out;
  }

  /** The policy as the engine runs it (a stored one that no longer compiles: its stand-in); null if none. */
  running(id: string): Policy | null {
    const e = this.entries.get(id);
    return e ? effective(e) : null;
  }

  /** Stored policies the engine cannot compile any more, and how each takes part in decisions instead. */
  unusable(): { policy: Policy; unusable: UnusablePolicy }[] {
    return [...this.entries.values()].flatMap((e) => (e.unusable ? [{ policy: e.policy, unusable: e.unusable }] : []));
  }

  getRiskRules(): RiskRule[] {
    return this.riskRules;
  }

  isEmpty(): boolean {
    return this.entries.size === 0;
  }

  list(): PolicyView[] {
    return [...this.entries.values()]
      .sort((a, b) => b.policy.priority - a.policy.priority || a.policy.id.localeCompare(b.policy.id))
      .map((e) => this.view(e));
  }

  get(id: string): PolicyView {
    const e = this.entries.get(id);
    if (!e) throw notFound(`Policy '${id}'`);
    return this.view(e);
  }

  /** Compiles a candidate policy set; invalid sets become a 400 naming policy and field. */
  compile(policies: Policy[], settings: Settings, riskRules: RiskRule[]): Engine {
    try {
      return compilePolicies({ policies, settings, riskRules });
    } catch (e) {
      throw policyError(e);
    }
  }

  /**
   * `compile` in slices (SPEC 8: a 10,000-policy set takes hundreds of ms; the event loop runs
   * between the slices): the same engine and the same 400. The policies must not change meanwhile.
   */
  async compileSliced(policies: Policy[], settings: Settings, riskRules: RiskRule[]): Promise<Engine> {
    try {
      return await runInSlices(compilePolicySteps({ policies, settings, riskRules }), undefined, this.onSlice);
    } catch (e) {
      throw policyError(e);
    }
  }

  /** Called at each yield of a sliced compile (tests see the event loop run in the middle of one). */
  onSlice: (() => void) | undefined = undefined;

  parse(input: unknown, idFromPath?: string): Policy {
    const body = idFromPath && typeof input === 'object' && input !== null && !('id' in input) ? { ...input, id: idFromPath } : input;
    const parsed = PolicySchema.safeParse(body);
    if (!parsed.success) throw invalid(parsed.error, 'Policy');
    if (idFromPath && parsed.data.id !== idFromPath) {
      throw new GatehouseError('invalid_request', 'Policy id in the body differs from the path', [
        { path: 'id', message: `must be '${idFromPath}'` },
      ]);
    }
    // Conditions are named as the body has them (`when.resource.regex`), not by the policy's place in the set.
    const issues = checkPolicy(parsed.data);
    if (issues.length > 0) throw policyError(new PolicyValidationError(issues));
    return parsed.data;
  }

  /**
   * Validates a new policy and returns what creating it takes, so a caller can journal it together
   * with its own change (an approval's `remember`) and apply it only once that is durable.
   */
  prepareCreate(
    input: PolicyInput | Policy,
    opts: { actor?: string; ephemeral?: boolean; data?: Record<string, unknown>; workflows?: ReadonlySet<string> } = {},
  ) {
    const policy = this.parse(input);
    const recorded = recordedPolicy(policy);
    if (this.entries.has(policy.id)) throw conflict(`Policy '${policy.id}' already exists`);
    this.checkWorkflow(policy, opts.workflows);
    const engine = this.changed(policy.id, policy);
    const validatedAt = this.generation;
    const now = this.clock.now();
    const ops: Op[] = opts.ephemeral ? [] : [this.upsertOp(policy, now, now)];
    const audit: AuditDraft = {
      type: 'policy.created',
      actor: opts.actor ?? 'user',
      data: { policy: recorded, ephemeral: !!opts.ephemeral, ...opts.data },
    };
    /** `seq`: the policy.created record's, once it is durable (the event is made from it). */
    const apply = (seq: number | null): PolicyView => {
      const entry: Entry = { policy, created_ms: now, updated_ms: now, hits: 0, last_hit_ms: null, ephemeral: !!opts.ephemeral };
      this.entries.set(policy.id, entry);
      this.install(engine, validatedAt, policy.id, policy);
      this.bus.publish('policy.changed', { change: 'created', policy_id: policy.id, policy: recorded }, { seq });
      return this.view(entry);
    };
    return { policy, ops, audit, apply };
  }

  async create(
    input: PolicyInput | Policy,
    opts: { actor?: string; ephemeral?: boolean; data?: Record<string, unknown> } = {},
  ): Promise<PolicyView> {
    const prepared = this.prepareCreate(input, opts);
    const [rec] = await this.store.commit(prepared.ops, [prepared.audit]);
    return prepared.apply(rec!.seq);
  }

  /**
   * A seed-form policy (`POST /mcp/policies`) and the workflow its `approvers` made, in one commit:
   * the workflow is created (or, left by a deleted policy of the same id and named by no other,
   * replaced) and audited as such. 409 when another policy names that workflow.
   */
  async createFromSeed({ policy, workflow }: SeedMapping, actor = 'user'): Promise<PolicyView> {
    if (!workflow) return this.create(policy, { actor });
    const clash = this.madeWorkflowIssue(
      { workflow: workflow.id, policy: policy.id, path: 'approvers' },
      [...this.entries.values()].map((e) => e.policy),
    );
    if (clash) throw new GatehouseError('conflict', `Policy '${policy.id}' ${clash.message}`, [clash]);
    const prepared = this.prepareCreate(policy, { actor, workflows: new Set([workflow.id]) });
    const existing = workflowRow(this.store, workflow.id);
    const now = this.clock.now();
    const made = { made_from_policy: policy.id };
    const [rec] = await this.store.commit(
      [upsertWorkflowOp(workflow, existing?.created_ms ?? now, now), ...prepared.ops],
      [
        prepared.audit,
        existing
          ? { type: 'workflow.updated', actor, data: { workflow, previous: workflowOf(existing), ...made } }
          : { type: 'workflow.created', actor, data: { workflow, ...made } },
      ],
    );
    return prepared.apply(rec!.seq);
  }

  async update(id: string, input: unknown, actor = 'user'): Promise<PolicyView> {
    const existing = this.entries.get(id);
    if (!existing) throw notFound(`Policy '${id}'`);
    const policy = this.parse(input, id);
    this.checkWorkflow(policy);
    this.checkStillTestable(id, policy);
    const engine = this.changed(id, policy);
    const validatedAt = this.generation;
    const now = this.clock.now();
    const ops: Op[] = existing.ephemeral ? [] : [this.upsertOp(policy, existing.created_ms, now)];
    const [rec] = await this.store.commit(ops, [
      { type: 'policy.updated', actor, data: { policy: recordedPolicy(policy), previous: recordedPolicy(existing.policy) } },
    ]);
    const entry: Entry = { ...existing, policy, updated_ms: now, unusable: undefined };
    this.entries.set(id, entry);
    this.install(engine, validatedAt, id, policy);
    this.bus.publish('policy.changed', { change: 'updated', policy_id: id, policy: recordedPolicy(policy) }, { seq: rec!.seq });
    return this.view(entry);
  }

  async remove(id: string, actor = 'user'): Promise<void> {
    const existing = this.entries.get(id);
    if (!existing) throw notFound(`Policy '${id}'`);
    const use = this.usedBy(id);
    if (use) throw conflict(`Policy '${id}' is used by the running A/B test '${use.test}' (as its ${use.role} policy); stop it first`);
    const engine = this.changed(id, null);
    const validatedAt = this.generation;
    const [rec] = await this.store.commit(existing.ephemeral ? [] : [{ sql: 'DELETE FROM policies WHERE id = ?', params: [id] }], [
      { type: 'policy.deleted', actor, data: { policy_id: id, policy: recordedPolicy(existing.policy) } },
    ]);
    this.entries.delete(id);
    this.install(engine, validatedAt, id, null);
    this.bus.publish('policy.changed', { change: 'deleted', policy_id: id }, { seq: rec!.seq });
  }

  /**
   * SPEC 3.4: validate the whole file, then apply policies, workflows, risk rules and settings
   * atomically (one commit). SPEC 8: nothing of it holds the event loop for long — a big file is
   * read on a thread of its own and the new set compiled once, in slices, before the commit; that
   * engine is the one installed after it (reconciled with any change that landed meanwhile).
   */
  async importText(text: string, opts: { actor?: string; defaultSource?: Policy['source'] } = {}): Promise<PolicyImportResult> {
    // One answer lists every problem found (SPEC 3.4: the whole file is validated first): the
    // file's own (its schema, its conditions, text no JSON can hold), then those of the parts that did parse.
    const current = this.settings.get();
    const read = await readPolicyFileOffLoop(text, {
      defaultSource: opts.defaultSource ?? 'import',
      approval: { approval_timeout_s: current.approval_timeout_s, timeout_action: current.timeout_action },
    });
    const issues: ErrorDetail[] = read.issues;
    if (read.file) {
      const fileWorkflows = new Set((read.file.workflows ?? []).map((w) => w.id));
      read.file.policies.forEach((p, i) => {
        const issue = this.workflowIssue(p, `${read.policyPaths[i]!}.`, fileWorkflows);
        if (issue) issues.push(issue);
      });
    }
    if (issues.length > 0 || !read.file) throw policyError(new PolicyValidationError(issues));
    const file = read.file;
    this.checkImportable(file, read.policyPaths);
    const workflows = file.workflows ?? [];
    // The set the new engine is compiled from: the entries now, with the file's policies (by object:
    // what install compares the entries with once the commit is done).
    const builtFrom = new Map<string, Policy>();
    for (const [id, e] of this.entries) {
      const p = effective(e);
      if (p) builtFrom.set(id, p);
    }
    let created = 0;
    for (const p of file.policies) {
      if (!this.entries.has(p.id)) created++;
      builtFrom.set(p.id, p);
    }
    const updated = file.policies.length - created;
    const riskRules = file.risk_rules ?? this.riskRules;
    const settings = file.settings ? this.settings.merged(file.settings, 'settings') : this.settings.get();
    const engine = await this.compileSliced([...builtFrom.values()], settings, riskRules);
    const now = this.clock.now();
    // Workflows first: the policies of the same commit name them.
    const ops: Op[] = workflows.map((w) => upsertWorkflowOp(w, workflowRow(this.store, w.id)?.created_ms ?? now, now));
    // Each policy's row is its JSON (10,000 of them: tens of ms), written in slices too.
    await runInSlices(
      (function* (service: PolicyService) {
        for (const p of file.policies) {
          yield;
          ops.push(service.upsertOp(p, service.entries.get(p.id)?.created_ms ?? now, now));
        }
      })(this),
    );
    // The loop ran while the set compiled: what the file is checked against may have changed (an A/B
    // test started, a workflow deleted). Checked again after the last slice, with nothing in between
    // but the commit; a refusal still changes nothing.
    if (file.policies.some((p) => p.approval?.workflow !== undefined)) {
      const fileWorkflows = new Set(workflows.map((w) => w.id));
      const gone = file.policies.flatMap((p, i) => this.workflowIssue(p, `${read.policyPaths[i]!}.`, fileWorkflows) ?? []);
      if (gone.length > 0) throw policyError(new PolicyValidationError(gone));
    }
    this.checkImportable(file, read.policyPaths);
    // The file's settings are part of the same commit (all or nothing), audited as a settings change too.
    const settingsChange = file.settings ? this.settings.prepare(file.settings, opts.actor ?? 'user') : null;
    if (settingsChange) ops.push(...settingsChange.ops);
    if (file.risk_rules) {
      ops.push({ sql: 'DELETE FROM risk_rules' });
      for (const r of file.risk_rules)
        ops.push({ sql: 'INSERT INTO risk_rules (id, body) VALUES (?, ?)', params: [r.id, JSON.stringify(r)] });
    }
    const [imported] = await this.store.commit(ops, [
      {
        type: 'policy.imported',
        actor: opts.actor ?? 'user',
        data: {
          policy_ids: file.policies.map((p) => p.id),
          workflow_ids: workflows.map((w) => w.id),
          created,
          updated,
          risk_rules: file.risk_rules?.length ?? null,
          settings: file.settings ?? null,
        },
      },
      ...(settingsChange?.audit ?? []),
    ]);
    // Only the file's policies change: a policy the file does not name keeps whatever a change that
    // landed meanwhile made of it.
    for (const p of file.policies) {
      const old = this.entries.get(p.id);
      this.entries.set(p.id, {
        policy: p,
        created_ms: old?.created_ms ?? now,
        updated_ms: now,
        hits: old?.hits ?? 0,
        last_hit_ms: old?.last_hit_ms ?? null,
        ephemeral: false,
      });
    }
    this.riskRules = riskRules;
    settingsChange?.apply();
    this.installBuilt(engine, builtFrom, riskRules);
    const settingsChanged = settingsChange !== null;
    this.bus.publish('policy.changed', { change: 'imported', policy_ids: file.policies.map((p) => p.id) }, { seq: imported!.seq });
    return {
      imported: file.policies.length,
      created,
      updated,
      risk_rules: file.risk_rules?.length ?? 0,
      workflows: workflows.length,
      settings_changed: settingsChanged,
    };
  }

  /**
   * What refuses a valid file as it meets the current state (409): a policy of a running A/B test
   * it would unmake, a workflow made from a seed policy's approvers that another policy names.
   */
  private checkImportable(file: ParsedPolicyFile, policyPaths: readonly string[]): void {
    const uses = this.uses();
    const untestable = file.policies.flatMap((p, i) => this.testableIssue(p.id, p, `${policyPaths[i]!}.`, uses) ?? []);
    if (untestable.length > 0)
      throw new GatehouseError(
        'conflict',
        untestable.length === 1 ? untestable[0]!.summary : `${untestable.length} policies are part of running A/B tests; stop them first`,
        untestable.map((u) => u.detail),
      );
    if (!file.madeWorkflows?.length) return;
    // A workflow made from a seed policy's approvers never replaces one another policy names.
    const set = new Map<string, Policy>();
    for (const [id, e] of this.entries) set.set(id, e.policy);
    for (const p of file.policies) set.set(p.id, p);
    const clashes = file.madeWorkflows.flatMap((m) => this.madeWorkflowIssue(m, set.values()) ?? []);
    if (clashes.length > 0)
      throw new GatehouseError(
        'conflict',
        clashes.length === 1
          ? `${clashes[0]!.path} ${clashes[0]!.message}`
          : `${clashes.length} policies' approvers would replace workflows other policies name`,
        clashes,
      );
  }

  /**
   * Replaces stored policies that are unedited defaults of an earlier release by the current
   * defaults, and deletes those this release no longer ships (see shipped-defaults.ts), in one
   * commit, each change audited as the system's. Returns the ids replaced or deleted.
   */
  async followShippedDefaults(current: Policy[]): Promise<string[]> {
    const stored = [...this.entries.values()].filter((e) => !e.ephemeral).map((e) => e.policy);
    const pairs = supersededDefaults(stored, current);
    const retired = retiredDefaults(stored);
    if (pairs.length === 0 && retired.length === 0) return [];
    const before = new Map(this.entries);
    const merged = new Map(before);
    const now = this.clock.now();
    const ops: Op[] = [];
    const audit: AuditDraft[] = [];
    const reason = "an unedited default policy of an earlier release, replaced by this release's default";
    for (const { previous, why } of retired) {
      merged.delete(previous.id);
      ops.push({ sql: 'DELETE FROM policies WHERE id = ?', params: [previous.id] });
      audit.push({ type: 'policy.deleted', actor: 'system', data: { policy_id: previous.id, policy: previous, reason: why } });
    }
    for (const { previous, next } of pairs) {
      const old = merged.get(previous.id)!;
      if (next.id !== previous.id) {
        merged.delete(previous.id);
        ops.push({ sql: 'DELETE FROM policies WHERE id = ?', params: [previous.id] });
        audit.push({
          type: 'policy.deleted',
          actor: 'system',
          data: { policy_id: previous.id, policy: previous, replaced_by: next.id, reason },
        });
        if (merged.has(next.id)) continue; // the user already has a policy of that id: theirs stays
      }
      const kept = merged.get(next.id);
      merged.set(next.id, { ...(kept ?? old), policy: next, updated_ms: now, ephemeral: false, unusable: undefined });
      ops.push(this.upsertOp(next, kept?.created_ms ?? now, now));
      audit.push(
        kept
          ? { type: 'policy.updated', actor: 'system', data: { policy: next, previous, reason } }
          : { type: 'policy.created', actor: 'system', data: { policy: next, replaces: previous.id, reason } },
      );
    }
    // Compiled once (in slices), before the commit: the engine installed after it.
    const builtFrom = new Map<string, Policy>();
    for (const [id, e] of merged) {
      const p = effective(e);
      if (p) builtFrom.set(id, p);
    }
    const engine = await this.compileSliced([...builtFrom.values()], this.settings.get(), this.riskRules);
    const records = await this.store.commit(ops, audit);
    // Only what this change made (deletes, then replacements): not what a change meanwhile did.
    for (const id of before.keys()) if (!merged.has(id)) this.entries.delete(id);
    for (const [id, e] of merged) if (before.get(id) !== e) this.entries.set(id, e);
    this.installBuilt(engine, builtFrom, this.riskRules);
    // One event per record (record-events.ts makes the same from the log).
    for (const rec of records) {
      const d = rec.data as { policy_id?: string; policy?: Policy };
      if (rec.type === 'policy.deleted')
        this.bus.publish('policy.changed', { change: 'deleted', policy_id: d.policy_id! }, { seq: rec.seq });
      else {
        const change = rec.type === 'policy.created' ? 'created' : 'updated';
        this.bus.publish('policy.changed', { change, policy_id: d.policy!.id, policy: d.policy! }, { seq: rec.seq });
      }
    }
    return [...retired.map((r) => r.previous.id), ...pairs.map((p) => p.previous.id)];
  }

  exportText(format: 'yaml' | 'json'): string {
    const persistent = [...this.entries.values()].filter((e) => !e.ephemeral).map((e) => e.policy);
    const workflows = workflowRows(this.store).map(workflowOf);
    return exportPolicyFile({ policies: persistent, settings: this.settings.get(), riskRules: this.riskRules, workflows }, format);
  }

  /** Ops that count policy hits inside the submit's own commit (in-memory ones count in memory). */
  hitOps(ids: string[], now: number): Op[] {
    const ops: Op[] = [];
    for (const id of ids) {
      const e = this.entries.get(id);
      if (!e) continue;
      e.hits++;
      e.last_hit_ms = now;
      if (!e.ephemeral) ops.push({ sql: 'UPDATE policies SET hits = hits + 1, last_hit_ms = ? WHERE id = ?', params: [now, id] });
    }
    return ops;
  }

  /**
   * The engine with one policy changed (`next` null: removed), built from the current one at the cost
   * of that policy (principle 5: a whole compile of 10,000 policies holds the event loop for tens of
   * ms); a policy that does not compile is a 400 naming its field.
   */
  private changed(id: string, next: Policy | null): Engine {
    try {
      return this.compiled.withPolicy(id, next);
    } catch (e) {
      throw policyError(e);
    }
  }

  /**
   * After a change is durable: the engine built when the change was validated is exactly the new
   * set's, unless another change (a policy, the settings) landed meanwhile — then the same change is
   * made to the engine in force now (the set is the entries' either way). Were that to fail, the
   * whole set is compiled again (recompile keeps the previous engine and reports it if that fails too).
   */
  private install(engine: Engine, validatedAt: number, id: string, next: Policy | null): void {
    if (validatedAt === this.generation) {
      this.generation++;
      this.compiled = engine;
      return;
    }
    try {
      this.compiled = this.compiled.withPolicy(id, next);
      this.generation++;
    } catch {
      this.recompile();
    }
  }

  /**
   * After a whole-set change is durable (an import): installs the engine compiled for it before the
   * commit from `builtFrom` (the set by policy object, and `riskRules`). A change that landed while it
   * was compiled or committed (a policy created, updated or deleted; the settings) is made to it as
   * to any engine (withPolicy / withSettings: the cost of that change), so the engine installed is
   * exactly the entries' set; were that to fail, the whole set is compiled again (recompile).
   */
  private installBuilt(built: Engine, builtFrom: ReadonlyMap<string, Policy>, riskRules: readonly RiskRule[]): void {
    let engine = built;
    try {
      for (const [id, e] of this.entries) {
        const p = effective(e);
        if (p !== null && builtFrom.get(id) !== p) engine = engine.withPolicy(id, p);
      }
      // Policies of the built set that are no longer entries (or now run as nothing).
      for (const id of builtFrom.keys()) {
        const e = this.entries.get(id);
        if (!e || effective(e) === null) engine = engine.withPolicy(id, null);
      }
      engine = engine.withSettings(this.settings.get(), riskRules === this.riskRules ? undefined : this.riskRules);
    } catch {
      this.recompile();
      return;
    }
    this.generation++;
    this.compiled = engine;
  }

  /**
   * The settings changed: the engine in force with the new settings (withSettings: the compiled
   * policies and their indexes kept — they do not depend on the settings), never a whole compile.
   */
  private settingsChanged(): void {
    this.generation++;
    try {
      this.compiled = this.compiled.withSettings(this.settings.get());
    } catch (e) {
      console.error(`gatehouse: settings could not be applied to the policy engine; keeping the previous one: ${(e as Error).message}`);
    }
  }

  private recompile(): void {
    this.generation++;
    try {
      this.compiled = compilePolicies({ policies: this.policies(), settings: this.settings.get(), riskRules: this.riskRules });
    } catch (e) {
      console.error(`gatehouse: policy set failed to compile after a change; keeping the previous one: ${(e as Error).message}`);
    }
  }

  private upsertOp(p: Policy, created: number, updated: number): Op {
    return {
      sql: 'INSERT INTO policies (id, body, created_ms, updated_ms) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated_ms = excluded.updated_ms',
      params: [p.id, JSON.stringify(p), created, updated],
    };
  }

  private view(e: Entry): PolicyView {
    return {
      ...e.policy,
      hits: e.hits,
      last_hit_at: isoOrNull(e.last_hit_ms),
      created_at: iso(e.created_ms),
      updated_at: iso(e.updated_ms),
      ephemeral: e.ephemeral,
      unusable: e.unusable ? { message: e.unusable.message, handling: e.unusable.handling } : null,
    };
  }
}

/**
 * A policy as its audit records and events carry it. One made from a person's answer (`source:
 * approval`) holds the resource pattern they typed, which may hold a secret (`mysql -pHunter2 *`):
 * it is recorded masked, as the action it came from is, while the policy itself keeps its condition
 * as written (it must match exactly). Other policies are recorded as written (an export of the log
 * shows what was configured).
 */
const recordedPolicy = (p: Policy): Policy => (p.source === 'approval' ? redact(p) : p);
