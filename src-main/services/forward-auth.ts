import { ActionRequestSchema, type ActionRequest, type ActionStatus, type Decision } from '../../src-shared/index.js';
import type { SqlValue, Store } from '../storage/types.js';
import type { ActionService, Caller } from './actions.js';
import { toDecision } from './actions.js';
import type { ApprovalService } from './approvals.js';
import { redact } from './redact.js';

/**
 * Forward-auth for API gateways (SPEC 9.5): nginx `auth_request`, Traefik `ForwardAuth`, Caddy
 * `forward_auth` and Envoy's HTTP `ext_authz` ask "may this request through?" and get 200 or 403.
 * This module knows nothing of HTTP frameworks: the route hands it a header getter and gets back an
 * outcome to render.
 *
 * Where the original request comes from:
 * - plain form (nginx, Traefik, Caddy, the Lambda authorizer): method from `X-Forwarded-Method` or
 *   `X-Original-Method` (required: nginx's subrequest is a GET whatever the original was, so
 *   guessing would record a DELETE as a GET); host from `X-Forwarded-Host`, else `X-Original-URL`;
 *   URI from `X-Forwarded-Uri` or `X-Original-URI`, else `X-Original-URL`. The gateway sets them
 *   (its config overwrites whatever a client sent).
 * - Envoy's form (the original path appended to the endpoint by `path_prefix`): the check request
 *   itself is the original — its method, its Host (Envoy copies `:authority`) and the path after
 *   the prefix. Forwarded headers are ignored there: Envoy sets none, and a config that forwards
 *   client headers (`allowed_headers: {prefix: x-}` is a common example) must not let a client
 *   describe its own request.
 * - agent: `X-Gatehouse-Agent`, else the key's agent, else `api-gateway`.
 *
 * The action is `http.<method>` on `<host><path>[?query]`, the path normalised the way nginx
 * routes it (percent-decoded, dot segments removed, slashes merged) so that `/%61dmin` cannot slip
 * past a policy on `*\/admin*`; the raw URI is kept in `parameters.uri`.
 *
 * Retries: a gateway answers a held request with 403 + `X-Gatehouse-Pending` and the client retries.
 * A retry (same key, agent, method and resource) finds the held action instead of asking again:
 * - still pending: the same action (and `?wait=` waits on it);
 * - approved (or expired with timeout_action allow) within the last ANSWER_REUSE_MS: allowed once —
 *   the action is then marked completed, so the next identical request is decided afresh;
 * - rejected, expired or withdrawn within ANSWER_REUSE_MS: denied with that answer, so a client
 *   retrying in a loop does not put the same question to the person again right after a "no".
 * Identical requests in flight are serialised, so two at once never create two approvals.
 */

/** How long after a person's (or the timeout's) answer a retry still receives that answer. */
export const ANSWER_REUSE_MS = 5 * 60_000;
/** The longest a held action is looked back for (approval timeouts are shorter than this). */
const HELD_LOOKBACK_MS = 7 * 24 * 3_600_000;
export const MAX_WAIT_S = 60;
export const DEFAULT_GATEWAY_AGENT = 'api-gateway';

