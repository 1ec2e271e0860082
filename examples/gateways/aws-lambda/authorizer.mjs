/**
 * An AWS API Gateway Lambda authorizer (REQUEST type) that asks Gatehouse before each call
 * (SPEC 9.5): it sends the call's method, host and path to Gatehouse's forward-auth endpoint and
 * turns the answer into an IAM policy for exactly this method ARN.
 *
 * Node.js 18+ runtime (global fetch), no dependencies. Environment:
 *   GATEHOUSE_URL      default http://127.0.0.1:7077 (Gatehouse listens on loopback only: see README)
 *   GATEHOUSE_API_KEY  an agent key (required)
 *   GATEHOUSE_AGENT    the agent these calls are decided for; default aws-lambda-agent
 *   GATEHOUSE_WAIT_S   seconds to wait while a person decides (0-60, default 0: deny now, retry later)
 *   GATEHOUSE_TIMEOUT_MS  how long to wait for Gatehouse at all (default: wait + 5 s)
 *
 * Never fails open: anything but a 200 from Gatehouse — a deny, a pending approval, an error, a
 * timeout, a missing key — is an explicit Deny.
 */

const DEFAULT_URL = 'http://127.0.0.1:7077';

/** The original request from a REST API (payload 1.0) or HTTP API (payload 2.0) authorizer event. */
export function originalRequest(event) {
  const headers = lowerKeys(event.headers ?? {});
  if (event.version === '2.0') {
    const http = event.requestContext?.http ?? {};
    const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
    return {
      method: http.method,
      host: event.requestContext?.domainName ?? headers.host,
      uri: `${event.rawPath ?? http.path ?? '/'}${query}`,
      sourceIp: http.sourceIp,
    };
  }
  return {
    method: event.httpMethod ?? event.requestContext?.httpMethod,
    host: headers.host ?? event.requestContext?.domainName,
    uri: `${event.path ?? event.requestContext?.path ?? '/'}${queryString(event)}`,
    sourceIp: event.requestContext?.identity?.sourceIp,
  };
}

function lowerKeys(o) {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k.toLowerCase(), v]));
}

function queryString(event) {
  const multi = event.multiValueQueryStringParameters;
  const single = event.queryStringParameters;
  const pairs = [];
  if (multi) for (const [k, vs] of Object.entries(multi)) for (const v of vs ?? []) pairs.push([k, v]);
  else if (single) for (const [k, v] of Object.entries(single)) pairs.push([k, v]);
  if (!pairs.length) return '';
  return `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v ?? '')}`).join('&')}`;
}

/** The authorizer's answer: an IAM policy for this method ARN only, with Gatehouse's verdict in `context`. */
export function policy(effect, resource, principalId, context) {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
    // Values must be strings, numbers or booleans; map them into responses with $context.authorizer.<key>.
    context,
  };
}

export async function handler(event) {
  const resource = event.methodArn ?? event.routeArn;
  const agent = process.env.GATEHOUSE_AGENT || 'aws-lambda-agent';
  const deny = (reason, extra = {}) =>
    policy('Deny', resource, agent, { gatehouse_decision: 'denied', gatehouse_reason: reason, ...extra });
  try {
    const key = process.env.GATEHOUSE_API_KEY;
    if (!key) return deny('GATEHOUSE_API_KEY is not set');
    const original = originalRequest(event);
    if (!original.method || !original.host) return deny('the event has no method or host');
    const waitS = Math.min(60, Math.max(0, Number(process.env.GATEHOUSE_WAIT_S ?? 0) || 0));
    const timeoutMs = Number(process.env.GATEHOUSE_TIMEOUT_MS ?? 0) || waitS * 1000 + 5000;
    const base = (process.env.GATEHOUSE_URL || DEFAULT_URL).replace(/\/+$/, '');
    const headers = {
      'X-API-Key': key,
      'X-Gatehouse-Agent': agent,
      'X-Forwarded-Method': original.method,
      'X-Forwarded-Host': original.host,
      'X-Forwarded-Uri': original.uri,
      'X-Forwarded-Proto': 'https',
    };
    if (original.sourceIp) headers['X-Real-IP'] = original.sourceIp;
    const res = await fetch(`${base}/api/v1/authz/forward?wait=${waitS}`, { headers, signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.json().catch(() => null);
    const context = {
      gatehouse_action_id: res.headers.get('x-gatehouse-action-id') ?? '',
      gatehouse_decision: res.headers.get('x-gatehouse-decision') ?? (res.status === 200 ? 'allowed' : 'denied'),
      gatehouse_risk: Number(res.headers.get('x-gatehouse-risk') ?? -1),
      gatehouse_pending: res.headers.get('x-gatehouse-pending') ?? '',
      gatehouse_reason: String(body?.reason ?? body?.error?.message ?? `HTTP ${res.status}`).slice(0, 500),
    };
    return policy(res.status === 200 ? 'Allow' : 'Deny', resource, agent, context);
  } catch (e) {
    return deny(`Gatehouse could not be asked: ${e?.message ?? e}`);
  }
}
