// Types only from the API table (its schemas are not loaded); method and path from the zod-free ROUTES.
import type { BodyIn, EndpointName, QueryIn, ResponseOf } from './api.js';
import type { ErrorBody } from './index.js';
import { pathName, pathOf, ROUTES } from './routes.js';

/** An error answer from the API, with its SPEC 5 code and field details. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly body: ErrorBody | null,
    /** `Retry-After` of a 429 or 503, in seconds (null when the answer has none). */
    readonly retryAfterS: number | null = null,
    message?: string,
  ) {
    super(message ?? body?.error.message ?? `HTTP ${status}`);
  }
  get code(): string {
    return this.body?.error.code ?? 'http_error';
  }
}

/** A redirect answer (a browser's fetch shows one as an opaque response of status 0). */
const isRedirect = (res: Response) => res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400);

/** A redirect is an answer, not an outage (no fail mode allows on it); it names where it pointed. */
function redirectError(res: Response, baseUrl: string): ApiError {
  const to = res.headers.get('location');
  return new ApiError(
    res.status,
    null,
    null,
    `Gatehouse at ${baseUrl || 'this origin'} answered with a redirect${to ? ` to ${to}` : ''}; it was not followed, so the key goes only to the configured address`,
  );
}

/** A `Retry-After` given in seconds (the only form the API sends), else null. */
function retryAfter(res: Response): number | null {
  const v = res.headers.get('retry-after');
  return v !== null && /^\d+$/.test(v) ? Number(v) : null;
}

/** The server could not be reached at all (refused, reset, DNS, timeout). */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

export interface ClientOptions {
  /** Base URL, e.g. http://127.0.0.1:7077. Empty string = same origin (the console). */
  baseUrl: string;
  /** API key; omitted in the console, which authenticates with its session cookie. */
  apiKey?: string;
  fetch?: typeof fetch;
  /** Per-request timeout in ms (long-polls add their wait on top). Default 30 s. */
  timeoutMs?: number;
}

type Query = Record<string, string | number | boolean | undefined | null>;

/**
 * Every item of a cursor-paginated list: `next` is asked for each page from `next_cursor` until it
 * is null. An item met twice (a list whose order moved under the walk) is kept once, by its id.
 */
export async function everyPage<T extends { action_id?: string; agent_id?: string }>(
  next: (cursor: string | undefined) => Promise<{ items: T[]; next_cursor: string | null }>,
): Promise<{ items: T[]; next_cursor: null }> {
  const items: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await next(cursor);
    for (const item of page.items) {
      const id = item.action_id ?? item.agent_id;
      if (id !== undefined && seen.has(id)) continue;
      if (id !== undefined) seen.add(id);
      items.push(item);
    }
    // A server that hands back the cursor it was given would be walked forever.
    if (page.next_cursor !== null && page.next_cursor === cursor) throw new Error('the list gave the same cursor twice');
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
  return { items, next_cursor: null };
}

function qs(q: Query | undefined): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The path parameters of `/mcp/servers/{server_id}/tools/{tool}…`: `-` for a name a path cannot carry. */
const mcpToolParams = (serverId: string, tool: string) => ({ server_id: pathName(serverId), tool: pathName(tool) });
/** The names a path cannot carry, for the query or body. */
function mcpNamesElsewhere(serverId: string, tool: string): { server_id?: string; tool?: string } {
  return {
    ...(pathName(serverId) === serverId ? {} : { server_id: serverId }),
    ...(pathName(tool) === tool ? {} : { tool }),
  };
}

/**
 * The typed HTTP client of the Gatehouse API, shared by the console, the CLI and the TS SDK.
 * One method per route; bodies and answers are the types inferred from the zod schemas.
 */
export class GatehouseApi {
  private readonly baseUrl: string;
  private readonly f: typeof fetch;

  constructor(private readonly opts: ClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.f = opts.fetch ?? ((...a) => fetch(...a));
  }

  async request<T>(method: string, path: string, body?: unknown, extraTimeoutMs = 0): Promise<T> {
    // The timeout covers the whole answer, body included: a server that sends its headers and then
    // stalls must not hold the caller forever (fetch resolves once the headers are in).
    const { signal, done, timeoutMs } = this.deadline(extraTimeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await this.send(method, path, body, signal);
      text = await res.text().catch((e: unknown) => {
        if (signal.aborted)
          throw new UnreachableError(`Gatehouse at ${this.baseUrl || 'this origin'} did not finish its answer within ${timeoutMs} ms`);
        throw e;
      });
    } finally {
      done();
    }
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    if (isRedirect(res)) throw redirectError(res, this.baseUrl);
    if (!res.ok) throw new ApiError(res.status, (parsed as ErrorBody | null) ?? null, retryAfter(res));
    return parsed as T;
  }