const HTTP_METHOD = /^[A-Za-z]{1,20}$/;
const HOST = /^[A-Za-z0-9._~-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/;
const MAX_URI = 8_192;

/** A bad or incomplete description of the original request: the gateway is misconfigured. */
export class ForwardAuthInputError extends Error {
  override readonly name = 'ForwardAuthInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ForwardCheck {
  /** Header getter (case-insensitive names). */
  header: (name: string) => string | undefined;
  /** The check request's own method. */
  method: string;
  /** Envoy's form: the original path (and query) after the endpoint's path; null in the plain form. */
  suffix: string | null;
}

export interface OriginalRequest {
  method: string;
  host: string;
  /** As the gateway sent it. */
  uri: string;
  /** Normalised path (no query). */
  path: string;
  query: string | null;
  agentId: string | null;
  environment: string | null;
  clientIp: string | null;
  proto: string | null;
}

/** Reads the original request out of a gateway's check request; throws ForwardAuthInputError naming the header. */
export function readOriginalRequest(c: ForwardCheck): OriginalRequest {
  const h = (name: string) => {
    const v = c.header(name)?.trim();
    return v ? v : undefined;
  };
  let originalUrl: URL | null = null;
  const rawOriginalUrl = h('x-original-url');
  if (rawOriginalUrl) {
    try {
      originalUrl = new URL(rawOriginalUrl);
    } catch {
      throw new ForwardAuthInputError('X-Original-URL', 'X-Original-URL is not an absolute URL');
    }
  }

  const envoy = c.suffix !== null;
  const method = envoy ? c.method : (h('x-forwarded-method') ?? h('x-original-method'));
  if (!method) {
    throw new ForwardAuthInputError(
      'X-Forwarded-Method',
      'The original method is missing: send X-Forwarded-Method (or X-Original-Method) with the original request method',
    );
  }
  if (!HTTP_METHOD.test(method)) throw new ForwardAuthInputError('X-Forwarded-Method', `'${method.slice(0, 40)}' is not an HTTP method`);

  const host = envoy ? h('host') : (h('x-forwarded-host')?.split(',')[0]!.trim() ?? originalUrl?.host);
  if (!host) {
    throw new ForwardAuthInputError(
      'X-Forwarded-Host',
      'The original host is missing: send X-Forwarded-Host with the Host the client asked for',
    );
  }
  if (!HOST.test(host)) throw new ForwardAuthInputError('X-Forwarded-Host', `'${host.slice(0, 80)}' is not a host name`);

  const uri = envoy
    ? c.suffix || '/'
    : (h('x-forwarded-uri') ?? h('x-original-uri') ?? (originalUrl ? `${originalUrl.pathname}${originalUrl.search}` : undefined));
  if (!uri) {
    throw new ForwardAuthInputError(
      'X-Forwarded-Uri',
      'The original URI is missing: send X-Forwarded-Uri (or X-Original-URI) with path and query',
    );
  }
  if (uri.length > MAX_URI) throw new ForwardAuthInputError('X-Forwarded-Uri', `The original URI is longer than ${MAX_URI} characters`);
  if (!uri.startsWith('/') && uri !== '*') throw new ForwardAuthInputError('X-Forwarded-Uri', 'The original URI must start with /');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(uri)) throw new ForwardAuthInputError('X-Forwarded-Uri', 'The original URI contains control characters');

  const q = uri.indexOf('?');
  const rawPath = q >= 0 ? uri.slice(0, q) : uri;
  const query = q >= 0 ? uri.slice(q + 1) : null;
  const forwardedFor = h('x-forwarded-for')?.split(',')[0]?.trim();
  return {
    method: method.toUpperCase(),
    host: host.toLowerCase(),
    uri,
    path: normalizePath(rawPath),
    query: query === '' ? null : query,
    agentId: h('x-gatehouse-agent') ?? null,
    environment: h('x-gatehouse-environment') ?? null,
    clientIp: (h('x-real-ip') ?? forwardedFor ?? null)?.slice(0, 64) ?? null,
    proto: h('x-forwarded-proto')?.slice(0, 16) ?? null,
  };
}

/**
 * The path as nginx routes it: percent-escapes decoded (control characters and invalid UTF-8 stay
 * encoded, in upper case), runs of slashes merged, `.` and `..` segments removed (RFC 3986 5.2.4).
 */
export function normalizePath(raw: string): string {
  if (raw === '*') return raw;
  const decoded = raw.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      const s = decodeURIComponent(run);
      // eslint-disable-next-line no-control-regex
      return s.replace(/[\u0000-\u001f\u007f]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
    } catch {
      return run.toUpperCase();
    }
  });
  const segments = decoded.replace(/\/{2,}/g, '/').split('/');
  const out: string[] = [];
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i]!;
    const last = i === segments.length - 1;
    if (s === '.') {
      if (last) out.push('');
    } else if (s === '..') {
      out.pop();
      if (last) out.push('');
    } else out.push(s);
  }
  return `/${out.join('/')}`;
}

/** The action request a forwarded request is decided as. */
export function toActionRequest(o: OriginalRequest, agentId: string): ActionRequest {
  const resource = `${o.host}${o.path}${o.query !== null ? `?${o.query}` : ''}`;
  const parameters: Record<string, string> = { method: o.method, host: o.host, uri: o.uri, path: o.path };
  if (o.query !== null) parameters.query = o.query;
  if (o.proto) parameters.proto = o.proto;
  if (o.clientIp) parameters.client_ip = o.clientIp;
  const req: ActionRequest = {
    agent_id: agentId,
    action_type: `http.${o.method.toLowerCase()}`,
    resource,
    tool_name: 'http',
    target_system: o.host,
    description: `${o.method} ${resource}`.slice(0, 8_192),
    parameters,
    context: { via: 'forward-auth' },
  };
  if (o.environment) req.environment = o.environment;
  const parsed = ActionRequestSchema.safeParse(req);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field =
      issue.path[0] === 'agent_id' ? 'X-Gatehouse-Agent' : issue.path[0] === 'environment' ? 'X-Gatehouse-Environment' : 'X-Forwarded-Uri';
    throw new ForwardAuthInputError(field, `${field}: ${issue.message}`);
  }
  return parsed.data;
}

export type ForwardOutcome = 'allowed' | 'denied' | 'pending';

export interface ForwardResult {
  outcome: ForwardOutcome;
  /** The decision body (SPEC 2.2) with the action's current status. */
  decision: Decision;
  /** True when a retry found an earlier held action instead of submitting a new one. */
  reused: boolean;
}

