import { z } from 'zod';
import { API_VERSION, ErrorBodySchema, VERSION } from '../../../src-shared/index.js';
import { SESSION_COOKIE } from '../middleware/auth.js';
import type { Json, JsonSchema } from './json.js';
import {
  DOCUMENT_VALUES,
  ENDPOINTS,
  TAGS,
  refusesAnyQuery,
  valuesLimit,
  type Endpoint as RouteDoc,
  type Named,
} from '../../../src-shared/api.js';

const REF = '#/components/schemas/';
const DATE_TIME_PATTERN_NOTE = 'ISO 8601 date-time with offset';

/** Drops `$schema`/`$id` and the long generated date-time regexes (`format` already says it). */
function tidy(node: Json): Json {
  if (Array.isArray(node)) return node.map(tidy);
  if (node === null || typeof node !== 'object') return node;
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$schema' || k === '$id') continue;
    if (k === 'pattern' && node.format === 'date-time') continue;
    out[k] = tidy(v);
  }
  if (out.format === 'date-time' && out.description === undefined) out.description = DATE_TIME_PATTERN_NOTE;
  return out;
}

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  return tidy(z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json) as JsonSchema;
}

/** Named request and response schemas → `components.schemas`, with `$ref`s between them. */
function buildComponents(routes: readonly RouteDoc[]): Record<string, JsonSchema> {
  const seen = new Map<string, { schema: z.ZodType; io: 'input' | 'output' }>();
  const registries = { input: z.registry<{ id: string }>(), output: z.registry<{ id: string }>() };
  const add = (n: Named | undefined, io: 'input' | 'output') => {
    if (!n) return;
    const prior = seen.get(n.name);
    if (prior) {
      if (prior.schema !== n.schema || prior.io !== io)
        throw new Error(`openapi: component name '${n.name}' is used for two different schemas`);
      return;
    }
    seen.set(n.name, { schema: n.schema, io });
    registries[io].add(n.schema, { id: n.name });
  };
  for (const r of routes) {
    add(r.body, 'input');
    add(r.response, 'output');
  }
  const out: Record<string, JsonSchema> = { ErrorBody: toSchema(ErrorBodySchema, 'output') };
  for (const io of ['input', 'output'] as const) {
    const { schemas } = z.toJSONSchema(registries[io], { target: 'draft-2020-12', io, unrepresentable: 'any', uri: (id) => `${REF}${id}` });
    for (const [name, s] of Object.entries(schemas)) out[name] = tidy(s as Json) as JsonSchema;
  }
  return out;
}

const pathParams = (path: string): string[] => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);

