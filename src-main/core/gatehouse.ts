import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSION } from '../../src-shared/index.js';
import { loadOrCreateCredentials } from '../config/credentials.js';
import { dataFiles, ensureDataDir } from '../config/paths.js';
import { EventBus } from '../events/bus.js';
import { WebhookService } from '../events/webhooks.js';
import { ActionService } from '../services/actions.js';
import { AgentService } from '../services/agents.js';
import { AlertService } from '../services/alerts.js';
import { ApprovalService } from '../services/approvals.js';
import { KeyRing } from '../services/keys.js';
import { McpService } from '../services/mcp.js';
import { PolicyService } from '../services/policies.js';
import { Sessions } from '../services/sessions.js';
import { SettingsService } from '../services/settings.js';
import { openStore, type StoreOptions } from '../storage/store.js';
import type { Store } from '../storage/types.js';
import { resourcePath } from './resources.js';
import { systemClock, type Clock } from './clock.js';

export interface GatehouseOptions {
  dataDir: string;
  mode: 'desktop' | 'headless';
  clock?: Clock;
  /** Passed to the store (tests inject failing I/O here). */
  store?: Partial<StoreOptions>;
  /** Import resources/default-policies.yaml when the policy set is empty on first start (default true). */
  defaultPolicies?: boolean;
}

/**
 * The core of Gatehouse, usable without HTTP or Electron: storage, engine, approvals, keys,
 * events. The HTTP app, the desktop shell and tests all drive this one object.
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
  readonly actions: ActionService;
  readonly mcp: McpService;
  readonly webhooks: WebhookService;
  private readonly closers: (() => Promise<void> | void)[] = [];
  private keyFlush: NodeJS.Timeout | null = null;

  private constructor(
    readonly store: Store,
    readonly opts: Required<Pick<GatehouseOptions, 'dataDir' | 'mode'>> & { clock: Clock },
  ) {
    const clock = opts.clock;
    this.sessions = new Sessions(join(opts.dataDir, 'sessions.json'));
    this.settings = new SettingsService(store);
    this.keys = new KeyRing(store, clock);
    this.policies = new PolicyService(store, this.settings, this.bus, clock);
    this.agents = new AgentService(store, clock);
    this.alerts = new AlertService(store, clock, this.bus);
    this.approvals = new ApprovalService(store, clock, this.policies, this.agents, this.bus);
    this.actions = new ActionService(store, clock, this.policies, this.agents, this.approvals, this.alerts, this.bus);
    this.mcp = new McpService(store, clock, this.alerts);
    this.webhooks = new WebhookService(store, clock, this.bus);
    // Denials by a person or a timeout count towards the repeated-denials alert too; every MCP
    // action (from the proxy, the hook or the seeds' evaluate path) counts as a call on its server.
    this.bus.subscribe((e) => {
      const mcp = e.data.mcp as { server_id?: unknown; tool?: unknown } | null | undefined;
      if (e.event === 'action.submitted' && typeof mcp?.server_id === 'string')
        void this.mcp.noteCall(mcp.server_id, typeof mcp.tool === 'string' ? mcp.tool : undefined);
      if (
        (e.event === 'action.rejected' || (e.event === 'action.expired' && e.data.decision === 'denied')) &&
        typeof e.data.agent_id === 'string'
      ) {
        this.alerts.noteDenial(e.data.agent_id, String(e.data.action_id));
      }
    });
  }

  static async open(o: GatehouseOptions): Promise<Gatehouse> {
    ensureDataDir(o.dataDir);
    const { credentials } = loadOrCreateCredentials(o.dataDir);
    const store = await openStore({ dataDir: o.dataDir, ...o.store });
    const g = new Gatehouse(store, { dataDir: o.dataDir, mode: o.mode, clock: o.clock ?? systemClock });
    try {
      await g.keys.ensureDefaults(credentials);
      await g.importStartupPolicies(o.defaultPolicies ?? true);
      g.approvals.start();
      await store.commit([], [{ type: 'server.started', actor: 'system', data: { version: VERSION, mode: o.mode, pid: process.pid } }]);
    } catch (e) {
      await store.close().catch(() => undefined);
      throw e;
    }
    g.keyFlush = setInterval(() => void g.keys.flushLastUsed().catch(() => undefined), 60_000);
    g.keyFlush.unref();
    g.webhooks.start();
    g.onClose(() => g.webhooks.stop());
    return g;
  }

  /** `policies.yaml` in the data dir is imported at every start; the shipped defaults on first start. */
  private async importStartupPolicies(withDefaults: boolean): Promise<void> {
    const userFile = dataFiles(this.opts.dataDir).policiesYaml;
    const firstStart = this.policies.isEmpty() && !this.store.get("SELECT 1 FROM audit WHERE type = 'policy.imported' LIMIT 1");
    if (withDefaults && firstStart) {
      await this.policies.importText(readFileSync(resourcePath('default-policies.yaml'), 'utf8'), {
        actor: 'system',
        defaultSource: 'import',
      });
    }
    if (existsSync(userFile)) {
      try {
        await this.policies.importText(readFileSync(userFile, 'utf8'), { actor: 'system', defaultSource: 'import' });
      } catch (e) {
        throw new Error(`${userFile} could not be imported: ${(e as Error).message}`);
      }
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
    await this.keys.flushLastUsed().catch(() => undefined);
    await this.mcp.saveCalls();
    await this.store.commit([], [{ type: 'server.stopped', actor: 'system', data: { uptime_s: this.uptimeS } }]).catch(() => undefined);
    await this.store.close();
  }
}
