import type { Gatehouse } from '../../app/gatehouse.js';
import type { Handlers } from '../endpoints.js';

/** SPEC 7.4: webhook CRUD, delivery history, and a test delivery. Admin only. */
export function webhookHandlers(g: Gatehouse) {
  return {
    listWebhooks: () => ({ items: g.webhooks.list(), next_cursor: null }),
    createWebhook: (_c, { body }) => g.webhooks.create(body),
    deleteWebhook: (_c, { params }) => g.webhooks.remove(params.id!),
    deliveries: (_c, { params, query }) => g.webhooks.deliveries(params.id!, query),
    testWebhook: (_c, { params }) => g.webhooks.test(params.id!),
  } satisfies Partial<Handlers>;
}
