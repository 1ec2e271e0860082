import { FORWARD_AUTH_HEADERS as H, ForwardAuthWaitHeaderSchema } from '../../../src-shared/index.js';
import type { Gatehouse } from '../../app/gatehouse.js';
import { invalidField } from '../../core/errors.js';
import { readOriginalRequest } from '../../services/forward-auth.js';
import type { Handlers } from '../endpoints.js';
import { FORWARD_AUTH_PATH } from '../middleware/gateway-host.js';

/**
 * SPEC 9.5 glue: header and query parsing in, status and headers out. 200 = let it through; 403 =
 * denied, or pending with `X-Gatehouse-Pending`. Any error is rendered by the app's error handler
 * (4xx/5xx), which every gateway treats as "do not let it through". The API table mounts this one
 * handler under every method, plain and in Envoy's form.
 */
export function forwardAuthHandlers(g: Gatehouse) {
  return {
    forwardAuth: async (c, { query }) => {
      const path = new URL(c.req.url).pathname;
      const envoyForm = path.startsWith(`${FORWARD_AUTH_PATH}/`);
      // In Envoy's form the query string is the original request's (the table declares none), so the wait comes as a header.
      let waitS = envoyForm ? 0 : (query?.wait ?? 0);
      const waitHeader = c.req.header('x-gatehouse-wait');
      if (waitHeader !== undefined) {
        const w = ForwardAuthWaitHeaderSchema.safeParse(waitHeader);
        if (!w.success) throw invalidField('X-Gatehouse-Wait', 'must be a number of seconds from 0 to 60');
        waitS = w.data;
      }
      const p = c.get('principal');
      const suffix = envoyForm ? rawSuffix(c.req.url, (c.env as { incoming?: { url?: string } } | undefined)?.incoming?.url) : null;
      const original = readOriginalRequest({ header: (n) => c.req.header(n), method: c.req.method, suffix });
      const result = await g.forwardAuth.authorize(original, { keyId: p.id, boundAgentId: p.agentId }, waitS);
      const d = result.decision;
      c.header(H.actionId, d.action_id);
      c.header(H.decision, result.outcome);
      c.header(H.risk, String(d.risk.score));
      c.header(H.riskLevel, d.risk.level);
      if (result.outcome === 'pending') c.header(H.pending, d.action_id);
      return c.json(d, result.outcome === 'allowed' ? 200 : 403);
    },
  } satisfies Partial<Handlers>;
}

/**
 * The original path and query in Envoy's form, exactly as sent (after the endpoint's path). Read
 * from the request target as received on the socket (`target`), not from the URL the app sees,
 * which has dot segments resolved: Envoy appends the client's path unnormalised, so
 * `/api/v1/authz/forward/../forward/x` would be decided as `/x` while the API behind it serves
 * `/forward/x`. A target that is the endpoint's path only once resolved is not Envoy's form: refused.
 */
function rawSuffix(url: string, target: string | undefined): string {
  const u = new URL(url);
  if (target === undefined) return `${u.pathname.slice(FORWARD_AUTH_PATH.length)}${u.search}`;
  const path = target.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, ''); // an absolute-form target's scheme and host
  if (!path.startsWith(`${FORWARD_AUTH_PATH}/`))
    throw invalidField(':path', `must start with ${FORWARD_AUTH_PATH}/ as sent, followed by the original path (Envoy's path_prefix form)`);
  return path.slice(FORWARD_AUTH_PATH.length);
}