  /** The raw Response (for streams such as exports and SSE): the timeout covers the headers only. Throws UnreachableError on network failure. */
  async raw(method: string, path: string, body?: unknown, extraTimeoutMs = 0): Promise<Response> {
    const { signal, done } = this.deadline(extraTimeoutMs);
    let res: Response;
    try {
      res = await this.send(method, path, body, signal);
    } finally {
      done();
    }
    if (isRedirect(res)) throw redirectError(res, this.baseUrl);
    return res;
  }

  /** An AbortSignal that fires after the request timeout (plus `extraTimeoutMs`); `done` stops the clock. */
  private deadline(extraTimeoutMs: number): { signal: AbortSignal; done: () => void; timeoutMs: number } {
    const timeoutMs = (this.opts.timeoutMs ?? 30_000) + extraTimeoutMs;
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), timeoutMs);
    return { signal: ctrl.signal, done: () => clearTimeout(timer), timeoutMs };
  }

  private async send(method: string, path: string, body: unknown, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.opts.apiKey) headers['x-api-key'] = this.opts.apiKey;
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = typeof body === 'string' ? 'text/plain' : 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    try {
      // The API never redirects: whatever answered with one is not Gatehouse, and following it
      // would carry the key to another address (fetch keeps custom headers across a redirect).
      return await this.f(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: payload,
        signal,
        credentials: 'same-origin',
        redirect: 'manual',
      });
    } catch (e) {
      throw new UnreachableError(`Gatehouse is not reachable at ${this.baseUrl || 'this origin'}: ${(e as Error).message}`);
    }
  }

  /**
   * Calls endpoint `name` of the API table: its method and path come from the table, and so do the
   * types of its body, query and answer.
   */
  call<N extends EndpointName>(
    name: N,
    o: { params?: Record<string, string>; query?: QueryIn<N> | Query; body?: BodyIn<N> | string; extraTimeoutMs?: number } = {},
  ): Promise<ResponseOf<N>> {
    const path = `${pathOf(name, o.params)}${qs(o.query as Query | undefined)}`;
    return this.request<ResponseOf<N>>(ROUTES[name][0].toUpperCase(), path, o.body, o.extraTimeoutMs);
  }

  /** The raw Response of endpoint `name` (downloads and streams). */
  callRaw<N extends EndpointName>(
    name: N,
    o: { params?: Record<string, string>; query?: QueryIn<N> | Query; extraTimeoutMs?: number } = {},
  ) {
    return this.raw(
      ROUTES[name][0].toUpperCase(),
      `${pathOf(name, o.params)}${qs(o.query as Query | undefined)}`,
      undefined,
      o.extraTimeoutMs,
    );
  }

  // --- service
  health = () => this.call('health');
  deploymentInfo = () => this.call('deploymentInfo');

  // --- actions
  submit = (a: BodyIn<'submit'>) => this.call('submit', { body: a });
  status = (id: string, waitS?: number) =>
    this.call('status', { params: { id }, query: { wait: waitS }, extraTimeoutMs: (waitS ?? 0) * 1000 });
  complete = (id: string, body: BodyIn<'complete'>) => this.call('complete', { params: { id }, body });
  withdraw = (id: string, body: BodyIn<'withdraw'> = {}) => this.call('withdraw', { params: { id }, body });
  listActions = (q: Partial<QueryIn<'listActions'>> = {}) => this.call('listActions', { query: q as Query });
  approval = (approvalId: string) => this.call('approval', { params: { approval_id: approvalId } });

  // --- agents
  registerAgent = (a: BodyIn<'registerAgent'>) => this.call('registerAgent', { body: a });
  listAgents = (q: Partial<QueryIn<'listAgents'>> = {}) => this.call('listAgents', { query: q as Query });
  /** Every agent: the pages of listAgents, followed to the end. */
  allAgents = () => everyPage((cursor) => this.listAgents({ cursor }));

  // --- approvals
  /** A page of pending approvals, soonest expiry first (the server's maximum page unless asked). */
  pendingApprovals = (limit = 1000, cursor?: string) =>
    this.call('pendingApprovals', { query: { status: 'pending', limit, ...(cursor ? { cursor } : {}) } });
  /** Every pending approval, soonest expiry first: the pages followed to the end (the console shows them all, grouped). */
  allPendingApprovals = () => everyPage((cursor) => this.pendingApprovals(1000, cursor));
  approve = (actionId: string, body: BodyIn<'approve'> = {}) => this.call('approve', { params: { action_id: actionId }, body });
  deny = (actionId: string, body: BodyIn<'deny'> = {}) => this.call('deny', { params: { action_id: actionId }, body });

  // --- policies
  listPolicies = () => this.call('listPolicies');
  getPolicy = (id: string) => this.call('getPolicy', { params: { id } });
  createPolicy = (p: BodyIn<'createPolicy'>) => this.call('createPolicy', { body: p });
  updatePolicy = (id: string, p: BodyIn<'updatePolicy'>) => this.call('updatePolicy', { params: { id }, body: p });
  deletePolicy = (id: string) => this.call('deletePolicy', { params: { id } });
  testPolicy = (action: BodyIn<'testPolicy'>['action'], policies?: unknown[]) =>
    this.call('testPolicy', { body: policies ? { action, policies } : { action } });
  simulate = (policies: unknown[], limit?: number) => this.call('simulate', { body: limit ? { policies, limit } : { policies } });
  exportPolicies = async (format: 'yaml' | 'json' = 'yaml') => (await this.callRaw('exportPolicies', { query: { format } })).text();
  importPolicies = (text: string) => this.call('importPolicies', { body: text });

  // --- audit
  audit = (q: Partial<QueryIn<'audit'>> = {}) => this.call('audit', { query: q as Query });
  verify = () => this.call('verify');
  exportAudit = (format: 'jsonl' | 'csv' | 'cef', q: { since?: string; until?: string; include_archive?: 'true' | 'false' } = {}) =>
    this.callRaw('exportAudit', { query: { format, ...q }, extraTimeoutMs: 3_600_000 });
  /** The latest signed checkpoint's note text, or null before the first one (SPEC 7.6). */
  auditCheckpoint = async (): Promise<string | null> => {
    const res = await this.callRaw('auditCheckpoint');
    if (res.status === 404) return null;
    if (!res.ok) throw new ApiError(res.status, ((await res.json().catch(() => null)) as ErrorBody | null) ?? null);
    return res.text();
  };
  auditPublicKey = () => this.call('auditPublicKey');
  auditArchives = () => this.call('auditArchives');
  auditProof = (seq: number, size?: number) => this.call('auditProof', { query: size === undefined ? { seq } : { seq, size } });
  auditConsistency = (from: number, to?: number) => this.call('auditConsistency', { query: to === undefined ? { from } : { from, to } });

  // --- sinks (SPEC 7.8)
  listSinks = () => this.call('listSinks');
  createSink = (b: BodyIn<'createSink'>) => this.call('createSink', { body: b });
  deleteSink = (id: string) => this.call('deleteSink', { params: { id } });
  sinkStatus = (id: string) => this.call('sinkStatus', { params: { id } });

  // --- settings, keys, webhooks, stats
  settings = () => this.call('settings');
  updateSettings = (s: BodyIn<'updateSettings'>) => this.call('updateSettings', { body: s });
  listKeys = () => this.call('listKeys');
  createKey = (k: BodyIn<'createKey'>) => this.call('createKey', { body: k });
  revokeKey = (id: string) => this.call('revokeKey', { params: { id } });
  listWebhooks = () => this.call('listWebhooks');
  createWebhook = (w: BodyIn<'createWebhook'>) => this.call('createWebhook', { body: w });
  deleteWebhook = (id: string) => this.call('deleteWebhook', { params: { id } });
  testWebhook = (id: string) => this.call('testWebhook', { params: { id } });
  deliveries = (id: string) => this.call('deliveries', { params: { id } });
  stats = (window: '1h' | '6h' | '24h' | '7d' | '30d' = '24h') => this.call('stats', { query: { window } });
  integrations = () => this.call('integrations');

  // --- reports (the brief verifies the whole chain: allow it time on a big log)
  brief = (window: QueryIn<'brief'>['window'] = '30d') =>
    this.call('brief', { query: { window, format: 'json' }, extraTimeoutMs: 600_000 });
  briefDocument = (window: QueryIn<'brief'>['window'], format: 'html' | 'pdf') =>
    this.callRaw('brief', { query: { window, format }, extraTimeoutMs: 600_000 });

  // --- approval workflows and A/B tests
  listWorkflows = () => this.call('listWorkflows');
  createWorkflow = (w: BodyIn<'createWorkflow'>) => this.call('createWorkflow', { body: w });
  deleteWorkflow = (id: string) => this.call('deleteWorkflow', { params: { id } });
  listAbTests = () => this.call('listAbTests');
  createAbTest = (b: BodyIn<'createAbTest'>) => this.call('createAbTest', { body: b });
  stopAbTest = (id: string) => this.call('stopAbTest', { params: { id } });

  // --- MCP
  mcpEvaluate = (b: BodyIn<'mcpEvaluate'>) => this.call('mcpEvaluate', { body: b });
  registerMcpServer = (b: BodyIn<'registerMcpServer'>) => this.call('registerMcpServer', { body: b });
  listMcpServers = () => this.call('listMcpServers');
  // A tool or server named `.` or `..` cannot be carried in a URL path (parsers drop such segments):
  // it goes in the query / body, with `-` in the path (routes.ts `pathName`). Any other name stays in the path.
  mcpToolPin = (serverId: string, tool: string) =>
    this.call('mcpToolPin', { params: mcpToolParams(serverId, tool), query: mcpNamesElsewhere(serverId, tool) });
  acceptMcpTool = (serverId: string, tool: string, body: Omit<BodyIn<'acceptMcpTool'>, 'server_id' | 'tool'> = {}) =>
    this.call('acceptMcpTool', { params: mcpToolParams(serverId, tool), body: { ...body, ...mcpNamesElsewhere(serverId, tool) } });
}
