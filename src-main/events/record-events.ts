import {
  ActionEventSchema,
  CompletedEventSchema,
  ReviewEventSchema,
  pickShape,
  type ActionStatus,
  type EventEnvelope,
  type EventName,
  type JsonObject,
} from '../../src-shared/index.js';
import { actionRow, toStatus } from '../services/action-rows.js';
import { withWorkflow } from '../services/workflow-rows.js';
import type { Store } from '../storage/types.js';
import { eventIdOf } from './event-ids.js';

/** What of an audit record says which events it raised. */
export interface RecordHead {
  seq: number;
  type: string;
  data: JsonObject;
}

/** An audit record as the log holds it (`data` parsed). */
export interface RecordForEvents extends RecordHead {
  ts: string;
  action_id: string | null;
}

/** The audit types that raise events (for a query that reads only those). */
export const EVENT_RECORD_TYPES = [
  'action.decided',
  'approval.resolved',
  'approval.step_answered',
  'approval.escalated',
  'approval.expired',
  'approval.withdrawn',
  'action.completed',
  'policy.created',
  'policy.updated',
  'policy.deleted',
  'policy.imported',
  'alert.triggered',
  'checkpoint.signed',
] as const;

/**
 * The events (SPEC 7.3) an audit record raised, in the order they were published: exactly the
 * pairs the services publish live with that record's seq (each `bus.publish` names it), so that an
 * event can be made again from the log with the same id (webhook recovery, SSE resume).
 */
export function eventNamesOf(r: RecordHead): EventName[] {
  const d = r.data;
  switch (r.type) {
    case 'action.decided':
      return [
        'action.submitted',
        d.decision === 'allowed' ? 'action.allowed' : d.decision === 'denied' ? 'action.denied' : 'approval.requested',
      ];
    case 'approval.resolved':
      return [d.approved === true ? 'action.approved' : 'action.rejected'];
    case 'approval.step_answered':
      // The step answer that decides the workflow goes with the approval.resolved record instead.
      return d.outcome === 'counted' || d.outcome === 'step_passed' ? ['approval.step_answered'] : [];
    case 'approval.escalated':
      return ['approval.escalated'];
    case 'approval.expired':
      return ['action.expired'];
    case 'approval.withdrawn':
      return ['action.withdrawn'];
    case 'action.completed':
      return ['action.completed'];
    case 'policy.created':
    case 'policy.updated':
    case 'policy.deleted':
    case 'policy.imported':
      return ['policy.changed'];
    case 'alert.triggered':
      return ['alert.triggered'];
    case 'checkpoint.signed':
      return ['checkpoint.signed'];
    default:
      return [];
  }
}

const REVIEW_STATUS: Partial<Record<EventName, ActionStatus['status']>> = {
  'action.approved': 'approved',
  'action.rejected': 'rejected',
  'action.expired': 'expired',
  'action.withdrawn': 'withdrawn',
};

/**
 * The events of a record, made from the log (the live ones are not at hand: the process that
 * published them stopped, or the client was away). Same ids and names as published live; the
 * bodies come from the record and, for an action's later events, from the action's row as it is now
 * (its status set to the one the event reported, since the action may have moved on).
 */
export function eventsOfRecord(store: Store, r: RecordForEvents): EventEnvelope[] {
  const names = eventNamesOf(r);
  if (names.length === 0) return [];
  const created_at = r.ts;
  return names.flatMap((event) => {
    const data = dataOf(store, r, event);
    return data ? [{ id: eventIdOf(r.seq, event), event, created_at, data }] : [];
  });
}

function dataOf(store: Store, r: RecordForEvents, event: EventName): JsonObject | null {
  const d = r.data;
  switch (r.type) {
    case 'action.decided':
      return pickShape(ActionEventSchema, { ...(d as Record<string, unknown>), action_id: r.action_id } as never) as JsonObject;
    case 'policy.created':
    case 'policy.updated': {
      const policy = d.policy as { id?: unknown } | undefined;
      return { change: r.type === 'policy.created' ? 'created' : 'updated', policy_id: String(policy?.id ?? ''), policy: d.policy ?? null };
    }
    case 'policy.deleted':
      return { change: 'deleted', policy_id: String(d.policy_id ?? '') };
    case 'policy.imported':
      return { change: 'imported', policy_ids: d.policy_ids ?? [] };
    case 'alert.triggered':
      return d;
    case 'checkpoint.signed':
      return { seq: r.seq, ...d };
    default:
      return actionEventData(store, r, event);
  }
}

/** The later events of an action: their body is the action's status (as the approval modules and actions.ts publish it). */
function actionEventData(store: Store, r: RecordForEvents, event: EventName): JsonObject | null {
  const row = r.action_id ? actionRow(store, r.action_id) : undefined;
  if (!row) return null; // the action is gone (a database restored without it): nothing to describe
  const now = toStatus(row);
  const status = REVIEW_STATUS[event];
  const s: ActionStatus = status ? { ...now, status } : now;
  const review = pickShape(ReviewEventSchema, s) as JsonObject;
  switch (event) {
    case 'action.completed':
      return pickShape(CompletedEventSchema, s) as JsonObject;
    case 'approval.step_answered': {
      const w = withWorkflow(store, s);
      return {
        ...review,
        status: 'pending',
        workflow: w.workflow ?? null,
        approver: r.data.approver ?? null,
        step: r.data.step ?? null,
      } as JsonObject;
    }
    case 'approval.escalated': {
      const w = withWorkflow(store, s);
      return {
        ...review,
        status: 'pending',
        expires_at: r.data.expires_at ?? s.expires_at,
        workflow: w.workflow ?? null,
        escalation_approvers: r.data.escalation_approvers ?? [],
      } as JsonObject;
    }
    default:
      return review;
  }
}

/** An event-raising record as stored, `data` parsed, with its time in ms. */
export interface EventRecord extends RecordForEvents {
  ts_ms: number;
}

const EVENT_RECORDS_SQL = `SELECT seq, ts, ts_ms, type, action_id, data FROM audit WHERE seq >= ? AND seq <= ? AND type IN (${EVENT_RECORD_TYPES.map(() => '?').join(', ')}) ORDER BY seq`;

/** The records with seq in [from, to] that raise events (the one read of the webhook recovery and the SSE resume). */
export function eventRecordsIn(store: Store, from: number, to: number): EventRecord[] {
  return store
    .all<Omit<EventRecord, 'data'> & { data: string }>(EVENT_RECORDS_SQL, [from, to, ...EVENT_RECORD_TYPES])
    .map((r) => ({ ...r, data: JSON.parse(r.data) as JsonObject }));
}

/** The audit log as the SSE hub resumes from it (sse.ts EventLog): events of a seq range, made from the records. */
export function eventLog(store: Store) {
  return {
    head: () => store.head().seq,
    firstLive: () => store.archiveHead().seq + 1,
    events: (from: number, to: number): EventEnvelope[] => eventRecordsIn(store, from, to).flatMap((r) => eventsOfRecord(store, r)),
  };
}
