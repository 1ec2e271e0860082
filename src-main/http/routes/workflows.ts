import type { Gatehouse } from '../../app/gatehouse.js';
import type { Handlers } from '../endpoints.js';

/** SPEC 11: approval workflows. Admin only. */
export function workflowHandlers(g: Gatehouse) {
  return {
    listWorkflows: () => ({ items: g.workflows.list(), next_cursor: null }),
    createWorkflow: (_c, { body }) => g.workflows.create(body),
    getWorkflow: (_c, { params }) => g.workflows.get(params.id!),
    updateWorkflow: (_c, { body, params }) => g.workflows.update(params.id!, body),
    deleteWorkflow: (_c, { params }) => g.workflows.remove(params.id!),
  } satisfies Partial<Handlers>;
}

/** SPEC 12: A/B tests of policies (also under the seeds' `/api/ab-tests`). Admin only. */
export function abTestHandlers(g: Gatehouse) {
  return {
    listAbTests: async () => ({ items: await g.abTests.list(), next_cursor: null }),
    createAbTest: (_c, { body }) => g.abTests.create(body),
    getAbTest: (_c, { params }) => g.abTests.get(params.id!),
    stopAbTest: (_c, { params }) => g.abTests.stop(params.id!),
  } satisfies Partial<Handlers>;
}