export interface ForwardCaller {
  keyId: string;
  /** The agent the key is bound to, if any. */
  boundAgentId: string | null;
}

interface HeldRow {
  action_id: string;
  status: ActionStatus['status'];
  decision: 'allowed' | 'denied' | 'pending';
}

/**
 * The one place forward-auth reads storage: the latest held action for this identity that a retry
 * should see. Both queries walk `actions_status (status, created_ms)`, whose held rows are few (each
 * one was a question to a person), so the cost does not grow with the size of the log.
 */
export function findHeldAction(
  store: { all<T>(sql: string, params?: SqlValue[]): T[] },
  id: { keyId: string; agentId: string; actionType: string; resource: string },
  now: number,
): HeldRow | null {
  const match = 'agent_id = ? AND action_type = ? AND resource = ? AND key_id = ?';
  const params: SqlValue[] = [id.agentId, id.actionType, id.resource, id.keyId];
  const pending = store.all<HeldRow>(
    `SELECT action_id, status, decision FROM actions WHERE status = 'pending' AND ${match} ORDER BY created_ms DESC LIMIT 1`,
    params,
  )[0];
  if (pending) return pending;
  const answered = store.all<HeldRow>(
    `SELECT action_id, status, decision FROM actions
      WHERE status IN ('approved', 'rejected', 'expired', 'withdrawn') AND created_ms >= ? AND reviewed_ms >= ?
        AND approval_id IS NOT NULL AND ${match}
      ORDER BY reviewed_ms DESC LIMIT 1`,
    [now - HELD_LOOKBACK_MS, now - ANSWER_REUSE_MS, ...params],
  )[0];
  return answered ?? null;
}

const outcomeOf = (s: { decision: string; status: string }): ForwardOutcome =>
  s.status === 'pending' ? 'pending' : s.decision === 'allowed' ? 'allowed' : 'denied';

/** Decides forwarded requests through the ordinary submit path; never answers "allowed" on an error. */
export class ForwardAuthService {
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: Store,
    private readonly actions: ActionService,
    private readonly approvals: ApprovalService,
    private readonly now: () => number,
  ) {}

  async authorize(original: OriginalRequest, caller: ForwardCaller, waitS: number): Promise<ForwardResult> {
    const agentId = original.agentId ?? caller.boundAgentId ?? DEFAULT_GATEWAY_AGENT;
    const request = toActionRequest(original, agentId);
    const submitAs: Caller = { boundAgentId: caller.boundAgentId, keyId: caller.keyId };
    // A key bound to another agent is refused by the same check as submit (before anything is read).
    this.actions.normalize(request, submitAs);
    const identity = {
      keyId: caller.keyId,
      agentId,
      actionType: request.action_type,
      resource: redact(request.resource!),
    };
    const lock = `${identity.keyId}\u0000${identity.agentId}\u0000${identity.actionType}\u0000${identity.resource}`;

    const first = await this.serialised(lock, () => this.decideOrReuse(request, submitAs, identity));
    if (first.outcome !== 'pending' || waitS <= 0) return first;

    await this.approvals.waitForChange(first.decision.action_id, Math.min(waitS, MAX_WAIT_S) * 1000);
    return this.serialised(lock, async () => {
      const s = this.actions.status(first.decision.action_id, caller.keyId);
      if (s.status === 'completed') {
        // A concurrent retry used this approval; this request is a new question.
        return { ...(await this.decideOrReuse(request, submitAs, identity)), reused: false };
      }
      return this.settle(s, true);
    });
  }

  private async decideOrReuse(
    request: ActionRequest,
    caller: Caller,
    identity: { keyId: string; agentId: string; actionType: string; resource: string },
  ): Promise<ForwardResult> {
    const held = findHeldAction(this.store, identity, this.now());
    if (held) return this.settle(this.actions.status(held.action_id, identity.keyId), true);
    const d = await this.actions.submit(request, caller);
    return { outcome: outcomeOf(d), decision: d, reused: false };
  }

  /** The answer for a held action: pending, denied, or allowed once (then marked completed). */
  private async settle(s: ActionStatus, reused: boolean): Promise<ForwardResult> {
    const outcome = outcomeOf(s);
    if (outcome === 'allowed' && s.status !== 'allowed') {
      const done = await this.actions.complete(
        s.action_id,
        { status: 'success', result: { forwarded_by: 'forward-auth', note: 'the gateway let the approved request through' } },
        null,
      );
      return { outcome, decision: toDecision(done), reused };
    }
    return { outcome, decision: toDecision(s), reused };
  }

  private async serialised<T>(key: string, f: () => Promise<T>): Promise<T> {
    const before = this.running.get(key) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(f);
    const tail = mine.catch(() => undefined);
    this.running.set(key, tail);
    void tail.then(() => {
      if (this.running.get(key) === tail) this.running.delete(key);
    });
    return mine;
  }
}
