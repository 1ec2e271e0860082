import { Hono, type Context } from 'hono';
import { FORWARD_AUTH_HEADERS as H, ForwardAuthQuerySchema, ForwardAuthWaitHeaderSchema } from '../../../src-shared/index.js';
import type { Gatehouse } from '../../core/gatehouse.js';
import { ForwardAuthInputError, ForwardAuthService, readOriginalRequest } from '../../services/forward-auth.js';
import { readQuery } from '../body.js';
import type { AppEnv } from '../env.js';
import { HttpError } from '../errors.js';
import { FORWARD_AUTH_PATH } from '../middleware/gateway-host.js';

/** Methods a gateway's check request may use (Envoy copies the original's, whatever it is). */
export const FORWARD_AUTH_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * SPEC 9.5 glue: header and query parsing in, status and headers out. 200 = let it through; 403 =
 * denied, or pending with `X-Gatehouse-Pending`. Any error is rendered by the app's error handler
 * (4xx/5xx), which every gateway treats as "do not let it through".
 */
export function forwardAuthRoutes(g: Gatehouse) {
  const r = new Hono<AppEnv>();
  const service = new ForwardAuthService(g.store, g.actions, g.approvals, () => g.opts.clock.now());

  const handle = async (c: Context<AppEnv>) => {
    const path = new URL(c.req.url).pathname;
    const envoyForm = path.startsWith(`${FORWARD_AUTH_PATH}/`);
    let waitS = 0;
    // In Envoy's form the query string is the original request's, so the wait comes as a header.
    if (!envoyForm) waitS = readQuery(c, ForwardAuthQuerySchema).wait ?? 0;
    const waitHeader = c.req.header('x-gatehouse-wait');
    if (waitHeader !== undefined) {
      const w = ForwardAuthWaitHeaderSchema.safeParse(waitHeader);
      if (!w.success) {
        throw new HttpError('invalid_request', 'X-Gatehouse-Wait must be a number of seconds from 0 to 60', [
          { path: 'X-Gatehouse-Wait', message: 'must be 0..60' },
        ]);
      }
      waitS = w.data;
    }
    const p = c.get('principal');
    let result;
    try {
      const suffix = envoyForm ? rawSuffix(c.req.url) : null;
      const original = readOriginalRequest({ header: (n) => c.req.header(n), method: c.req.method, suffix });
      result = await service.authorize(original, { keyId: p.id, boundAgentId: p.agentId }, waitS);
    } catch (e) {
      if (e instanceof ForwardAuthInputError) throw new HttpError('invalid_request', e.message, [{ path: e.field, message: e.message }]);
      throw e;
    }
    const d = result.decision;
    c.header(H.actionId, d.action_id);
    c.header(H.decision, result.outcome);
    c.header(H.risk, String(d.risk.score));
    c.header(H.riskLevel, d.risk.level);
    if (result.outcome === 'pending') c.header(H.pending, d.action_id);
    return c.json(d, result.outcome === 'allowed' ? 200 : 403);
  };
  r.on(FORWARD_AUTH_METHODS, [FORWARD_AUTH_PATH, `${FORWARD_AUTH_PATH}/*`], handle);
  return r;
}

/** The original path and query in Envoy's form, exactly as sent (after the endpoint's path). */
function rawSuffix(url: string): string {
  const u = new URL(url);
  return `${u.pathname.slice(FORWARD_AUTH_PATH.length)}${u.search}`;
}
