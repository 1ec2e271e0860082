import { Hono } from 'hono';
import { SettingsPatchSchema } from '../../../src-shared/index.js';
import type { Gatehouse } from '../../app/gatehouse.js';
import { readJson } from '../body.js';
import type { AppEnv } from '../env.js';
import { requireScope } from '../middleware/auth.js';

export function settingsRoutes(g: Gatehouse) {
  const r = new Hono<AppEnv>();
  r.use('/api/v1/settings', requireScope('admin'));
  r.get('/api/v1/settings', (c) => c.json(g.settings.get()));
  r.put('/api/v1/settings', async (c) => c.json(await g.settings.update(await readJson(c, SettingsPatchSchema))));
  return r;
}
