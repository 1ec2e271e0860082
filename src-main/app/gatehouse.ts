import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_ACTION_VALUES, VERSION } from '../../src-shared/index.js';
import { loadOrCreateCredentials } from '../config/credentials.js';
import { dataFiles, ensureDataDir } from '../config/paths.js';
import { EventBus } from '../events/bus.js';
import { SseHub } from '../events/sse.js';
import { WebhookService } from '../events/webhooks.js';
import { eventLog } from '../events/record-events.js';
import { ActionService } from '../services/actions.js';
import { AbTestService } from '../services/ab-tests.js';
import { AgentService } from '../services/agents.js';
import { AlertService } from '../services/alerts.js';
import { ApprovalService } from '../services/approvals.js';
import { ForwardAuthService } from '../services/forward-auth.js';
import { HookCallLog } from '../services/hooks/last-calls.js';
import { HookService } from '../services/hooks/service.js';
import { KeyRing } from '../services/keys.js';
import { McpService } from '../services/mcp.js';
import { PolicyService } from '../services/policies.js';
import { parsePolicyFile } from '../engine/index.js';
import { Sessions } from '../services/sessions.js';
import { SettingsService } from '../services/settings.js';
import { WorkflowService } from '../services/workflows.js';
import { CheckpointService, type CheckpointOptions } from '../services/checkpoints.js';
import { SinkService } from '../services/sinks/service.js';
import { RetentionService } from '../services/retention.js';
import { SearchIndexGate } from '../services/search-index.js';
import { PageReader } from '../services/page-reader.js';
import { SecretScanner } from '../services/secret-scans.js';
import { databasePath, openStore, type StoreOptions } from '../storage/store.js';
import type { Store } from '../storage/types.js';
import { systemClock, type Clock } from '../core/clock.js';
import { resourcePath } from '../core/resources.js';

export interface GatehouseOptions {
  dataDir: string;
  mode: 'desktop' | 'headless';
  clock?: Clock;
  /** Passed to the store (tests inject failing I/O here). */
  store?: Partial<StoreOptions>;
  /** Import resources/default-policies.yaml when the policy set is empty on first start (default true). */
  defaultPolicies?: boolean;
  /** When checkpoints are signed (tests and the bench shorten or lengthen it). */
  checkpoints?: CheckpointOptions & { enabled?: boolean };
  /** How long free text or an agent filter waits for the search index before a 503 (services/search-index.ts). */
  searchIndexWaitMs?: number;
  /**
   * Start the page thread while the rest opens (a server: its console's first list page should not
   * wait the ~200 ms the thread takes to start). Otherwise it starts on the first page.
   */
  warmPages?: boolean;
}

/**
 * The composition root: opens the store, builds every service, and owns what runs in the
 * background (the approval expiry timer, webhook delivery, the SSE hub, the key last-used flush).
 * Services find each other only through what this passes them; the bus carries what several of
 * them react to (alerts, MCP call counts, webhooks, SSE subscribe to it themselves). Usable without
 * HTTP or Electron: the HTTP app, the desktop shell and tests all drive this one object.
 */
export class Gatehouse {
  readonly startedAt = Date.now();
  readonly bus = new EventBus();
  readonly sessions: Sessions;
  readonly settings: SettingsService;
  readonly keys: KeyRing;
  readonly policies: PolicyService;
  readonly agents: AgentService;
  readonly alerts: AlertService;
  readonly approvals: ApprovalService;
  /** Multi-step approval workflows (SPEC 11). */
  readonly workflows: WorkflowService;
  /** A/B tests of policies (SPEC 12). */
  readonly abTests: AbTestService;
  readonly actions: ActionService;
  readonly mcp: McpService;
  readonly webhooks: WebhookService;
  /** Coding agents' hooks in, their own answers out (SPEC 9.4). */
  readonly hooks: HookService;
  readonly hookCalls: HookCallLog;
  /** API gateways' "may this request through?" (SPEC 9.5). */
  readonly forwardAuth: ForwardAuthService;
  /** The live event streams (SPEC 7.3) fed from the bus; the HTTP route only opens streams on it. */
  readonly sse: SseHub;
  /** Signed checkpoints and Merkle proofs of the audit log (SPEC 7.6). */
  checkpoints!: CheckpointService;
  /** SIEM forwarding (SPEC 7.8). */
  readonly sinks: SinkService;
  /** Archiving of records older than `retention_days` (SPEC 7.7). */
  readonly retention: RetentionService;
  /** Holds free text and agent filters until the indexer has caught up, for a few seconds at most. */
  readonly searchIndex: SearchIndexGate;
  /** The pages of the action and audit lists, read off the main thread. */
  readonly pages: PageReader;
  /** The secrets of big bodies, scanned off the main thread. */
  readonly secretScans = new SecretScanner({ log: (m) => console.warn(`gatehouse: ${m}`) });
  private readonly closers: (() => Promise<void> | void)[] = [];
  private keyFlush: NodeJS.Timeout | null = null;

