import type { StateCreator } from 'zustand';
import type { PendingApproval } from '../../src-shared/index.js';
import type { AppState } from './index.js';

export type Outcome = 'approved' | 'rejected' | 'expired' | 'withdrawn';

export interface ApprovalsSlice {
  approvals: Record<string, PendingApproval>;
  /** Action ids, soonest expiry first. */
  approvalIds: string[];
  /** Cards animating out, with how they ended. */
  leaving: Record<string, Outcome>;
  selectedApprovalId: string | null;
  approvalsLoaded: boolean;
  approvalsError: string | null;
  /** Pending approvals not already answered (the badge). */
  pendingCount: number;
  setPending: (items: PendingApproval[]) => void;
  setApprovalsError: (e: string | null) => void;
  markLeaving: (actionId: string, outcome: Outcome) => void;
  removeApproval: (actionId: string) => void;
  selectApproval: (actionId: string | null) => void;
}

const byExpiry = (a: PendingApproval, b: PendingApproval) => Date.parse(a.expires_at) - Date.parse(b.expires_at);

export const approvalsSlice: StateCreator<AppState, [], [], ApprovalsSlice> = (set) => ({
  approvals: {},
  approvalIds: [],
  leaving: {},
  selectedApprovalId: null,
  approvalsLoaded: false,
  approvalsError: null,
  pendingCount: 0,
  setPending: (items) =>
    set((s) => {
      const approvals: Record<string, PendingApproval> = {};
      for (const it of items) approvals[it.action_id] = it;
      // Cards still animating out stay until their animation ends.
      for (const id of Object.keys(s.leaving)) if (s.approvals[id] && !approvals[id]) approvals[id] = s.approvals[id];
      const approvalIds = Object.values(approvals)
        .sort(byExpiry)
        .map((a) => a.action_id);
      const live = approvalIds.filter((id) => !s.leaving[id]);
      const selected = s.selectedApprovalId && live.includes(s.selectedApprovalId) ? s.selectedApprovalId : (live[0] ?? null);
      return {
        approvals,
        approvalIds,
        approvalsLoaded: true,
        approvalsError: null,
        pendingCount: live.length,
        selectedApprovalId: selected,
      };
    }),
  setApprovalsError: (approvalsError) => set({ approvalsError, approvalsLoaded: true }),
  markLeaving: (id, outcome) =>
    set((s) => {
      if (!s.approvals[id] || s.leaving[id]) return {};
      const leaving = { ...s.leaving, [id]: outcome };
      const live = s.approvalIds.filter((x) => !leaving[x]);
      let selected = s.selectedApprovalId;
      if (selected === id) {
        const i = s.approvalIds.indexOf(id);
        selected = s.approvalIds.slice(i + 1).find((x) => !leaving[x]) ?? live[live.length - 1] ?? null;
      }
      return { leaving, pendingCount: live.length, selectedApprovalId: selected };
    }),
  removeApproval: (id) =>
    set((s) => {
      const { [id]: _gone, ...approvals } = s.approvals;
      const { [id]: _left, ...leaving } = s.leaving;
      const approvalIds = s.approvalIds.filter((x) => x !== id);
      return { approvals, leaving, approvalIds, pendingCount: approvalIds.filter((x) => !leaving[x]).length };
    }),
  selectApproval: (selectedApprovalId) => set({ selectedApprovalId }),
});
