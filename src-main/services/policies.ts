import {
  PolicySchema,
  type Policy,
  type PolicyImportResult,
  type PolicyInput,
  type PolicyView,
  type RiskRule,
  type SeedPolicy,
  type Settings,
} from '../../src-shared/index.js';
import { iso, isoOrNull, type Clock } from '../core/clock.js';
import {
  checkPolicy,
  conditionSizeIssues,
  exportPolicyFile,
  PolicyValidationError,
  seedToPolicy,
  type SeedMapping,
  type UnusablePolicy,
} from '../engine/index.js';
import type { Engine } from '../engine/types.js';
import { conflict, GatehouseError, invalid, notFound } from '../core/errors.js';
import { upsertWorkflowOp, workflowOf, workflowRow, workflowRows } from './workflow-rows.js';
import type { EventBus } from '../events/bus.js';
import type { AuditDraft, Op, Store } from '../storage/types.js';
import type { SettingsService } from './settings.js';
import { redact } from './redact.js';
import { followShippedDefaults } from './follow-shipped-defaults.js';
import { checkStillTestable, checkWorkflow, madeWorkflowIssue, type PolicyUse } from './policy-change-checks.js';
import { policyError } from './policy-error.js';
import { importPolicyText } from './policy-import.js';
import { effective, PolicySet, upsertPolicyOp, type PolicyChangeDeps, type PolicyEntry } from './policy-set.js';

/**
 * The policies (SPEC 3) as the API, the engine and the other services see them: reading, creating,
 * updating and deleting one, importing and exporting the file, counting hits. The set and its
 * compiled engine are PolicySet's (policy-set.ts); importing (policy-import.ts) and following the
 * shipped defaults (follow-shipped-defaults.ts) are modules of their own.
 */
export class PolicyService {
  private readonly set: PolicySet;
  /** The policies running A/B tests take part in, and as what (so they cannot be deleted or unmade). */
  private uses: () => ReadonlyMap<string, PolicyUse> = () => new Map();

  constructor(
    private readonly store: Store,
    private readonly settings: SettingsService,
    private readonly bus: EventBus,
    private readonly clock: Clock,
  ) {
    this.set = new PolicySet(store, settings);
  }

