import { AbTestCreateSchema, type AbTest } from '../../src-shared/index.js';
import { iso, isoOrNull, type Clock } from '../core/clock.js';
import { conflict, GatehouseError, invalid, invalidField, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { AbOutcome, AbTestRule } from '../engine/types.js';
import type { Op, Store } from '../storage/types.js';
import { abTestRow, abTestRows, armReports, insertAbActionOp, insertAbTestOp, stopAbTestOp, type AbTestRow } from './ab-test-rows.js';
import type { PolicyService } from './policies.js';
import type { PolicyUse } from './policy-change-checks.js';

const DAY_MS = 86_400_000;

/** A 409 naming the field whose policy a running test already uses. */
const overlap = (path: string, message: string) =>
  new GatehouseError('conflict', `A/B test conflicts with a running one: ${path}: ${message}; stop it first`, [{ path, message }]);

const statusOf = (r: AbTestRow, now: number): AbTest['status'] =>
  r.stopped_ms !== null ? 'stopped' : now >= r.ends_ms ? 'completed' : 'running';

/**
 * A/B tests of policies (SPEC 12). The engine gets the running tests with each decision and picks
 * the arm by a stable hash; this service keeps the tests, writes each decided action's arm in the
 * action's own commit, and reports per arm. A test ends by itself at `ends_at` (the engine stops
 * applying it then: nothing needs to run at that moment) or when stopped.
 */
export class AbTestService {
  private rules: readonly AbTestRule[] = [];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly policies: PolicyService,
  ) {
    this.reload();
    // A running test's arms must both exist to the end: its report compares them.
    policies.setUsageLookup(() => {
      const now = this.clock.now();
      const uses = new Map<string, PolicyUse>();
      // The first running test a policy is in (as the rows are ordered), as before with one query per policy.
      for (const t of abTestRows(this.store)) {
        if (statusOf(t, now) !== 'running') continue;
        if (!uses.has(t.control_policy)) uses.set(t.control_policy, { test: t.id, role: 'control' });
        if (!uses.has(t.test_policy)) uses.set(t.test_policy, { test: t.id, role: 'test' });
      }
      return uses;
    });
  }

  /** The tests not stopped (the engine also checks each one's time window). */
  active(): readonly AbTestRule[] {
    return this.rules;
  }

  list(): Promise<AbTest[]> {
    return Promise.all(abTestRows(this.store).map((r) => this.view(r)));
  }

  get(id: string): Promise<AbTest> {
    const r = abTestRow(this.store, id);
    if (!r) throw notFound(`A/B test '${id}'`);
    return this.view(r);
  }

  async create(input: unknown, actor = 'user'): Promise<AbTest> {
    const parsed = AbTestCreateSchema.safeParse(input);
    if (!parsed.success) throw invalid(parsed.error, 'A/B test');
    const b = parsed.data;
    const byId = new Map(this.policies.policies().map((p) => [p.id, p]));
    const control = byId.get(b.control_policy);
    if (!control) throw invalidField('control_policy', `unknown policy '${b.control_policy}'`, 'A/B test is invalid');
    if (control.mode !== 'enforce' || control.effect === 'monitor')
      throw invalidField('control_policy', 'must be an enforced policy that decides (not shadow, not monitor)', 'A/B test is invalid');
    const test = byId.get(b.test_policy);
    if (!test) throw invalidField('test_policy', `unknown policy '${b.test_policy}'`, 'A/B test is invalid');
    if (test.effect === 'monitor') throw invalidField('test_policy', 'a monitor policy never decides', 'A/B test is invalid');
    const now = this.clock.now();
    const running = abTestRows(this.store).filter((r) => statusOf(r, now) === 'running');
    const clash = running.find((r) => r.control_policy === b.control_policy);
    if (clash) throw conflict(`A/B test '${clash.id}' is already running on policy '${b.control_policy}'; stop it first`);
    // A running test's test policy decides only in its arm (the engine leaves it out of normal
    // evaluation), so it can neither be another test's control nor be tested while it is a control.
    const controlUnderTest = running.find((r) => r.test_policy === b.control_policy);
    if (controlUnderTest)
      throw overlap('control_policy', `'${b.control_policy}' is the test policy of the running A/B test '${controlUnderTest.id}'`);
    const testIsControl = running.find((r) => r.control_policy === b.test_policy);
    if (testIsControl)
      throw overlap('test_policy', `'${b.test_policy}' is the control policy of the running A/B test '${testIsControl.id}'`);
    const row: AbTestRow = {
      id: newId('abt', now),
      name: b.name,
      description: b.description ?? null,
      control_policy: b.control_policy,
      test_policy: b.test_policy,
      traffic_split: b.traffic_split,
      duration_days: b.duration_days,
      started_ms: now,
      ends_ms: now + Math.round(b.duration_days * DAY_MS),
      stopped_ms: null,
    };
    await this.store.commit([insertAbTestOp(row)], [{ type: 'ab_test.created', actor, data: { ab_test: { ...row } } }]);
    this.reload();
    return this.view(row);
  }

  async stop(id: string, actor = 'user'): Promise<AbTest> {
    const r = abTestRow(this.store, id);
    if (!r) throw notFound(`A/B test '${id}'`);
    const now = this.clock.now();
    const status = statusOf(r, now);
    if (status !== 'running') throw conflict(`A/B test '${id}' is already ${status}`);
    await this.store.commit([stopAbTestOp(id, now)], [{ type: 'ab_test.stopped', actor, data: { ab_test_id: id, name: r.name } }]);
    this.reload();
    return this.get(id);
  }

  /** The op recording a decided action's arm (in the action's commit). */
  recordOp(ab: AbOutcome, actionId: string, decision: string, now: number): Op {
    return insertAbActionOp(ab, actionId, decision, now);
  }

  private reload(): void {
    const now = this.clock.now();
    this.rules = abTestRows(this.store)
      .filter((r) => r.stopped_ms === null && r.ends_ms > now)
      .map((r) => ({
        id: r.id,
        control: r.control_policy,
        test: r.test_policy,
        split: r.traffic_split,
        startsAtMs: r.started_ms,
        endsAtMs: r.ends_ms,
      }));
  }

  private async view(r: AbTestRow): Promise<AbTest> {
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      control_policy: r.control_policy,
      test_policy: r.test_policy,
      traffic_split: r.traffic_split,
      duration_days: r.duration_days,
      status: statusOf(r, this.clock.now()),
      started_at: iso(r.started_ms),
      ends_at: iso(r.ends_ms),
      stopped_at: isoOrNull(r.stopped_ms),
      arms: await armReports(this.store, r.id),
    };
  }
}
