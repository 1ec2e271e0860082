import type { HookAdapter, HookAnswer, OnError, Verdict } from './types.js';

/** The part of a decision or status body a verdict is made from (SPEC 2.2, 2.3). */
export interface DecisionLike {
  action_id?: string;
  decision?: string;
  status?: string;
  reason?: string;
  comment?: string | null;
  reviewed_by?: string | null;
  policy?: { id?: string; effect?: string } | null;
  flags?: string[];
}

export type HookFallback = 'pass' | 'allow';

/**
 * SPEC 9.1 / 9.4: `allow` only for an explicit allow — a deciding `allow` policy (a remembered
 * answer included) or a person's approval. A fallback allow (no policy decided, risk below the
 * thresholds, monitor mode) is "no opinion", unless `hook_fallback: allow`; monitor mode's
 * would-deny never becomes an allow. Null while the action is still pending.
 */
export function verdictOf(s: DecisionLike, fallback: HookFallback, what = 'tool call'): Verdict | null {
  const id = s.action_id ? ` (action ${s.action_id})` : '';
  const reason = s.reason?.trim() || 'no reason given';
  const comment = s.comment?.trim() ? ` — “${s.comment.trim()}”` : '';
  if (s.decision === 'pending') return null;
  if (s.decision === 'allowed') {
    // A person's approval. A workflow step whose timeout action approved it (reviewed_by `timeout`)
    // is nobody's explicit allow: like an expired approval that allows, it is no opinion.
    if (s.status === 'approved' && s.reviewed_by === 'user') return { kind: 'allow', reason: `Gatehouse: approved by you${comment}${id}` };
    if (s.status === 'approved')
      return {
        kind: 'pass',
        reason: `Gatehouse has no objection: approved without a person (${s.reviewed_by ?? 'unknown'})${comment}${id}`,
      };
    const explicit = s.status === 'allowed' && s.policy?.effect === 'allow';
    if (explicit) return { kind: 'allow', reason: `Gatehouse allowed this ${what}: ${reason}${id}` };
    const monitored = (s.flags ?? []).some((f) => f.startsWith('would_'));
    const kind = fallback === 'allow' && s.status === 'allowed' && !monitored ? 'allow' : 'pass';
    return { kind, reason: `Gatehouse has no objection: ${reason}${id}` };
  }
  if (s.decision === 'denied') {
    const how =
      s.status === 'rejected'
        ? `rejected this ${what}`
        : s.status === 'expired'
          ? `denied this ${what} (the approval expired)`
          : s.status === 'withdrawn'
            ? `denied this ${what} (the request was withdrawn)`
            : `denied this ${what}`;
    return { kind: 'deny', reason: `Gatehouse ${how}: ${reason}${comment}${id}` };
  }
  return { kind: 'ask', reason: `Gatehouse gave an unexpected decision ${JSON.stringify(s.decision)}${id}` };
}

/** An `ask` the agent cannot put to its user becomes a refusal (never a silent pass). */
export function speakable(adapter: HookAdapter, v: Verdict, event: string | null): Verdict {
  if (v.kind !== 'ask' || adapter.canAsk(event)) return v;
  const head = v.reason.replace(/(;| —) asking you instead$/, '');
  return { kind: 'deny', reason: `${head}; refused, because ${adapter.displayName} cannot ask you here` };
}

/** The hold ran out (or the hook went away) and the request was withdrawn: ask where the agent can, else refuse. */
export function timeoutVerdict(adapter: HookAdapter, event: string | null, why: string): Verdict {
  return speakable(adapter, { kind: 'ask', reason: `Gatehouse: ${why}; the request was withdrawn — asking you instead` }, event);
}

/** The answer when Gatehouse cannot decide: ask where the agent can, else its blocking form. */
export function failureVerdict(adapter: HookAdapter, event: string | null, mode: OnError, what: string): Verdict {
  if (mode === 'pass') return { kind: 'pass', reason: `Gatehouse could not decide (${what}); passing (--on-error pass)` };
  if (mode === 'deny') return { kind: 'deny', reason: `Gatehouse could not decide (${what}); refused (--on-error deny)` };
  return speakable(adapter, { kind: 'ask', reason: `Gatehouse could not decide (${what}); asking you instead` }, event);
}

export function renderVerdict(adapter: HookAdapter, v: Verdict, event: string | null): HookAnswer {
  return adapter.render(speakable(adapter, v, event), event);
}

/** The hold a hook gives a pending approval: the requested one, within the agent's limit. */
export function holdSeconds(adapter: HookAdapter, requested?: number | null): number {
  const want = requested ?? adapter.defaultWaitS;
  const max = Math.min(adapter.maxWaitS ?? 86_400, 86_400);
  return Math.max(0, Math.min(want, max));
}