  private constructor(
    readonly store: Store,
    readonly opts: Required<Pick<GatehouseOptions, 'dataDir' | 'mode'>> & Pick<GatehouseOptions, 'searchIndexWaitMs'> & { clock: Clock },
  ) {
    const clock = opts.clock;
    this.sessions = new Sessions(join(opts.dataDir, 'sessions.json'));
    this.settings = new SettingsService(store);
    this.keys = new KeyRing(store, clock);
    this.policies = new PolicyService(store, this.settings, this.bus, clock);
    this.agents = new AgentService(store, clock, this.secretScans);
    this.alerts = new AlertService(store, clock, this.bus);
    this.abTests = new AbTestService(store, clock, this.policies);
    this.approvals = new ApprovalService(store, clock, this.policies, this.agents, this.bus, this.abTests, this.secretScans);
    this.workflows = new WorkflowService(store, clock, this.policies);
    this.actions = new ActionService(store, clock, this.policies, this.agents, this.approvals, this.bus, {
      workflow: (id) => this.workflows.find(id),
      abTests: this.abTests,
      secretScans: this.secretScans,
    });
    this.mcp = new McpService(store, clock, this.alerts, this.bus, this.secretScans);
    this.webhooks = new WebhookService(store, clock, this.bus);
    this.sse = new SseHub(this.bus, {}, eventLog(store));
    this.hookCalls = new HookCallLog(store);
    this.hooks = new HookService({
      submit: (req, caller) => this.actions.submit(req, caller),
      status: (id, owner) => this.actions.status(id, owner),
      waitForChange: (id, ms) => this.approvals.waitForChange(id, ms),
      withdraw: (id, reason, owner) => this.approvals.withdraw(id, { reason }, owner),
      fallback: () => this.settings.get().hook_fallback,
      now: () => clock.now(),
      noteCall: (agent, ms) => this.hookCalls.note(agent, ms),
      readInput: (agent, text) => this.secretScans.readBody('hookInput', text, MAX_ACTION_VALUES, agent),
    });
    this.forwardAuth = new ForwardAuthService(store, this.actions, this.approvals, () => clock.now());
    this.sinks = new SinkService(store, clock, () => this.checkpoints.origin.split('/')[1] ?? '');
    this.retention = new RetentionService(store, clock, this.settings, () => this.sinks.minCursor());
    this.searchIndex = new SearchIndexGate(store, opts.searchIndexWaitMs);
    this.pages = new PageReader(store, { path: databasePath(opts.dataDir), log: (m) => console.warn(m) });
  }

