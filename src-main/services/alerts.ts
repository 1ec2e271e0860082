import type { AlertKind, Decision, NormalizedAction } from '../../src-shared/index.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../events/bus.js';
import type { Store } from '../storage/types.js';

const DENIAL_WINDOW_MS = 10 * 60_000;
const DENIAL_THRESHOLD = 5;

/**
 * Alerts (`alert.triggered`): a critical-risk action, an agent denied 5 times in 10 minutes, a known
 * MCP server whose tool list changed. Each is audited and published; raising one never delays or
 * changes the decision that caused it.
 */
export class AlertService {
  private readonly denials = new Map<string, number[]>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly bus: EventBus,
  ) {}

  afterDecision(action: NormalizedAction, d: Decision): void {
    if (d.risk.level === 'critical') {
      void this.raise(
        'critical-risk',
        `Critical-risk action from ${action.agent_id}: ${action.action_type}${action.resource ? ` on ${action.resource.slice(0, 200)}` : ''}`,
        {
          action_id: d.action_id,
          agent_id: action.agent_id,
          action_type: action.action_type,
          risk: d.risk,
          decision: d.decision,
        },
      );
    }
    if (d.decision === 'denied') this.noteDenial(action.agent_id, d.action_id);
  }

  /** Counts a denial (at submit, by a person, or by timeout); 5 within 10 minutes raises one alert. */
  noteDenial(agentId: string, actionId: string): void {
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
    try {
      await this.store.commit(
        [],
        [{ type: 'alert.triggered', actor: 'system', action_id: typeof data.action_id === 'string' ? data.action_id : null, data: body }],
      );
    } catch {
      // Storage is failing; the alert is still shown live.
    }
    this.bus.publish('alert.triggered', body);
  }
}
