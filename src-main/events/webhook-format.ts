import type { EventEnvelope, JsonObject } from '../../src-shared/index.js';

export type WebhookFormat = 'json' | 'slack';

const MAX_QUOTED = 120;

const str = (d: JsonObject, k: string): string | null => {
  const v = d[k];
  return typeof v === 'string' && v !== '' ? v : null;
};

/** Slack mrkdwn needs only &, < and > escaped; newlines would break the one-line summary. */
function clean(s: string, max = MAX_QUOTED): string {
  const one = s.replace(/\s+/g, ' ').trim();
  const cut = one.length > max ? `${one.slice(0, max - 1)}…` : one;
  return cut.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function riskText(d: JsonObject): string | null {
  const r = d.risk;
  if (!r || typeof r !== 'object' || Array.isArray(r)) return null;
  const { score, level } = r as { score?: unknown; level?: unknown };
  if (typeof score !== 'number') return null;
  return `risk ${score}${typeof level === 'string' ? ` ${level}` : ''}`;
}

/** `claude-code wants shell.exec on "rm -rf build" (risk 80 high)` style fragments. */
function actionPhrase(d: JsonObject, verb: string): string {
  const agent = clean(str(d, 'agent_id') ?? 'an agent', 128);
  const type = clean(str(d, 'action_type') ?? 'an action', 128);
  const resource = str(d, 'resource');
  const risk = riskText(d);
  return `${agent} ${verb} ${type}${resource ? ` on "${clean(resource)}"` : ''}${risk ? ` (${risk})` : ''}`;
}

const withReason = (d: JsonObject, text: string): string => {
  const reason = str(d, 'reason');
  return reason ? `${text}: ${clean(reason, 200)}` : text;
};

/** A readable one-line summary of an event, for Slack / Teams incoming webhooks. */
export function slackText(e: EventEnvelope): string {
  const d = e.data;
  switch (e.event) {
    case 'approval.requested':
      return `:warning: Approval needed: ${actionPhrase(d, 'wants')}`;
    case 'approval.step_answered':
      return `:ballot_box_with_check: Workflow step answered by ${clean(str(d, 'approver') ?? 'an approver', 64)}: ${actionPhrase(d, 'wants')}`;
    case 'approval.escalated':
      return `:arrow_double_up: Approval escalated (a workflow step timed out): ${actionPhrase(d, 'wants')}`;
    case 'action.submitted':
      return `:inbox_tray: Submitted: ${actionPhrase(d, 'requested')} → ${clean(str(d, 'decision') ?? 'unknown', 32)}`;
    case 'action.allowed':
      return `:white_check_mark: Allowed: ${actionPhrase(d, 'may run')}`;
    case 'action.denied':
      return withReason(d, `:no_entry: Denied: ${actionPhrase(d, 'may not run')}`);
    case 'action.approved':
      return `:white_check_mark: Approved: ${actionPhrase(d, 'may run')}${str(d, 'comment') ? ` — "${clean(str(d, 'comment')!)}"` : ''}`;
    case 'action.rejected':
      return `:x: Rejected: ${actionPhrase(d, 'may not run')}${str(d, 'comment') ? ` — "${clean(str(d, 'comment')!)}"` : ''}`;
    case 'action.expired':
      return `:hourglass: Expired without an answer: ${actionPhrase(d, 'wanted')} → ${clean(str(d, 'decision') ?? 'denied', 32)}`;
    case 'action.withdrawn':
      return `:leftwards_arrow_with_hook: Withdrawn (the agent stopped waiting): ${actionPhrase(d, 'wanted')}`;
    case 'action.completed': {
      const failed = str(d, 'status') === 'failed';
      const text = `${failed ? ':boom: Failed' : ':checkered_flag: Completed'}: ${actionPhrase(d, 'ran')}`;
      return failed && str(d, 'error') ? `${text}: ${clean(str(d, 'error')!, 200)}` : text;
    }
    case 'policy.changed': {
      const change = str(d, 'change') ?? 'changed';
      const ids = Array.isArray(d.policy_ids) ? d.policy_ids.length : null;
      if (ids !== null) return `:scroll: Policies ${clean(change, 32)}: ${ids} polic${ids === 1 ? 'y' : 'ies'}`;
      return `:scroll: Policy ${clean(change, 32)}: ${clean(str(d, 'policy_id') ?? '(unknown)', 64)}`;
    }
    case 'checkpoint.signed':
      return `:lock: Audit checkpoint signed: ${typeof d.size === 'number' ? d.size : '?'} records, root ${clean(str(d, 'root') ?? '?', 64)}`;
    case 'alert.triggered':
      return `:rotating_light: Alert${str(d, 'kind') ? ` (${clean(str(d, 'kind')!, 64)})` : ''}: ${clean(str(d, 'message') ?? 'see Gatehouse', 300)}`;
  }
}

/** The exact JSON body a delivery sends: the event envelope, or `{"text": ...}` for Slack. */
export function deliveryBody(format: WebhookFormat, e: EventEnvelope): string {
  return format === 'slack' ? JSON.stringify({ text: slackText(e) }) : JSON.stringify(e);
}