  static async open(o: GatehouseOptions): Promise<Gatehouse> {
    ensureDataDir(o.dataDir);
    const { credentials } = loadOrCreateCredentials(o.dataDir);
    const store = await openStore({ dataDir: o.dataDir, ...o.store });
    const g = new Gatehouse(store, {
      dataDir: o.dataDir,
      mode: o.mode,
      clock: o.clock ?? systemClock,
      searchIndexWaitMs: o.searchIndexWaitMs,
    });
    if (o.warmPages) g.pages.warm();
    try {
      g.checkpoints = await CheckpointService.open(store, g.opts.clock, g.bus, o.checkpoints);
      await g.keys.ensureDefaults(credentials);
      await g.importStartupPolicies(o.defaultPolicies ?? true);
      await g.alertUnusablePolicies();
      g.approvals.start();
      await store.commit([], [{ type: 'server.started', actor: 'system', data: { version: VERSION, mode: o.mode, pid: process.pid } }]);
    } catch (e) {
      g.secretScans.close();
      await g.pages.close();
      await store.close().catch(() => undefined);
      throw e;
    }
    g.keyFlush = setInterval(() => void g.keys.flushLastUsed().catch(() => undefined), 60_000);
    g.keyFlush.unref();
    // Webhooks stop in close(), after the closing checkpoint: its event is queued for them too (SPEC 7.6).
    g.webhooks.start();
    if (o.checkpoints?.enabled !== false) g.checkpoints.start();
    g.onClose(() => g.checkpoints.stop());
    g.sinks.start();
    g.onClose(() => g.sinks.stop());
    g.retention.start();
    g.onClose(async () => {
      g.retention.stop();
      await g.retention.idle();
    });
    g.onClose(() => g.sse.close());
    return g;
  }

  /** `policies.yaml` in the data dir is imported at every start; the shipped defaults on first start. */
  private async importStartupPolicies(withDefaults: boolean): Promise<void> {
    const userFile = dataFiles(this.opts.dataDir).policiesYaml;
    const firstStart = this.policies.isEmpty() && !this.store.get("SELECT 1 FROM audit WHERE type = 'policy.imported' LIMIT 1");
    if (withDefaults) {
      const defaults = readFileSync(resourcePath('default-policies.yaml'), 'utf8');
      if (firstStart) await this.policies.importText(defaults, { actor: 'system', defaultSource: 'import' });
      else await this.policies.followShippedDefaults(parsePolicyFile(defaults, { defaultSource: 'import' }).policies);
    }
    if (existsSync(userFile)) {
      try {
        await this.policies.importText(readFileSync(userFile, 'utf8'), { actor: 'system', defaultSource: 'import' });
      } catch (e) {
        throw new Error(`${userFile} could not be imported: ${(e as Error).message}`);
      }
    }
  }

  /** Every start says, loudly, which stored policies no longer compile and how each is enforced instead. */
  private async alertUnusablePolicies(): Promise<void> {
    for (const { policy, unusable } of this.policies.unusable()) {
      const how =
        unusable.handling === 'disabled'
          ? 'it is left out of decisions (it could only allow or annotate)'
          : `it is enforced (${policy.effect}) with the conditions that cannot compile dropped, so it matches more, not less`;
      console.error(`gatehouse: policy '${policy.id}' no longer compiles: ${unusable.message}; ${how}`);
      await this.alerts.raise('policy-unusable', `Policy '${policy.id}' no longer compiles; ${how} until it is fixed`, {
        policy_id: policy.id,
        handling: unusable.handling,
        error: unusable.message,
      });
    }
  }

  onClose(fn: () => Promise<void> | void): void {
    this.closers.push(fn);
  }

  get uptimeS(): number {
    return Math.round((Date.now() - this.startedAt) / 1000);
  }

  async close(): Promise<void> {
    if (this.keyFlush) clearInterval(this.keyFlush);
    this.approvals.stop();
    for (const fn of this.closers.reverse()) await fn();
    await this.pages.close();
    this.secretScans.close();
    await this.keys.flushLastUsed().catch(() => undefined);
    await this.mcp.saveCalls();
    await this.hookCalls.save().catch(() => undefined);
    await this.store.commit([], [{ type: 'server.stopped', actor: 'system', data: { uptime_s: this.uptimeS } }]).catch(() => undefined);
    // A clean stop ends with a checkpoint covering everything up to server.stopped (SPEC 7.6).
    await this.checkpoints.sign().catch((e: unknown) => console.warn(`gatehouse: the closing checkpoint failed: ${(e as Error).message}`));
    await this.webhooks.stop();
    await this.store.close();
  }
}