function parameters(r: RouteDoc): Json[] {
  const params: Json[] = pathParams(r.path).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  if (r.query) {
    const s = toSchema(r.query, 'input');
    const props = (s.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((s.required ?? []) as string[]);
    for (const [name, schema] of Object.entries(props)) {
      const { description, ...rest } = schema;
      const p: { [k: string]: Json } = { name, in: 'query', required: required.has(name), schema: rest };
      if (typeof description === 'string') p.description = description;
      params.push(p);
    }
  }
  return params;
}

const SCOPE_TEXT = {
  none: 'Public: no key needed.',
  agent: 'Scope `agent`: an agent key, an admin key or the console session.',
  admin: 'Scope `admin`: an admin key or the console session (agent keys get 403).',
} as const;

/** Shared error answers (`components.responses`), all with the SPEC 5 error body. */
const ERRORS = {
  BadRequest: 'Invalid JSON, schema or field value (`invalid_json` / `invalid_request`), with field details',
  Unauthenticated: 'No valid key or session (`unauthenticated`)',
  NotAdmin: 'Not an admin (`forbidden`), or a refused Host/Origin',
  Forbidden: 'A refused Host or Origin, or a key bound to another agent (`forbidden`)',
  NotFound: 'Not found (`not_found`)',
  MethodNotAllowed: 'This path does not take this method (`method_not_allowed`; `Allow` lists those it takes)',
  Conflict:
    'Conflicts with the current state (`conflict`): already resolved, already exists, or an idempotency key reused for another request',
  TooLarge: 'Body larger than 1 MiB (`too_large`)',
  UnsupportedMediaType:
    'Wrong Content-Type, a charset other than UTF-8, or a Content-Encoding other than identity (`unsupported_media_type`)',
  RateLimited: 'Rate limited (`rate_limited`); see `Retry-After`',
  Unavailable:
    'Storage cannot be written or read, or a list that reads the search index found it still catching up (`unavailable`): nothing was changed or allowed; see `Retry-After`',
} as const;
type ErrorName = keyof typeof ERRORS;

const ERROR_CONTENT: Json = { 'application/json': { schema: { $ref: `${REF}ErrorBody` } } };

const errorRef = (name: ErrorName): Json => ({ $ref: `#/components/responses/${name}` });

function errorComponents(): Record<string, Json> {
  return Object.fromEntries(
    Object.entries(ERRORS).map(([name, description]) => {
      const r: { [k: string]: Json } = { description, content: ERROR_CONTENT };
      if (name === 'MethodNotAllowed') r.headers = { Allow: { description: 'The methods this path takes', schema: { type: 'string' } } };
      if (name === 'RateLimited' || name === 'Unavailable') r.headers = { 'Retry-After': { schema: { type: 'integer' } } };
      return [name, r];
    }),
  );
}

function successContent(r: RouteDoc): Json | undefined {
  const schema: Json | undefined = r.response ? { $ref: `${REF}${r.response.name}` } : undefined;
  if (!r.produces) return schema ? { 'application/json': { schema } } : undefined;
  // JSON downloads (the policy export) are the response schema; other types are text (YAML, streams, HTML).
  return Object.fromEntries(
    r.produces.map((t) => [
      t,
      schema && (t === 'application/json' || t === 'text/event-stream') ? { schema } : { schema: { type: 'string' } },
    ]),
  );
}

/** Every status the route can answer: success, then each error its shape (scope, body, query, path) or the table implies. */
function responses(r: RouteDoc): Record<string, Json> {
  const ok: { [k: string]: Json } = { description: r.responseDescription ?? 'Success' };
  const content = successContent(r);
  if (r.responseHeaders)
    ok.headers = Object.fromEntries(
      Object.entries(r.responseHeaders).map(([name, h]) => [name, { description: h.description, schema: { type: h.type } }]),
    );
  if (content) ok.content = content;
  const out: Record<string, Json> = { [String(r.status ?? 200)]: ok };
  const errors = new Set(r.errors ?? []);
  if (r.body || r.query || refusesAnyQuery(r) || errors.has('invalid_request')) out['400'] = errorRef('BadRequest');
  if (r.scope !== 'none' || errors.has('unauthenticated')) out['401'] = errorRef('Unauthenticated');
  out['403'] = r.refusal
    ? {
        description: r.refusal,
        content: { 'application/json': { schema: { anyOf: [{ $ref: `${REF}${r.response!.name}` }, { $ref: `${REF}ErrorBody` }] } } },
      }
    : errorRef(r.scope === 'admin' ? 'NotAdmin' : 'Forbidden');
  if (pathParams(r.path).length || errors.has('not_found')) out['404'] = errorRef('NotFound');
  out['405'] = errorRef('MethodNotAllowed');
  if (errors.has('conflict')) out['409'] = errorRef('Conflict');
  const values = valuesLimit(r);
  if (r.body)
    out['413'] =
      values !== undefined && values < DOCUMENT_VALUES
        ? {
            description: `Body larger than 1 MiB, or holding more than ${values.toLocaleString('en-US')} JSON values (\`too_large\`)`,
            content: ERROR_CONTENT,
          }
        : errorRef('TooLarge');
  if (r.body) out['415'] = errorRef('UnsupportedMediaType');
  if (r.scope !== 'none' || errors.has('rate_limited')) out['429'] = errorRef('RateLimited');
  if (r.method !== 'get' || errors.has('unavailable')) out['503'] = errorRef('Unavailable');
  return out;
}

export const operationId = (r: RouteDoc): string =>
  `${r.method}${r.path
    .replace(/\{([^}]+)\}/g, 'by_$1')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((s) => s[0]!.toUpperCase() + s.slice(1))
    .join('')}`;

function operation(r: RouteDoc): Json {
  const desc = [
    SCOPE_TEXT[r.scope],
    r.aliasOf === r.path
      ? 'The same endpoint under another method; answers exactly the same.'
      : r.aliasOf
        ? `Alias of \`${r.aliasOf}\` (the seeds' path); answers exactly the same.`
        : null,
    r.description ?? null,
  ]
    .filter(Boolean)
    .join('\n\n');
  const op: { [k: string]: Json } = {
    operationId: operationId(r),
    tags: [r.tag],
    summary: r.summary,
    description: desc,
    'x-gatehouse-scope': r.scope,
    security: r.scope === 'none' ? [] : [{ ApiKey: [] }, { Bearer: [] }, { Session: [] }],
    responses: responses(r),
  };
  const params = parameters(r);
  if (params.length) op.parameters = params;
  if (r.body) {
    const schema = { $ref: `${REF}${r.body.name}` };
    const json: { [k: string]: Json } = { schema };
    if (r.example !== undefined) json.example = r.example as Json;
    const content: { [k: string]: Json } = { 'application/json': json };
    for (const t of r.bodyTypes ?? []) content[t] = { schema: { type: 'string', description: 'The same document as YAML text' } };
    op.requestBody = { required: !r.bodyOptional, content };
  }
  return op;
}

/** Builds the OpenAPI 3.1 document of the whole API from the API table (`src-shared/api.ts`). */
function buildOpenApi(routes: readonly RouteDoc[] = ENDPOINTS): { [k: string]: Json } {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) (paths[r.path] ??= {})[r.method] = operation(r);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gatehouse API',
      version: VERSION,
      summary: 'Local-first governance for AI agents: policy, risk, approvals and a tamper-evident audit log.',
      description: `API version ${API_VERSION}. Bound to 127.0.0.1 only. Errors are \`{"error": {"code", "message", "details"?}}\`. Requests whose Host is not the loopback address and port, or whose Origin is not the console's, are refused (403).`,
      license: { name: 'MIT', identifier: 'MIT' },
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/', description: 'This Gatehouse (http://127.0.0.1:PORT)' }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: buildComponents(routes),
      responses: errorComponents(),
      securitySchemes: {
        ApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: '`gk_agent_…` or `gk_admin_…` key' },
        Bearer: { type: 'http', scheme: 'bearer', description: 'The same key as `Authorization: Bearer <key>`' },
        Session: {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE,
          description: "The console's HttpOnly, SameSite=Strict session cookie",
        },
      },
    },
  };
}

let cached: { [k: string]: Json } | null = null;
/** The document of the API table, built once. */
export function openApiDocument(): { [k: string]: Json } {
  return (cached ??= buildOpenApi());
}
