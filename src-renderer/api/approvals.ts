import type { Remember } from '../../src-shared/index.js';
import { store } from '../store/index.js';
import type { Outcome } from '../store/approvals.js';
import { api, errorMessage } from './client.js';

let inflight: Promise<void> | null = null;
let again = false;

/** Reloads the pending inbox into the store; concurrent calls collapse into one follow-up. */
export function refreshPending(): Promise<void> {
  if (inflight) {
    again = true;
    return inflight;
  }
  inflight = (async () => {
    try {
      do {
        again = false;
        const page = await api.pendingApprovals();
        store.getState().setPending(page.items);
      } while (again);
    } catch (e) {
      store.getState().setApprovalsError(errorMessage(e));
    } finally {
      inflight = null;
    }
  })();
  return inflight;
}

const LEAVE_MS = 380;

/** Animates a card out, then drops it from the inbox. */
export function retireApproval(actionId: string, outcome: Outcome): void {
  const s = store.getState();
  if (!s.approvals[actionId]) return;
  s.markLeaving(actionId, outcome);
  setTimeout(() => store.getState().removeApproval(actionId), LEAVE_MS);
}

export const REMEMBER_CHOICES: { value: Remember; label: string; short: string }[] = [
  { value: 'once', label: 'Just this once', short: 'Once' },
  { value: '15m', label: 'For 15 minutes', short: '15m' },
  { value: '1h', label: 'For 1 hour', short: '1h' },
  { value: '12h', label: 'For 12 hours', short: '12h' },
  { value: 'until_restart', label: 'Until Gatehouse restarts', short: 'Until restart' },
  { value: 'forever', label: 'Forever', short: 'Forever' },
];

export function rememberPhrase(r: Remember): string {
  switch (r) {
    case 'once':
      return 'once';
    case 'until_restart':
      return 'until restart';
    case 'forever':
      return 'forever';
    default:
      return `for ${r}`;
  }
}

export interface ResolveInput {
  actionId: string;
  approve: boolean;
  remember: Remember;
  pattern: string | null;
  comment: string;
}

/** Answers an approval; returns the id of the policy "remember" created, if any. */
export async function resolveApproval(i: ResolveInput): Promise<{ policyId: string | null }> {
  const body = {
    remember: i.remember,
    ...(i.remember !== 'once' && i.pattern ? { pattern: i.pattern } : {}),
    ...(i.comment.trim() ? { comment: i.comment.trim() } : {}),
  };
  const status = i.approve ? await api.approve(i.actionId, body) : await api.deny(i.actionId, body);
  if (i.remember === 'once') return { policyId: null };
  // The created policy's id is in the approval.resolved audit record.
  try {
    const page = await api.audit({ action_id: status.action_id, type: 'approval.resolved', limit: 1 });
    const id = page.items[0]?.data.policy_id;
    return { policyId: typeof id === 'string' ? id : null };
  } catch {
    return { policyId: null };
  }
}
