import { Hono } from 'hono';
import type { Gatehouse } from '../core/gatehouse.js';
import { StorageUnavailableError } from '../storage/types.js';
import type { AppEnv } from './env.js';
import { HttpError, renderError } from './errors.js';
import { authenticate } from './middleware/auth.js';
import { hostAndOriginGuard } from './middleware/host-origin.js';
import { RateLimiter, rateLimit } from './middleware/rate-limit.js';
import { actionRoutes } from './routes/actions.js';
import { agentRoutes } from './routes/agents.js';
import { approvalRoutes } from './routes/approvals.js';
import { auditRoutes } from './routes/audit.js';
import { consoleRoutes } from './routes/console.js';
import { keyRoutes } from './routes/keys.js';
import { mcpRoutes } from './routes/mcp.js';
import { policyRoutes } from './routes/policies.js';
import { reportRoutes } from './routes/reports.js';
import { serviceRoutes } from './routes/service.js';
import { settingsRoutes } from './routes/settings.js';
import { eventRoutes } from './routes/events.js';
import { hookRoutes } from './routes/hooks.js';
import { forwardAuthRoutes } from './routes/forward-auth.js';
import { openapiRoutes } from './routes/openapi.js';
import { statsRoutes } from './routes/stats.js';
import { webhookRoutes } from './routes/webhooks.js';

export interface AppOptions {
  /** The port the server listens on (for the Host/Origin checks); known after listen. */
  getPort: () => number;
  /** The built console (out/renderer), or null to serve a notice. */
  consoleDir: string | null;
}

/** Path prefixes that need a key or the console session. Everything else is public (health, docs, console pages such as `/mcp`). */
const AUTHENTICATED_PREFIXES = ['/api/v1/', '/api/authorization/', '/api/agent-action/', '/api/sdk/', '/mcp/'];
export const needsAuth = (path: string): boolean => AUTHENTICATED_PREFIXES.some((p) => path.startsWith(p));

/** The Hono app: the whole HTTP surface of SPEC 5, over one Gatehouse core. */
export function createApp(g: Gatehouse, opts: AppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const limiter = new RateLimiter(() => g.settings.get().rate_limit_per_s);

  app.onError((err, c) => {
    if (err instanceof HttpError) return renderError(c, err);
    if (err instanceof StorageUnavailableError) {
      return renderError(
        c,
        new HttpError('unavailable', 'Storage cannot be written right now; nothing was decided. Retry shortly.', undefined, {
          'Retry-After': '1',
        }),
      );
    }
    console.error('gatehouse: unexpected error:', err);
    return renderError(c, new HttpError('internal', 'Internal error; nothing was changed or allowed'));
  });
  app.notFound((c) => renderError(c, new HttpError('not_found', `No route for ${c.req.method} ${c.req.path}`)));

  app.use('*', hostAndOriginGuard(opts.getPort));
  app.use('*', async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  });

  const auth = authenticate({ byKey: (k) => g.keys.byKey(k), bySession: (s) => g.sessions.bySession(s) });
  const limit = rateLimit(limiter);
  app.use('*', async (c, next) => {
    if (!needsAuth(c.req.path)) return next();
    await auth(c, async () => {
      await limit(c, next);
    });
  });

  app.route('/', serviceRoutes(g));
  app.route('/', openapiRoutes());
  app.route('/', actionRoutes(g));
  app.route('/', approvalRoutes(g));
  app.route('/', agentRoutes(g));
  app.route('/', mcpRoutes(g));
  app.route('/', policyRoutes(g));
  app.route('/', auditRoutes(g));
  app.route('/', settingsRoutes(g));
  app.route('/', keyRoutes(g));
  app.route('/', eventRoutes(g));
  app.route('/', webhookRoutes(g));
  app.route('/', statsRoutes(g));
  app.route('/', hookRoutes(g));
  app.route('/', forwardAuthRoutes(g));
  app.route('/', reportRoutes(g));
  app.route('/', consoleRoutes(g, opts.consoleDir));
  return app;
}
