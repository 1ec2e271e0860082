import { API_VERSION, VERSION } from '../../../src-shared/index.js';
import type { Gatehouse } from '../../app/gatehouse.js';
import type { Handlers } from '../endpoints.js';

/** Public service routes: health and deployment info (no key needed, nothing sensitive). */
export function serviceHandlers(g: Gatehouse) {
  return {
    health: () => ({ status: 'healthy' as const, version: VERSION, uptime_s: g.uptimeS }),
    deploymentInfo: () => ({
      name: 'gatehouse' as const,
      version: VERSION,
      api_version: API_VERSION,
      mode: g.opts.mode,
      storage: { writable: g.store.writable },
    }),
  } satisfies Partial<Handlers>;
}
