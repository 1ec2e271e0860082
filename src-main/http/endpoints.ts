import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { JsonText } from '../core/json-text.js';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  API,
  ENDPOINTS,
  type BodyOut,
  type CanonicalName,
  type Endpoint,
  type EndpointName,
  type QueryOut,
  type ResponseOf,
  refusesAnyQuery,
  valuesLimit,
} from '../../src-shared/api.js';
import { GatehouseError } from '../core/errors.js';
import { illFormedField } from '../core/text.js';
import { readJson, readQuery } from './body.js';
import type { AppEnv } from './env.js';
import { requireScope } from './middleware/auth.js';

/** What a handler gets: the validated body and query (types from the API table) and the path parameters. */
export interface Input<N extends EndpointName> {
  body: BodyOut<N>;
  query: QueryOut<N>;
  params: Record<string, string>;
}

/** A handler answers its endpoint's JSON body (sent with the table's status), or a whole Response (streams, files). */
export type Handler<N extends EndpointName> = (c: Context<AppEnv>, input: Input<N>) => Answer<N> | Promise<Answer<N>>;
type Answer<N extends EndpointName> = ResponseOf<N> | Response;

/** An answer serialised where it was made (a list page, on the page thread), sent as `c.json` would send it. */
export function jsonTextAnswer<N extends EndpointName>(c: Context<AppEnv>, text: JsonText<ResponseOf<N>>): Response {
  return c.body(text, 200, { 'Content-Type': 'application/json' });
}

/** One handler for every endpoint of the table but the seeds' aliases (they share their canonical one's): a missing one is a type error. */
export type Handlers = { [N in CanonicalName]: Handler<N> };

/** `/api/v1/actions/{id}/status` → Hono's `/api/v1/actions/:id/status`; a rest parameter takes the rest of the path. */
const honoPath = (e: Endpoint): string => {
  const path = e.path.replace(/\{([^}]+)\}/g, ':$1');
  return e.pathRest ? path.replace(/:([A-Za-z_]+)$/, ':$1{.*}') : path;
};

/** A body may only come as-is: `Content-Encoding` other than identity is a 415 (it would otherwise be read as garbage). */
function requireIdentityEncoding(c: Context): void {
  const enc = (c.req.header('content-encoding') ?? '').trim().toLowerCase();
  if (enc !== '' && enc !== 'identity') {
    throw new GatehouseError(
      'unsupported_media_type',
      `Content-Encoding '${enc.slice(0, 40)}' is not supported; send the body uncompressed`,
    );
  }
}

/** Every string and number of a body must survive storage unchanged; else a 400 naming the field. */
function requireStorable(value: unknown, what: string): void {
  const bad = illFormedField(value);
  if (bad) throw new GatehouseError('invalid_request', `${what} is invalid: ${bad.path}: ${bad.message}`, [bad]);
}

/** What an endpoint that declares no query is checked against: nothing (unknown fields are a 400). */
const NO_QUERY = z.object({}).strict();

async function inputOf<N extends EndpointName>(c: Context<AppEnv>, e: Endpoint): Promise<Input<N>> {
  // Most requests carry no query at all (every submit): only a target with one is parsed and checked.
  if (refusesAnyQuery(e) && c.req.url.includes('?')) readQuery(c, NO_QUERY);
  const query = e.query ? readQuery(c, e.query) : undefined;
  if (query !== undefined) requireStorable(query, 'Query');
  let body: unknown;
  if (e.body) requireIdentityEncoding(c);
  if (e.body && !e.rawBody) {
    // parseJsonText refused what JSON.parse would change (lone surrogates, numbers out of range) on the raw text.
    body = await readJson(c, e.body.schema, { optional: e.bodyOptional, maxValues: valuesLimit(e) });
  }
  return { body, query, params: c.req.param() as Record<string, string> } as Input<N>;
}

/**
 * Registers every endpoint of the API table with its handler: scope check, query and body
 * validation, the handler, and its JSON answer with the table's status.
 */
export function mountEndpoints(app: Hono<AppEnv>, handlers: Handlers): void {
  const extra = Object.keys(handlers).filter((k) => !(k in API) || 'aliasOf' in API[k as EndpointName]);
  if (extra.length) throw new Error(`handlers without a canonical endpoint in the API table: ${extra.join(', ')}`);
  const admin = requireScope('admin');
  for (const e of ENDPOINTS) {
    // An alias answers with the handler of its canonical endpoint: the same method at `aliasOf`, or
    // (one path under several methods, like forward-auth) the endpoint at `aliasOf` that is no alias.
    const canonical = e.aliasOf
      ? (ENDPOINTS.find((x) => x.path === e.aliasOf && x.method === e.method && !x.aliasOf) ??
        ENDPOINTS.find((x) => x.path === e.aliasOf && !x.aliasOf))
      : e;
    const handler = canonical && (handlers as Record<string, Handler<EndpointName>>)[canonical.name];
    if (!handler) throw new Error(`API table: no handler for ${e.method} ${e.path}`);
    const run = async (c: Context<AppEnv>) => {
      const out = await handler(c, await inputOf(c, e));
      return out instanceof Response ? out : c.json(out as object, (e.status ?? 200) as ContentfulStatusCode);
    };
    // Hono answers HEAD with the GET route of the path (the body dropped): a HEAD entry documents that.
    if (e.method === 'head') {
      if (!ENDPOINTS.some((x) => x.method === 'get' && x.path === e.path)) throw new Error(`API table: HEAD ${e.path} has no GET`);
      continue;
    }
    const chain = e.scope === 'admin' ? [admin, run] : [run];
    app.on(e.method.toUpperCase(), honoPath(e), ...(chain as [typeof run]));
  }
}

const matchers = ENDPOINTS.map((e) => {
  const re = e.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+');
  return { method: e.method.toUpperCase(), re: new RegExp(`^${e.pathRest ? re.replace(/\[\^\/\]\+$/, '.*') : re}$`) };
});

/** Per method, one expression matching every path the table declares for it (HEAD: GET's). */
const pathsOf = new Map<string, RegExp>(
  [...new Set(matchers.map((m) => m.method))].map((method) => [
    method,
    new RegExp(
      matchers
        .filter((m) => m.method === method)
        .map((m) => `(?:${m.re.source})`)
        .join('|'),
    ),
  ]),
);

/** Whether the table declares `method` for this concrete path (one match per request: the API's hot paths ask it). */
export function declares(method: string, path: string): boolean {
  return pathsOf.get(method === 'HEAD' ? 'GET' : method)?.test(path) ?? false;
}

/** The methods the table declares for a concrete path (HEAD with GET), or an empty list for an unknown path. */
export function allowedMethods(path: string): string[] {
  const out = new Set<string>();
  for (const m of matchers) if (m.re.test(path)) out.add(m.method);
  if (out.has('GET')) out.add('HEAD');
  return [...out];
}
