import { Hono } from 'hono';
import { API_VERSION, VERSION } from '../../../src-shared/index.js';
import type { Gatehouse } from '../../app/gatehouse.js';
import type { AppEnv } from '../env.js';

/** Public service routes: health and deployment info (no key needed, nothing sensitive). */
export function serviceRoutes(g: Gatehouse) {
  const r = new Hono<AppEnv>();
  r.get('/health', (c) => c.json({ status: 'healthy' as const, version: VERSION, uptime_s: g.uptimeS }));
  r.get('/api/deployment-info', (c) =>
    c.json({
      name: 'gatehouse' as const,
      version: VERSION,
      api_version: API_VERSION,
      mode: g.opts.mode,
      storage: { writable: g.store.writable },
    }),
  );
  return r;
}
