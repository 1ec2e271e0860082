import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, startServer, type LiveServer } from '../integrations/helpers.js';
import { GATEWAY_POLICIES } from './harness.js';

/**
 * Envoy and Traefik binaries are not available here (neither Debian nor npm ships them), so their
 * example configs are checked in two honest halves: (1) the YAML is parsed and the settings that
 * decide safety are asserted (fail closed, the right path and headers, clusters that exist); (2) the
 * exact check request each proxy builds from those settings — per Envoy's ext_authz HttpService docs
 * and Traefik's ForwardAuth source — is replayed against a running `gatehouse serve`, and the
 * proxy's handling of the answer is applied to decide what the client and the API would see.
 */

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A raw HTTP request (node:http, so Host can be set as a proxy sets it). */
function send(port: number, method: string, path: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')])),
          body,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

let gh: LiveServer;
beforeAll(async () => {
  gh = await startServer();
  for (const p of [...GATEWAY_POLICIES, { id: 'no-dev-shortcuts', effect: 'deny', priority: 300, when: { environment: 'development' } }])
    await gh.admin('POST', '/api/v1/policies', p);
}, 120_000);
afterAll(() => gh?.stop());

const status = (id: string) => gh.admin<Record<string, unknown>>('GET', `/api/v1/actions/${id}/status`);

// ---------------------------------------------------------------------------------------------
// Envoy (examples/gateways/envoy/envoy.yaml)

/* eslint-disable @typescript-eslint/no-explicit-any -- walking an untyped YAML document */
function envoyConfig() {
  const doc = parse(readFileSync(join(ROOT, 'examples/gateways/envoy/envoy.yaml'), 'utf8')) as any;
  const hcm = doc.static_resources.listeners[0].filter_chains[0].filters[0];
  const filters = hcm.typed_config.http_filters as any[];
  const authz = filters.find((f) => f.name === 'envoy.filters.http.ext_authz').typed_config;
  const clusters = doc.static_resources.clusters as any[];
  const clusterPort = (name: string) =>
    clusters.find((c) => c.name === name).load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value as number;
  return { doc, hcm, filters, authz, clusters, clusterPort };
}
const names = (list: { patterns: { exact: string }[] } | undefined) => (list?.patterns ?? []).map((p) => p.exact.toLowerCase());

/** What Envoy's HTTP ext_authz does with one client request, against the running Gatehouse. */
interface EnvoyOutcome {
  routed: boolean;
  status: number;
  upstreamHeaders: Record<string, string>;
  clientHeaders: Record<string, string>;
  answer: Reply;
}

async function throughEnvoy(client: {
  method: string;
  path: string;
  host: string;
  headers?: Record<string, string>;
}): Promise<EnvoyOutcome> {
  const { authz } = envoyConfig();
  const svc = authz.http_service;
  // Check request: original method; path_prefix + original path; Host, Authorization (if any) and
  // Content-Length: 0; then headers_to_add, which overwrite a client's header of the same name.
  const check: Record<string, string> = { host: client.host, 'content-length': '0' };
  const clientHeaders = Object.fromEntries(Object.entries(client.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  if (clientHeaders.authorization) check.authorization = clientHeaders.authorization;
  for (const allowed of names(authz.allowed_headers)) if (clientHeaders[allowed]) check[allowed] = clientHeaders[allowed];
  for (const h of svc.authorization_request.headers_to_add as { key: string; value: string }[]) {
    check[h.key.toLowerCase()] = h.value === 'gk_agent_REPLACE_ME' ? gh.agentKey : h.value;
  }
  const answer = await send(gh.port, client.method, `${svc.path_prefix}${client.path}`, check);
  const upstream = new Set(names(svc.authorization_response.allowed_upstream_headers));
  const toClient = new Set([...names(svc.authorization_response.allowed_client_headers), 'content-length']);
  // 200 → routed to the API with allowed_upstream_headers added; anything else → the client gets
  // that status with allowed_client_headers; a 5xx is an error → status_on_error (403 by default).
  if (answer.status === 200) {
    return {
      routed: true,
      status: 200,
      upstreamHeaders: Object.fromEntries(Object.entries(answer.headers).filter(([k]) => upstream.has(k))),
      clientHeaders: {},
      answer,
    };
  }
  return {
    routed: false,
    status: answer.status >= 500 ? 403 : answer.status,
    upstreamHeaders: {},
    clientHeaders: Object.fromEntries(Object.entries(answer.headers).filter(([k]) => toClient.has(k))),
    answer,
  };
}

describe('Envoy ext_authz (examples/gateways/envoy/envoy.yaml)', () => {
  it('is a well-formed static config that fails closed and points at Gatehouse', () => {
    const { filters, authz, clusters, hcm, clusterPort } = envoyConfig();
    expect(authz['@type']).toBe('type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz');
    expect(hcm.typed_config['@type']).toBe(
      'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    );
    expect(filters.at(-1).name).toBe('envoy.filters.http.router'); // the router must be last
    expect(filters.findIndex((f) => f.name === 'envoy.filters.http.ext_authz')).toBe(0);
    expect(authz.failure_mode_allow).toBe(false);
    expect(authz.transport_api_version).toBe('V3');
    expect(authz.http_service.path_prefix).toBe('/api/v1/authz/forward');
    expect(authz.grpc_service).toBeUndefined();
    const cluster = authz.http_service.server_uri.cluster as string;
    expect(clusters.map((c) => c.name)).toEqual(expect.arrayContaining([cluster, 'api']));
    expect(clusterPort(cluster)).toBe(7077);
    expect(authz.http_service.server_uri.uri).toBe('http://127.0.0.1:7077');
    const added = (authz.http_service.authorization_request.headers_to_add as { key: string }[]).map((h) => h.key);
    expect(added).toEqual(expect.arrayContaining(['x-api-key', 'x-gatehouse-agent']));
    expect(names(authz.http_service.authorization_response.allowed_client_headers)).toContain('x-gatehouse-pending');
    const routeTimeout = parseInt(hcm.typed_config.route_config.virtual_hosts[0].routes[0].route.timeout as string, 10);
    const wait = Number(
      (authz.http_service.authorization_request.headers_to_add as { key: string; value: string }[]).find(
        (h) => h.key === 'x-gatehouse-wait',
      )!.value,
    );
    expect(parseFloat(authz.http_service.server_uri.timeout as string)).toBeGreaterThan(wait);
    expect(routeTimeout).toBeGreaterThan(wait);
  });

  it('allowed: the request is routed, and the API learns the deciding action', async () => {
    const r = await throughEnvoy({ method: 'GET', path: '/orders/5?expand=items', host: 'shop.example' });
    expect(r.routed).toBe(true);
    const id = r.upstreamHeaders['x-gatehouse-action-id']!;
    expect(id).toMatch(/^act_/);
    expect(await status(id)).toMatchObject({
      agent_id: 'envoy-gateway',
      action_type: 'http.get',
      resource: 'shop.example/orders/5?expand=items',
      policy: { id: 'reads-ok' },
    });
  });

  it('denied: 403 to the client with the reason; a client cannot pick its agent or environment', async () => {
    const r = await throughEnvoy({
      method: 'DELETE',
      path: '/admin/users/1',
      host: 'shop.example',
      headers: { 'X-Gatehouse-Agent': 'trusted-bot', 'X-Gatehouse-Environment': 'staging', Cookie: 'a=b', Origin: 'https://evil.example' },
    });
    expect(r.routed).toBe(false);
    expect(r.status).toBe(403);
    expect(JSON.parse(r.answer.body).policy.id).toBe('no-admin-deletes');
    expect(await status(r.clientHeaders['x-gatehouse-action-id']!)).toMatchObject({ agent_id: 'envoy-gateway', environment: null });
  });

  it('pending: 403 with X-Gatehouse-Pending; a retry finds it; after approval the retry is routed', async () => {
    const first = await throughEnvoy({ method: 'POST', path: '/payments/charge', host: 'shop.example' });
    expect(first.status).toBe(403);
    const id = first.clientHeaders['x-gatehouse-pending']!;
    expect(id).toMatch(/^act_/);
    expect(
      (await throughEnvoy({ method: 'POST', path: '/payments/charge', host: 'shop.example' })).clientHeaders['x-gatehouse-pending'],
    ).toBe(id);
    await gh.admin('POST', `/api/v1/approvals/${id}/approve`, {});
    const after = await throughEnvoy({ method: 'POST', path: '/payments/charge', host: 'shop.example' });
    expect(after.routed).toBe(true);
    expect(after.upstreamHeaders['x-gatehouse-action-id']).toBe(id);
  });
});

// ---------------------------------------------------------------------------------------------
// Traefik (examples/gateways/traefik/dynamic.yml)

function traefikConfig() {
  const doc = parse(readFileSync(join(ROOT, 'examples/gateways/traefik/dynamic.yml'), 'utf8')) as any;
  const stat = parse(readFileSync(join(ROOT, 'examples/gateways/traefik/traefik.yml'), 'utf8')) as any;
  return { doc, stat, http: doc.http };
}

/** Traefik's `headers` middleware: set custom request headers; an empty value removes the header. */
function applyHeaders(headers: Map<string, string>, custom: Record<string, string>): void {
  for (const [k, v] of Object.entries(custom)) {
    if (v === '') headers.delete(k.toLowerCase());
    else headers.set(k.toLowerCase(), v);
  }
}

/** What the router's middleware chain does with one client request, against the running Gatehouse. */
async function throughTraefik(client: { method: string; uri: string; host: string; headers?: Record<string, string> }) {
  const { http } = traefikConfig();
  const router = http.routers.api;
  const req = new Map(Object.entries(client.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  for (const name of router.middlewares as string[]) {
    const m = http.middlewares[name];
    if (m.headers) {
      applyHeaders(req, m.headers.customRequestHeaders);
      continue;
    }
    const fa = m.forwardAuth;
    // writeHeader(): copy the request headers, keep only authRequestHeaders when set, then set
    // X-Forwarded-For/-Method/-Proto/-Host/-Uri from the real request (trustForwardHeader false).
    let copy = new Map(req);
    if (fa.authRequestHeaders?.length) {
      const allowed = new Set((fa.authRequestHeaders as string[]).map((h) => h.toLowerCase()));
      copy = new Map([...copy].filter(([k]) => allowed.has(k)));
    }
    expect(fa.trustForwardHeader).toBe(false);
    copy.set('x-forwarded-for', '127.0.0.1');
    copy.set('x-forwarded-method', client.method);
    copy.set('x-forwarded-proto', 'http');
    copy.set('x-forwarded-host', client.host);
    copy.set('x-forwarded-uri', client.uri);
    const address = new URL((fa.address as string).replace('127.0.0.1:7077', `127.0.0.1:${gh.port}`));
    const headers = Object.fromEntries(copy);
    if (headers['x-api-key'] === 'gk_agent_REPLACE_ME') headers['x-api-key'] = gh.agentKey;
    headers.host = address.host; // Go's client sends the address's host
    const answer = await send(Number(address.port), 'GET', `${address.pathname}${address.search}`, headers);
    if (answer.status < 200 || answer.status >= 300) return { routed: false, status: answer.status, answer, upstream: null };
    for (const h of fa.authResponseHeaders as string[]) {
      const v = answer.headers[h.toLowerCase()];
      if (v) req.set(h.toLowerCase(), v);
      else req.delete(h.toLowerCase());
    }
  }
  return { routed: true, status: 200, answer: null, upstream: Object.fromEntries(req) };
}

describe('Traefik ForwardAuth (examples/gateways/traefik)', () => {
  it('is a well-formed file-provider config: key set before the check and stripped after it', () => {
    const { http, stat } = traefikConfig();
    expect(stat.providers.file.filename).toBe('dynamic.yml');
    expect(stat.entryPoints.web.address).toBe('127.0.0.1:8080');
    expect(http.routers.api.middlewares).toEqual(['gatehouse-key', 'gatehouse', 'gatehouse-strip']);
    expect(http.routers.api.service).toBe('api');
    expect(http.services.api.loadBalancer.servers[0].url).toBe('http://127.0.0.1:3000');
    const fa = http.middlewares.gatehouse.forwardAuth;
    expect(fa.address).toBe('http://127.0.0.1:7077/api/v1/authz/forward?wait=0');
    expect(fa.trustForwardHeader).toBe(false);
    expect(fa.authRequestHeaders).toEqual(['X-API-Key', 'X-Gatehouse-Agent']);
    expect(Object.keys(http.middlewares['gatehouse-strip'].headers.customRequestHeaders)).toEqual(
      Object.keys(http.middlewares['gatehouse-key'].headers.customRequestHeaders),
    );
  });

  it('allowed: reaches the API without the key, with the deciding action', async () => {
    const r = await throughTraefik({ method: 'GET', uri: '/orders/9', host: 'shop.example', headers: { 'X-API-Key': 'client-supplied' } });
    expect(r.routed).toBe(true);
    expect(r.upstream!['x-api-key']).toBeUndefined();
    expect(r.upstream!['x-gatehouse-agent']).toBeUndefined();
    const id = r.upstream!['x-gatehouse-action-id']!;
    expect(await status(id)).toMatchObject({ agent_id: 'traefik-gateway', action_type: 'http.get', resource: 'shop.example/orders/9' });
  });

  it('denied: the 403 goes back to the client; client headers cannot change the agent or environment', async () => {
    const r = await throughTraefik({
      method: 'DELETE',
      uri: '/admin/x/1',
      host: 'shop.example',
      headers: {
        'X-Gatehouse-Agent': 'trusted-bot',
        'X-Gatehouse-Environment': 'development',
        'X-Forwarded-Method': 'GET',
        Origin: 'https://evil.example',
      },
    });
    expect(r.routed).toBe(false);
    expect(r.status).toBe(403);
    const d = JSON.parse(r.answer!.body);
    expect(d.policy.id).toBe('no-admin-deletes');
    expect(await status(d.action_id)).toMatchObject({ agent_id: 'traefik-gateway', action_type: 'http.delete', environment: null });
  });

  it('pending: 403 with X-Gatehouse-Pending; after approval the retry reaches the API', async () => {
    const first = await throughTraefik({ method: 'POST', uri: '/payments/traefik', host: 'shop.example' });
    expect(first.status).toBe(403);
    const id = first.answer!.headers['x-gatehouse-pending']!;
    expect(id).toMatch(/^act_/);
    await gh.admin('POST', `/api/v1/approvals/${id}/approve`, {});
    const after = await throughTraefik({ method: 'POST', uri: '/payments/traefik', host: 'shop.example' });
    expect(after.routed).toBe(true);
    expect(after.upstream!['x-gatehouse-action-id']).toBe(id);
  });
});
