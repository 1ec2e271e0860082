// The policy set in memory (stored and `until_restart` policies with their hit counters, the custom
// risk rules) and the engine compiled from it, kept exactly the set's engine after every change.
import { PolicySchema, type Policy, type RiskRule, type Settings } from '../../src-shared/index.js';
import { compilePolicies, compilePolicySteps, failClosedStandIn, type UnusablePolicy } from '../engine/index.js';
import type { Clock } from '../core/clock.js';
import type { Engine } from '../engine/types.js';
import type { EventBus } from '../events/bus.js';
import type { Op, Store } from '../storage/types.js';
import { policyError } from './policy-error.js';
import type { SettingsService } from './settings.js';
import { runInSlices } from './slices.js';

interface PolicyRow {
  id: string;
  body: string;
  created_ms: number;
  updated_ms: number;
  hits: number;
  last_hit_ms: number | null;
}

export interface PolicyEntry {
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
export const effective = (e: PolicyEntry): Policy | null => (e.unusable ? e.unusable.standIn : e.policy);

/** What a whole-set change (an import, following the shipped defaults) changes and goes through. */
export interface PolicyChangeDeps {
  set: PolicySet;
  store: Store;
  settings: SettingsService;
  bus: EventBus;
  clock: Clock;
}

/**
 * The policy set (SPEC 3): persisted policies plus in-memory `until_restart` ones, the custom risk
 * rules, and the compiled engine, rebuilt once per change — never interpreted per request.
 */
export class PolicySet {
  readonly entries = new Map<string, PolicyEntry>();
  riskRules: RiskRule[] = [];
  private compiled: Engine;
  /** Bumped by every change of the set the engine is built from (see install). */
  private changes = 0;

  constructor(
    store: Store,
    private readonly settings: SettingsService,
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

  /** The engine's generation: a change validated at one installs its engine as is only if no other change came since. */
  get generation(): number {
    return this.changes;
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

  /**
   * The engine with one policy changed (`next` null: removed), built from the current one at the cost
   * of that policy (principle 5: a whole compile of 10,000 policies holds the event loop for tens of
   * ms); a policy that does not compile is a 400 naming its field.
   */
  changed(id: string, next: Policy | null): Engine {
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
  install(engine: Engine, validatedAt: number, id: string, next: Policy | null): void {
    if (validatedAt === this.changes) {
      this.changes++;
      this.compiled = engine;
      return;
    }
    try {
      this.compiled = this.compiled.withPolicy(id, next);
      this.changes++;
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
  installBuilt(built: Engine, builtFrom: ReadonlyMap<string, Policy>, riskRules: readonly RiskRule[]): void {
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
    this.changes++;
    this.compiled = engine;
  }

  /**
   * The settings changed: the engine in force with the new settings (withSettings: the compiled
   * policies and their indexes kept — they do not depend on the settings), never a whole compile.
   */
  private settingsChanged(): void {
    this.changes++;
    try {
      this.compiled = this.compiled.withSettings(this.settings.get());
    } catch (e) {
      console.error(`gatehouse: settings could not be applied to the policy engine; keeping the previous one: ${(e as Error).message}`);
    }
  }

  private recompile(): void {
    this.changes++;
    try {
      this.compiled = compilePolicies({ policies: this.policies(), settings: this.settings.get(), riskRules: this.riskRules });
    } catch (e) {
      console.error(`gatehouse: policy set failed to compile after a change; keeping the previous one: ${(e as Error).message}`);
    }
  }
}

/** The op that stores policy `p` (created at `created`, or keeping its creation time if it exists). */
export function upsertPolicyOp(p: Policy, created: number, updated: number): Op {
  return {
    sql: 'INSERT INTO policies (id, body, created_ms, updated_ms) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated_ms = excluded.updated_ms',
    params: [p.id, JSON.stringify(p), created, updated],
  };
}
