import type { AuditRecord } from '../../../src-shared/index.js';

/** One step in an action's life, as the drawer's timeline shows it. */
export interface TimelineStep {
  seq: number;
  ts: string;
  /** Short verb: Submitted, Allowed, Held for approval, Approved, … */
  title: string;
  /** Who did it, in words: "agent claude-code", "policy prod-db-delete", "you (console or admin key)", "nobody". */
  who: string;
  detail: string | null;
  /** allowed / denied / pending / … — colors the dot. */
  tone: string;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

function actorWords(actor: string): string {
  if (actor === 'user') return 'you (console or admin key)';
  if (actor === 'system') return 'Gatehouse';
  if (actor.startsWith('agent:')) return `agent ${actor.slice(6)}`;
  return actor;
}

/**
 * The records of one action (any order) as its timeline, oldest first: submitted, decided, held,
 * answered (by whom) or expired / withdrawn, completed. Records of other types that name the action
 * (a policy remembered from the answer) appear with their type.
 */
export function timelineOf(records: AuditRecord[]): TimelineStep[] {
  const steps: TimelineStep[] = [];
  for (const r of [...records].sort((a, b) => a.seq - b.seq)) {
    const d = r.data;
    const base = { seq: r.seq, ts: r.ts };
    switch (r.type) {
      case 'action.decided': {
        const agent = str(d.agent_id) ?? r.actor.replace(/^agent:/, '');
        steps.push({
          ...base,
          title: 'Submitted',
          who: `agent ${agent}`,
          detail: str(d.description) ?? [str(d.action_type), str(d.resource)].filter(Boolean).join(' · '),
          tone: 'neutral',
        });
        const decision = str(d.decision);
        const policy = d.policy && typeof d.policy === 'object' ? str((d.policy as Record<string, unknown>).id) : null;
        steps.push({
          ...base,
          title: decision === 'pending' ? 'Held for approval' : decision === 'allowed' ? 'Allowed' : 'Denied',
          who: policy ? `policy ${policy}` : 'risk score (no policy matched)',
          detail: str(d.reason),
          tone: decision ?? 'neutral',
        });
        break;
      }
      case 'approval.requested':
        steps.push({
          ...base,
          title: 'Approval requested',
          who: 'Gatehouse',
          detail: [
            str(d.expires_at) ? `answer by ${new Date(str(d.expires_at)!).toLocaleString()}` : null,
            `if nobody answers: ${str(d.timeout_action) ?? 'deny'}`,
          ]
            .filter(Boolean)
            .join(' · '),
          tone: 'pending',
        });
        break;
      case 'approval.resolved': {
        const approved = d.approved === true;
        const remember = str(d.remember);
        steps.push({
          ...base,
          title: approved ? 'Approved' : 'Rejected',
          who: actorWords(r.actor),
          detail:
            [
              str(d.comment) ? `“${str(d.comment)}”` : null,
              remember && remember !== 'once'
                ? `remembered (${remember})${str(d.policy_id) ? ` as policy ${str(d.policy_id)}` : ''}`
                : null,
            ]
              .filter(Boolean)
              .join(' · ') || null,
          tone: approved ? 'approved' : 'rejected',
        });
        break;
      }
      case 'approval.expired':
        steps.push({
          ...base,
          title: 'Expired — nobody answered',
          who: 'nobody',
          detail: `timeout action: ${str(d.timeout_action) ?? 'deny'}`,
          tone: 'expired',
        });
        break;
      case 'approval.withdrawn':
        steps.push({
          ...base,
          title: 'Withdrawn — the agent stopped waiting',
          who: actorWords(r.actor),
          detail: str(d.reason) ?? 'the action never runs',
          tone: 'withdrawn',
        });
        break;
      case 'action.completed': {
        const failed = str(d.status) === 'failed';
        const ms = typeof d.duration_ms === 'number' ? ` in ${d.duration_ms} ms` : '';
        steps.push({
          ...base,
          title: failed ? 'Failed' : 'Completed',
          who: actorWords(r.actor),
          detail: failed ? `${str(d.error) ?? 'the agent reported a failure'}${ms}` : `the agent reported success${ms}`,
          tone: failed ? 'failed' : 'completed',
        });
        break;
      }
      case 'alert.triggered':
        steps.push({ ...base, title: 'Alert raised', who: 'Gatehouse', detail: str(d.message) ?? str(d.kind), tone: 'pending' });
        break;
      default:
        steps.push({ ...base, title: r.type, who: actorWords(r.actor), detail: null, tone: 'neutral' });
    }
  }
  return steps;
}

/** "+4.2 s", "+3 min" after the first step. */
export function sinceStart(ts: string, startTs: string): string {
  const s = Math.max(0, (Date.parse(ts) - Date.parse(startTs)) / 1000);
  if (s < 0.05) return '';
  if (s < 60) return `+${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  if (s < 3600) return `+${Math.round(s / 60)} min`;
  if (s < 86_400) return `+${(s / 3600).toFixed(1)} h`;
  return `+${(s / 86_400).toFixed(1)} d`;
}
