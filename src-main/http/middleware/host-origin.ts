import type { MiddlewareHandler } from 'hono';
import { GatehouseError } from '../../core/errors.js';
import { renderError } from '../errors.js';
import { isGatewayCheck } from './gateway-host.js';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** The origins the console itself is served from. */
function consoleOrigins(port: number): string[] {
  return LOOPBACK_NAMES.map((h) => `http://${h}:${port}`);
}

/**
 * DNS-rebinding and drive-by protection (SPEC 5): the Host (and an absolute-form request target)
 * must be a loopback name with our port,
 * an Origin (when sent) must be the console's own, and browsers' cross-site fetch metadata is
 * refused. No CORS headers are ever sent, so a foreign page cannot read any answer either.
 */
export function hostAndOriginGuard(getPort: () => number): MiddlewareHandler {
  return async (c, next) => {
    const port = getPort();
    const allowed = (host: string) => LOOPBACK_NAMES.some((h) => host === `${h}:${port}`);
    const host = (c.req.header('host') ?? new URL(c.req.url).host).toLowerCase();
    // Envoy's ext_authz check keeps the original Host (gateway-host.ts says when that is let through).
    const gateway = !allowed(host) && isGatewayCheck(c);
    if (!allowed(host) && !gateway) {
      return renderError(c, new GatehouseError('forbidden', `Host '${host.slice(0, 100)}' is not allowed (use 127.0.0.1:${port})`));
    }
    // A request target in absolute form (`GET http://other.example/… HTTP/1.1`) names its own host,
    // which the server would otherwise take as the URL's: it must be this server too. (Its scheme in
    // any case, `HTTP://`, arrives here lower-cased: server/serve.ts lowerCaseScheme.)
    const url = c.req.url;
    const from = url.indexOf('://') + 3;
    const to = url.indexOf('/', from);
    const target = url.slice(from, to < 0 ? undefined : to).toLowerCase();
    if (!allowed(target) && !(gateway && target === host)) {
      return renderError(
        c,
        new GatehouseError('forbidden', `Request target host '${target.slice(0, 100)}' is not allowed (use 127.0.0.1:${port})`),
      );
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && !consoleOrigins(port).includes(origin.toLowerCase())) {
      return renderError(c, new GatehouseError('forbidden', `Origin '${origin.slice(0, 100)}' is not allowed`));
    }
    const site = c.req.header('sec-fetch-site');
    if (site === 'cross-site' || site === 'same-site') {
      // A person may follow a link to the console page; nothing else may come from another site.
      const isNavigation = c.req.method === 'GET' && c.req.header('sec-fetch-mode') === 'navigate';
      const path = new URL(c.req.url).pathname;
      if (!isNavigation || path.startsWith('/api') || path.startsWith('/mcp')) {
        return renderError(c, new GatehouseError('forbidden', 'Cross-site requests are not allowed'));
      }
    }
    await next();
  };
}
