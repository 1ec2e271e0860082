import type { AuditRecord, RiskLevel } from '../../../src-shared/index.js';

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** What the Activity table shows for a record, read from its `data`. */
export interface RecordView {
  agent: string;
  /** Who acted, for the raw events' Actor / agent column: the agent, or a person and the agent whose request they answered (`you · claude-code`). */
  who: string;
  action: string | null;
  resource: string | null;
  outcome: string | null;
  risk: { score: number; level: RiskLevel } | null;
}

export function viewOf(r: AuditRecord): RecordView {
  const d = r.data;
  const named = str(d.agent_id);
  const agent = named ?? r.actor.replace(/^agent:/, '');
  // A person's answer names the agent it answered: both show, the person first (the console's "by you").
  const who = named && r.actor === 'user' ? `you · ${named}` : agent;
  let outcome: string | null = null;
  switch (r.type) {
    case 'action.decided':
      outcome = str(d.status) ?? str(d.decision);
      break;
    case 'approval.requested':
      outcome = 'pending';
      break;
    case 'approval.resolved':
      outcome = d.approved === true ? 'approved' : d.approved === false ? 'rejected' : null;
      break;
    case 'approval.expired':
      outcome = 'expired';
      break;
    case 'approval.withdrawn':
      outcome = 'withdrawn';
      break;
    case 'action.completed':
      outcome = str(d.status);
      break;
    default:
      outcome = null;
  }
  const risk = d.risk && typeof d.risk === 'object' ? (d.risk as { score?: unknown; level?: unknown }) : null;
  return {
    agent,
    who,
    action: str(d.action_type) ?? str(d.policy_id) ?? str(d.id) ?? str(d.server_id) ?? str(d.name),
    resource: str(d.resource),
    outcome,
    risk:
      risk && typeof risk.score === 'number' && typeof risk.level === 'string'
        ? { score: risk.score, level: risk.level as RiskLevel }
        : null,
  };
}
