import type { AlertKind, EventEnvelope, Risk } from '../../src-shared/index.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../events/bus.js';
import type { Store } from '../storage/types.js';

const DENIAL_WINDOW_MS = 10 * 60_000;
const DENIAL_THRESHOLD = 5;

/**
 * Alerts (`alert.triggered`): a critical-risk action, an agent denied 5 times in 10 minutes, a known
 * MCP server whose tool list changed. Actions are watched on the bus (after they are durable), so
 * raising an alert never delays or changes the decision that caused it; each alert is audited and
 * published.
 */
export class AlertService {
  private readonly denials = new Map<string, number[]>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly bus: EventBus,
  ) {
    bus.subscribe((e) => this.onEvent(e));
  }

  private onEvent(e: EventEnvelope): void {
    const d = e.data;
    if (typeof d.agent_id !== 'string' || typeof d.action_id !== 'string') return;
    if (e.event === 'action.submitted' && (d.risk as Risk | undefined)?.level === 'critical') {
      const resource = typeof d.resource === 'string' ? ` on ${d.resource.slice(0, 200)}` : '';
      void this.raise('critical-risk', `Critical-risk action from ${d.agent_id}: ${String(d.action_type)}${resource}`, {
        action_id: d.action_id,
        agent_id: d.agent_id,
        action_type: d.action_type,
        risk: d.risk,
        decision: d.decision,
      });
    }
    // Denials at submit, by a person, or by a timeout that denies.
    if (e.event === 'action.denied' || e.event === 'action.rejected' || (e.event === 'action.expired' && d.decision === 'denied')) {
      this.noteDenial(d.agent_id, d.action_id);
    }
  }

  /** Counts a denial; 5 within 10 minutes raises one alert. */
  private noteDenial(agentId: string, actionId: string): void {
    const now = this.clock.now();
    const list = (this.denials.get(agentId) ?? []).filter((t) => t > now - DENIAL_WINDOW_MS);
    list.push(now);
    if (list.length >= DENIAL_THRESHOLD) {
      this.denials.set(agentId, []);
      void this.raise('repeated-denials', `${agentId} was denied ${list.length} times in 10 minutes`, {
        agent_id: agentId,
        count: list.length,
        last_action_id: actionId,
      });
    } else {
      this.denials.set(agentId, list);
    }
  }

  async raise(kind: AlertKind, message: string, data: Record<string, unknown>): Promise<void> {
    const body = { kind, message, ...data };
    let seq: number | null = null;
    try {
      const [rec] = await this.store.commit(
        [],
        [{ type: 'alert.triggered', actor: 'system', action_id: typeof data.action_id === 'string' ? data.action_id : null, data: body }],
      );
      seq = rec!.seq;
    } catch {
      // Storage is failing; the alert is still shown live.
    }
    this.bus.publish('alert.triggered', body, { seq });
  }
}
