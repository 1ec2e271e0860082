import { WorkflowSchema, type Workflow, type WorkflowView } from '../../src-shared/index.js';
import { iso, type Clock } from '../core/clock.js';
import { conflict, invalid, invalidField, notFound } from '../core/errors.js';
import { shortId } from '../core/ids.js';
import type { Store } from '../storage/types.js';
import type { PolicyService } from './policies.js';
import { deleteWorkflowOp, upsertWorkflowOp, workflowOf, workflowRow, workflowRows, type WorkflowRow } from './workflow-rows.js';

/** `High Value Transaction Workflow` → `high-value-transaction-workflow`. */
function slugOf(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 54)
    .replace(/-+$/, '');
  return slug || 'workflow';
}

/**
 * Approval workflows (SPEC 11): the seeds' documents, stored as written, validated whole. A policy
 * names one with `approval: {workflow: "<id>"}`; a workflow a policy names cannot be deleted (409).
 * An action held under a workflow keeps the snapshot it was held with (approval_workflows), so an
 * edit never changes a request in flight.
 */
export class WorkflowService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly policies: PolicyService,
  ) {}

  list(): WorkflowView[] {
    return workflowRows(this.store).map((r) => this.view(r));
  }

  get(id: string): WorkflowView {
    const r = workflowRow(this.store, id);
    if (!r) throw notFound(`Workflow '${id}'`);
    return this.view(r);
  }

  /** The workflow as stored, or null. */
  find(id: string): Workflow | null {
    const r = workflowRow(this.store, id);
    return r ? workflowOf(r) : null;
  }

  async create(input: unknown, actor = 'user'): Promise<WorkflowView> {
    const parsed = WorkflowSchema.safeParse(input);
    if (!parsed.success) throw invalid(parsed.error, 'Workflow');
    let id = parsed.data.id;
    if (id) {
      if (workflowRow(this.store, id)) throw conflict(`Workflow '${id}' already exists`);
    } else {
      id = slugOf(parsed.data.name);
      if (workflowRow(this.store, id)) id = `${id}-${shortId()}`;
    }
    const wf: Workflow = { ...parsed.data, id };
    const now = this.clock.now();
    await this.store.commit([upsertWorkflowOp(wf, now, now)], [{ type: 'workflow.created', actor, data: { workflow: wf } }]);
    return this.get(id);
  }

  async update(id: string, input: unknown, actor = 'user'): Promise<WorkflowView> {
    const existing = workflowRow(this.store, id);
    if (!existing) throw notFound(`Workflow '${id}'`);
    const parsed = WorkflowSchema.safeParse(input);
    if (!parsed.success) throw invalid(parsed.error, 'Workflow');
    if (parsed.data.id !== undefined && parsed.data.id !== id)
      throw invalidField('id', `must be '${id}'`, 'Workflow id in the body differs from the path');
    const wf: Workflow = { ...parsed.data, id };
    const now = this.clock.now();
    await this.store.commit(
      [upsertWorkflowOp(wf, existing.created_ms, now)],
      [{ type: 'workflow.updated', actor, data: { workflow: wf, previous: workflowOf(existing) } }],
    );
    return this.get(id);
  }

  async remove(id: string, actor = 'user'): Promise<{ deleted: string }> {
    const existing = workflowRow(this.store, id);
    if (!existing) throw notFound(`Workflow '${id}'`);
    const users = this.policiesUsing(id);
    if (users.length)
      throw conflict(
        `Workflow '${id}' is named by ${users.length === 1 ? 'policy' : 'policies'} ${users.map((p) => `'${p}'`).join(', ')}; change them first`,
      );
    await this.store.commit(
      [deleteWorkflowOp(id)],
      [{ type: 'workflow.deleted', actor, data: { workflow_id: id, workflow: workflowOf(existing) } }],
    );
    return { deleted: id };
  }

  private policiesUsing(id: string): string[] {
    return this.policies
      .policies()
      .filter((p) => p.approval?.workflow === id)
      .map((p) => p.id);
  }

  private view(r: WorkflowRow): WorkflowView {
    return { ...workflowOf(r), created_at: iso(r.created_ms), updated_at: iso(r.updated_ms), policies: this.policiesUsing(r.id) };
  }
}
