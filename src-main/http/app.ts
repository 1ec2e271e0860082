import { Hono } from 'hono';
import type { Gatehouse } from '../app/gatehouse.js';
import type { AppEnv } from './env.js';
import { GatehouseError } from '../core/errors.js';
import { asGatehouseError, renderError } from './errors.js';
import { authenticate } from './middleware/auth.js';
import { hostAndOriginGuard } from './middleware/host-origin.js';
import { RateLimiter, rateLimit } from './middleware/rate-limit.js';
import { securityHeaders } from './middleware/security-headers.js';
import { ENDPOINTS } from '../../src-shared/api.js';
import { allowedMethods, declares, mountEndpoints, type Handlers } from './endpoints.js';
import { actionHandlers } from './routes/actions.js';
import { agentHandlers } from './routes/agents.js';
import { approvalHandlers } from './routes/approvals.js';
import { auditHandlers } from './routes/audit.js';
import { consoleHandlers, consoleRoutes } from './routes/console.js';
import { eventHandlers } from './routes/events.js';
import { forwardAuthHandlers } from './routes/forward-auth.js';
import { hookHandlers } from './routes/hooks.js';
import { keyHandlers } from './routes/keys.js';
import { mcpHandlers } from './routes/mcp.js';
import { openapiHandlers } from './routes/openapi.js';
import { policyHandlers } from './routes/policies.js';
import { reportHandlers } from './routes/reports.js';
import { serviceHandlers } from './routes/service.js';
import { settingsHandlers } from './routes/settings.js';
import { sinkHandlers } from './routes/sinks.js';
import { statsHandlers } from './routes/stats.js';
import { webhookHandlers } from './routes/webhooks.js';
import { abTestHandlers, workflowHandlers } from './routes/workflows.js';

export interface AppOptions {
  /** The port the server listens on (for the Host/Origin checks); known after listen. */
  getPort: () => number;
  /** The built console (out/renderer), or null to serve a notice. */
  consoleDir: string | null;
}

/** Path prefixes that need a key or the console session. Everything else is public (health, docs, console pages such as `/mcp`). */
const AUTHENTICATED_PREFIXES = ['/api/v1/', '/api/authorization/', '/api/agent-action/', '/api/sdk/', '/api/ab-tests', '/mcp/'];
const needsAuth = (path: string): boolean => AUTHENTICATED_PREFIXES.some((p) => path.startsWith(p));

// Keys are checked by path prefix (so that nothing under an API prefix is ever public by mistake);
// the table's scopes must say the same, or the server does not start.
for (const e of ENDPOINTS) {
  if (needsAuth(e.path) !== (e.scope !== 'none'))
    throw new Error(`API table: ${e.path} has scope '${e.scope}' but its prefix says otherwise`);
}

const wrongMethod = (method: string, path: string): boolean => !declares(method, path) && allowedMethods(path).length > 0;

/** Every handler of the API table (a missing one is a type error). */
function handlersOf(g: Gatehouse): Handlers {
  return {
    ...serviceHandlers(g),
    ...openapiHandlers(),
    ...actionHandlers(g),
    ...agentHandlers(g),
    ...mcpHandlers(g),
    ...policyHandlers(g),
    ...approvalHandlers(g),
    ...auditHandlers(g),
    ...eventHandlers(g),
    ...webhookHandlers(g),
    ...sinkHandlers(g),
    ...settingsHandlers(g),
    ...statsHandlers(g),
    ...keyHandlers(g),
    ...hookHandlers(g),
    ...forwardAuthHandlers(g),
    ...reportHandlers(g),
    ...workflowHandlers(g),
    ...abTestHandlers(g),
    ...consoleHandlers(g),
  };
}

const CLIENT_GONE = new GatehouseError('invalid_request', 'The client closed the connection before the request was complete');

/** True when `err` comes from the client closing its connection (an abort), not from a fault here. */
function clientWentAway(req: Request, err: unknown): boolean {
  if (req.signal?.aborted) return true;
  const e = err as { code?: unknown; message?: unknown; name?: unknown } | null;
  return e?.code === 'ECONNRESET' || e?.code === 'ERR_STREAM_PREMATURE_CLOSE' || e?.name === 'AbortError' || e?.message === 'aborted';
}

/** The Hono app: the whole HTTP surface of SPEC 5, over one Gatehouse core. */
export function createApp(g: Gatehouse, opts: AppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const limiter = new RateLimiter(() => g.settings.get().rate_limit_per_s);

  app.onError((err, c) => {
    const e = asGatehouseError(err);
    if (e.code === 'internal') {
      // A client that hung up mid-request is not a server fault: nothing to log, nobody to answer.
      if (clientWentAway(c.req.raw, err)) return renderError(c, CLIENT_GONE);
      console.error('gatehouse: unexpected error:', err);
    }
    return renderError(c, e);
  });
  app.notFound((c) => {
    // A known path with another method: 405 with the methods it takes.
    const allow = allowedMethods(c.req.path);
    if (allow.length) {
      c.header('Allow', allow.join(', '));
      return renderError(
        c,
        new GatehouseError('method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}; use ${allow.join(', ')}`),
      );
    }
    return renderError(c, new GatehouseError('not_found', `No route for ${c.req.method} ${c.req.path}`));
  });

  app.use('*', hostAndOriginGuard(opts.getPort));
  app.use('*', securityHeaders());

  const auth = authenticate({ byKey: (k) => g.keys.byKey(k), bySession: (s) => g.sessions.bySession(s) });
  const limit = rateLimit(limiter);
  app.use('*', async (c, next) => {
    // A known path asked with a method it does not take is a 405 with `Allow` (app.notFound), key or
    // not: no handler runs for it.
    if (!needsAuth(c.req.path) || wrongMethod(c.req.method, c.req.path)) return next();
    await auth(c, async () => {
      await limit(c, next);
    });
  });

  mountEndpoints(app, handlersOf(g));
  app.route('/', consoleRoutes(g, opts.consoleDir));
  return app;
}
