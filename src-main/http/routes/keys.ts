import { Hono } from 'hono';
import { KeyCreateSchema } from '../../../src-shared/index.js';
import type { Gatehouse } from '../../app/gatehouse.js';
import { readJson } from '../body.js';
import type { AppEnv } from '../env.js';
import { notFound } from '../../core/errors.js';
import { requireScope } from '../middleware/auth.js';

/** API keys: list (no secrets), create (secret shown once), revoke (effective immediately). */
export function keyRoutes(g: Gatehouse) {
  const r = new Hono<AppEnv>();
  r.use('/api/v1/keys', requireScope('admin'));
  r.use('/api/v1/keys/*', requireScope('admin'));
  r.get('/api/v1/keys', (c) => c.json({ items: g.keys.list(), next_cursor: null }));
  r.post('/api/v1/keys', async (c) => c.json(await g.keys.create(await readJson(c, KeyCreateSchema)), 201));
  r.delete('/api/v1/keys/:id', async (c) => {
    const k = await g.keys.revoke(c.req.param('id'));
    if (!k) throw notFound(`Key '${c.req.param('id')}'`);
    return c.json(k);
  });
  return r;
}
