import { Hono } from 'hono';
import { WebhookCreateSchema } from '../../../src-shared/index.js';
import type { Gatehouse } from '../../app/gatehouse.js';
import { DeliveryQuerySchema } from '../../events/webhooks.js';
import { readJson, readQuery } from '../body.js';
import type { AppEnv } from '../env.js';
import { requireScope } from '../middleware/auth.js';

/** SPEC 7.4: webhook CRUD, delivery history, and a test delivery. Admin only. */
export function webhookRoutes(g: Gatehouse) {
  const r = new Hono<AppEnv>();
  r.use('/api/v1/webhooks', requireScope('admin'));
  r.use('/api/v1/webhooks/*', requireScope('admin'));

  r.get('/api/v1/webhooks', (c) => c.json({ items: g.webhooks.list(), next_cursor: null }));
  r.post('/api/v1/webhooks', async (c) => c.json(await g.webhooks.create(await readJson(c, WebhookCreateSchema)), 201));
  r.delete('/api/v1/webhooks/:id', async (c) => c.json(await g.webhooks.remove(c.req.param('id'))));
  r.get('/api/v1/webhooks/:id/deliveries', (c) => c.json(g.webhooks.deliveries(c.req.param('id'), readQuery(c, DeliveryQuerySchema))));
  r.post('/api/v1/webhooks/:id/test', async (c) => c.json(await g.webhooks.test(c.req.param('id')), 202));
  return r;
}
