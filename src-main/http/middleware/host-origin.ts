import type { MiddlewareHandler } from 'hono';
import { HttpError, renderError } from '../errors.js';
import { isGatewayCheck } from './gateway-host.js';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** The origins the console itself is served from. */
export function consoleOrigins(port: number): string[] {
  return LOOPBACK_NAMES.map((h) => `http://${h}:${port}`);
}

/**
 * DNS-rebinding and drive-by protection (SPEC 5): the Host must be a loopback name with our port,
 * an Origin (when sent) must be the console's own, and browsers' cross-site fetch metadata is
 * refused. No CORS headers are ever sent, so a foreign page cannot read any answer either.
 */
export function hostAndOriginGuard(getPort: () => number): MiddlewareHandler {
  return async (c, next) => {
    const port = getPort();
    const host = (c.req.header('host') ?? new URL(c.req.url).host).toLowerCase();
    if (!LOOPBACK_NAMES.some((h) => host === `${h}:${port}`) && !isGatewayCheck(c)) {
      return renderError(c, new HttpError('forbidden', `Host '${host.slice(0, 100)}' is not allowed (use 127.0.0.1:${port})`));
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && !consoleOrigins(port).includes(origin.toLowerCase())) {
      return renderError(c, new HttpError('forbidden', `Origin '${origin.slice(0, 100)}' is not allowed`));
    }
    const site = c.req.header('sec-fetch-site');
    if (site === 'cross-site' || site === 'same-site') {
      // A person may follow a link to the console page; nothing else may come from another site.
      const isNavigation = c.req.method === 'GET' && c.req.header('sec-fetch-mode') === 'navigate';
      const path = new URL(c.req.url).pathname;
      if (!isNavigation || path.startsWith('/api') || path.startsWith('/mcp')) {
        return renderError(c, new HttpError('forbidden', 'Cross-site requests are not allowed'));
      }
    }
    await next();
  };
}