  engine(): Engine {
    return this.set.engine();
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

  /** The set the engine runs: every policy, stored ones that no longer compile by their fail-closed stand-ins. */
  policies(): Policy[] {
    return this.set.policies();
  }

  /** The policy as the engine runs it (a stored one that no longer compiles: its stand-in); null if none. */
  running(id: string): Policy | null {
    const e = this.set.entries.get(id);
    return e ? effective(e) : null;
  }

  /** Stored policies the engine cannot compile any more, and how each takes part in decisions instead. */
  unusable(): { policy: Policy; unusable: UnusablePolicy }[] {
    return [...this.set.entries.values()].flatMap((e) => (e.unusable ? [{ policy: e.policy, unusable: e.unusable }] : []));
  }

  getRiskRules(): RiskRule[] {
    return this.set.riskRules;
  }

  isEmpty(): boolean {
    return this.set.entries.size === 0;
  }

  list(): PolicyView[] {
    return [...this.set.entries.values()]
      .sort((a, b) => b.policy.priority - a.policy.priority || a.policy.id.localeCompare(b.policy.id))
      .map((e) => this.view(e));
  }

  get(id: string): PolicyView {
    const e = this.set.entries.get(id);
    if (!e) throw notFound(`Policy '${id}'`);
    return this.view(e);
  }

  /** Compiles a candidate policy set; invalid sets become a 400 naming policy and field. */
  compile(policies: Policy[], settings: Settings, riskRules: RiskRule[]): Engine {
    return this.set.compile(policies, settings, riskRules);
  }

  /** `compile` in slices (SPEC 8), the event loop running between them: the same engine and the same 400. */
  compileSliced(policies: Policy[], settings: Settings, riskRules: RiskRule[]): Promise<Engine> {
    return this.set.compileSliced(policies, settings, riskRules);
  }

  /** Called at each yield of a sliced compile (tests see the event loop run in the middle of one). */
  get onSlice(): (() => void) | undefined {
    return this.set.onSlice;
  }

  set onSlice(f: (() => void) | undefined) {
    this.set.onSlice = f;
  }

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
    const issues = [...checkPolicy(parsed.data), ...conditionSizeIssues(parsed.data.when, 'when')];
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
    if (this.set.entries.has(policy.id)) throw conflict(`Policy '${policy.id}' already exists`);
    checkWorkflow(this.store, policy, opts.workflows);
    const engine = this.set.changed(policy.id, policy);
    const validatedAt = this.set.generation;
    const now = this.clock.now();
    const ops: Op[] = opts.ephemeral ? [] : [upsertPolicyOp(policy, now, now)];
    const audit: AuditDraft = {
      type: 'policy.created',
      actor: opts.actor ?? 'user',
      data: { policy: recorded, ephemeral: !!opts.ephemeral, ...opts.data },
    };
    /** `seq`: the policy.created record's, once it is durable (the event is made from it). */
    const apply = (seq: number | null): PolicyView => {
      const entry: PolicyEntry = { policy, created_ms: now, updated_ms: now, hits: 0, last_hit_ms: null, ephemeral: !!opts.ephemeral };
      this.set.entries.set(policy.id, entry);
      this.set.install(engine, validatedAt, policy.id, policy);
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
    const clash = madeWorkflowIssue(
      this.store,
      { workflow: workflow.id, policy: policy.id, path: 'approvers' },
      [...this.set.entries.values()].map((e) => e.policy),
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

  /**
   * A policy in the seeds' Terraform / MCP form (SPEC 3.4: `POST /mcp/policies`, or the policies API
   * given a body without `effect`), mapped by `seedToPolicy` as a policy file's seed items are, and
   * created with the workflow its `approvers` make (see createFromSeed).
   */
  createSeed(item: unknown, actor = 'user'): Promise<PolicyView> {
    return this.createFromSeed(this.mapSeed(item), actor);
  }

  /**
   * The seeds' form mapped onto a policy and the workflow its `approvers` make. A seed without an
   * id is named after its name; a name already taken (the seeds' Terraform example is a default
   * policy) gets the next free suffix, as a policy file import does. The workflow waits as long as
   * any approval does (the settings'). A 400 names the seed's field at fault.
   */
  private mapSeed(item: unknown): SeedMapping {
    const { approval_timeout_s, timeout_action } = this.settings.get();
    let mapped: SeedMapping;
    try {
      mapped = seedToPolicy(item, { takenIds: new Set(this.set.entries.keys()), approval: { approval_timeout_s, timeout_action } });
    } catch (e) {
      throw policyError(e);
    }
    const issues = conditionSizeIssues(mapped.policy.when, 'conditions');
    if (issues.length > 0) throw policyError(new PolicyValidationError(issues));
    return mapped;
  }

  async update(id: string, input: unknown, actor = 'user'): Promise<PolicyView> {
    const existing = this.set.entries.get(id);
    if (!existing) throw notFound(`Policy '${id}'`);
    return this.replace(existing, { policy: this.parse(input, id), workflow: null }, actor);
  }

  /**
   * `PUT /api/v1/policies/{id}` in the seeds' form: mapped as `createSeed` maps it, the id from the
   * path (one in the body must be the same); the workflow its `approvers` make is created or updated
   * in the same commit, as a policy file import does.
   */
  async updateFromSeed(id: string, item: SeedPolicy, actor = 'user'): Promise<PolicyView> {
    const existing = this.set.entries.get(id);
    if (!existing) throw notFound(`Policy '${id}'`);
    if (item.id !== undefined && item.id !== id) {
      throw new GatehouseError('invalid_request', 'Policy id in the body differs from the path', [
        { path: 'id', message: `must be '${id}'` },
      ]);
    }
    return this.replace(existing, this.mapSeed({ ...item, id }), actor);
  }

  /** Replaces a policy (and creates or updates the workflow a seed policy's approvers made) in one commit. */
  private async replace(existing: PolicyEntry, { policy, workflow }: SeedMapping, actor: string): Promise<PolicyView> {
    const id = existing.policy.id;
    checkWorkflow(this.store, policy, workflow ? new Set([workflow.id]) : undefined);
    if (workflow) {
      const clash = madeWorkflowIssue(
        this.store,
        { workflow: workflow.id, policy: id, path: 'approvers' },
        [...this.set.entries.values()].map((e) => e.policy),
      );
      if (clash) throw new GatehouseError('conflict', `Policy '${id}' ${clash.message}`, [clash]);
    }
    checkStillTestable(id, policy, this.uses());
    const engine = this.set.changed(id, policy);
    const validatedAt = this.set.generation;
    const now = this.clock.now();
    const ops: Op[] = existing.ephemeral ? [] : [upsertPolicyOp(policy, existing.created_ms, now)];
    const audit: AuditDraft[] = [
      { type: 'policy.updated', actor, data: { policy: recordedPolicy(policy), previous: recordedPolicy(existing.policy) } },
    ];
    if (workflow) {
      const stored = workflowRow(this.store, workflow.id);
      const made = { made_from_policy: id };
      ops.unshift(upsertWorkflowOp(workflow, stored?.created_ms ?? now, now));
      audit.push(
        stored
          ? { type: 'workflow.updated', actor, data: { workflow, previous: workflowOf(stored), ...made } }
          : { type: 'workflow.created', actor, data: { workflow, ...made } },
      );
    }
    const [rec] = await this.store.commit(ops, audit);
    const entry: PolicyEntry = { ...existing, policy, updated_ms: now, unusable: undefined };
    this.set.entries.set(id, entry);
    this.set.install(engine, validatedAt, id, policy);
    this.bus.publish('policy.changed', { change: 'updated', policy_id: id, policy: recordedPolicy(policy) }, { seq: rec!.seq });
    return this.view(entry);
  }

  async remove(id: string, actor = 'user'): Promise<void> {
    const existing = this.set.entries.get(id);
    if (!existing) throw notFound(`Policy '${id}'`);
    const use = this.usedBy(id);
    if (use) throw conflict(`Policy '${id}' is used by the running A/B test '${use.test}' (as its ${use.role} policy); stop it first`);
    const engine = this.set.changed(id, null);
    const validatedAt = this.set.generation;
    const [rec] = await this.store.commit(existing.ephemeral ? [] : [{ sql: 'DELETE FROM policies WHERE id = ?', params: [id] }], [
      { type: 'policy.deleted', actor, data: { policy_id: id, policy: recordedPolicy(existing.policy) } },
    ]);
    this.set.entries.delete(id);
    this.set.install(engine, validatedAt, id, null);
    this.bus.publish('policy.changed', { change: 'deleted', policy_id: id }, { seq: rec!.seq });
  }

  /** SPEC 3.4: a policy file, validated whole and applied in one commit (see policy-import.ts). */
  importText(text: string, opts: { actor?: string; defaultSource?: Policy['source'] } = {}): Promise<PolicyImportResult> {
    return importPolicyText(this.changeDeps(), () => this.uses(), text, opts);
  }

  /** Unedited defaults of an earlier release follow this release's (see follow-shipped-defaults.ts); the ids changed. */
  followShippedDefaults(current: Policy[]): Promise<string[]> {
    return followShippedDefaults(this.changeDeps(), current);
  }

  private changeDeps(): PolicyChangeDeps {
    return { set: this.set, store: this.store, settings: this.settings, bus: this.bus, clock: this.clock };
  }

  exportText(format: 'yaml' | 'json'): string {
    const persistent = [...this.set.entries.values()].filter((e) => !e.ephemeral).map((e) => e.policy);
    const workflows = workflowRows(this.store).map(workflowOf);
    return exportPolicyFile({ policies: persistent, settings: this.settings.get(), riskRules: this.set.riskRules, workflows }, format);
  }

  /** Ops that count policy hits inside the submit's own commit (in-memory ones count in memory). */
  hitOps(ids: string[], now: number): Op[] {
    const ops: Op[] = [];
    for (const id of ids) {
      const e = this.set.entries.get(id);
      if (!e) continue;
      e.hits++;
      e.last_hit_ms = now;
      if (!e.ephemeral) ops.push({ sql: 'UPDATE policies SET hits = hits + 1, last_hit_ms = ? WHERE id = ?', params: [now, id] });
    }
    return ops;
  }

  private view(e: PolicyEntry): PolicyView {
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
