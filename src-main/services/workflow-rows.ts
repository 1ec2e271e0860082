import { WorkflowSchema, type ActionStatus, type Workflow } from '../../src-shared/index.js';
import type { Op, Store } from '../storage/types.js';
import { ProgressStateSchema, progressView, type ProgressState } from './workflow-progress.js';

/**
 * The `workflows` and `approval_workflows` tables (storage/schema.ts): every statement that reads or
 * writes them.
 */
export interface WorkflowRow {
  id: string;
  body: string;
  created_ms: number;
  updated_ms: number;
}

export function workflowRows(store: Store): WorkflowRow[] {
  return store.all<WorkflowRow>('SELECT * FROM workflows ORDER BY id');
}

export function workflowRow(store: Store, id: string): WorkflowRow | undefined {
  return store.get<WorkflowRow>('SELECT * FROM workflows WHERE id = ?', [id]);
}

export const workflowOf = (r: WorkflowRow): Workflow => ({ ...WorkflowSchema.parse(JSON.parse(r.body)), id: r.id });

export const upsertWorkflowOp = (wf: Workflow, created: number, updated: number): Op => ({
  sql: 'INSERT INTO workflows (id, body, created_ms, updated_ms) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated_ms = excluded.updated_ms',
  params: [wf.id, JSON.stringify(wf), created, updated],
});

export const deleteWorkflowOp = (id: string): Op => ({ sql: 'DELETE FROM workflows WHERE id = ?', params: [id] });

// --- progress of held actions ----------------------------------------------------------------

export function progressOf(store: Store, actionId: string): ProgressState | null {
  const r = store.get<{ state: string }>('SELECT state FROM approval_workflows WHERE action_id = ?', [actionId]);
  return r ? ProgressStateSchema.parse(JSON.parse(r.state)) : null;
}

/**
 * SQL (actions as `a`): a workflow step's timeout action decided the action, approving or rejecting
 * it as the step's answer (SPEC 11): the current step of its progress is the one that timed out. An
 * escalated step is no longer the current one, and an expiry marks the current step `expired`.
 */
export const STEP_TIMED_OUT_SQL = `EXISTS (SELECT 1 FROM approval_workflows w WHERE w.action_id = a.action_id
  AND json_extract(w.state, '$.steps[' || json_extract(w.state, '$.step') || '].state') = 'timed_out')`;

/** Current-step deadlines of every pending action a workflow governs (the timer reads them on start). */
export function pendingStepDeadlines(store: Store): { action_id: string; deadline_ms: number | null }[] {
  return store.all(
    "SELECT w.action_id, w.deadline_ms FROM approval_workflows w JOIN actions a ON a.action_id = w.action_id WHERE a.status = 'pending'",
  );
}

const deadlineOf = (p: ProgressState): number | null => p.steps[p.step]?.deadline_ms ?? null;

export const insertProgressOp = (actionId: string, p: ProgressState, now: number): Op => ({
  sql: 'INSERT INTO approval_workflows (action_id, workflow_id, state, deadline_ms, updated_ms) VALUES (?, ?, ?, ?, ?)',
  params: [actionId, p.id, JSON.stringify(p), deadlineOf(p), now],
});

export const updateProgressOp = (actionId: string, p: ProgressState, now: number): Op => ({
  sql: 'UPDATE approval_workflows SET state = ?, deadline_ms = ?, updated_ms = ? WHERE action_id = ?',
  params: [JSON.stringify(p), deadlineOf(p), now, actionId],
});

/** The status body with its `workflow` block, when a workflow governs the action. */
export function withWorkflow<S extends ActionStatus>(store: Store, s: S): S {
  if (!s.approval_id) return s;
  const p = progressOf(store, s.action_id);
  return p ? { ...s, workflow: progressView(p) } : s;
}
