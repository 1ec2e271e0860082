import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServer, type LiveServer } from '../integrations/helpers.js';
import { findNginx, freePort, GATEWAY_POLICIES, startNginx, startUpstream, type Upstream } from './harness.js';

/**
 * The nginx example (examples/gateways/nginx/gatehouse-site.conf), run as written by Debian's nginx
 * in front of a tiny upstream, against a running `gatehouse serve`. Only the addresses and the key
 * are substituted.
 */
let gh: LiveServer;
let app: Upstream;
let nginx: ChildProcess & { output: () => string };
let prefix = '';
let base = '';

beforeAll(async () => {
  const bin = findNginx();
  gh = await startServer();
  app = await startUpstream();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  for (const p of [...GATEWAY_POLICIES]) await gh.admin('POST', '/api/v1/policies', p);

  prefix = mkdtempSync(join(tmpdir(), 'gatehouse-nginx-'));
  for (const d of ['logs', 'tmp']) mkdirSync(join(prefix, d));
  const site = readFileSync(join(ROOT, 'examples/gateways/nginx/gatehouse-site.conf'), 'utf8')
    .replaceAll('127.0.0.1:8080', `127.0.0.1:${port}`)
    .replaceAll('127.0.0.1:3000', `127.0.0.1:${app.port}`)
    .replaceAll('127.0.0.1:7077', `127.0.0.1:${gh.port}`)
    .replaceAll('gk_agent_REPLACE_ME', gh.agentKey);
  writeFileSync(join(prefix, 'gatehouse-site.conf'), site);
  const t = join(prefix, 'tmp');
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `daemon off;
master_process off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log info;
events { worker_connections 64; }
http {
  access_log ${prefix}/access.log;
  client_body_temp_path ${t}/body; proxy_temp_path ${t}/proxy; fastcgi_temp_path ${t}/fastcgi;
  uwsgi_temp_path ${t}/uwsgi; scgi_temp_path ${t}/scgi;
  include ${prefix}/gatehouse-site.conf;
}
`,
  );
  nginx = await startNginx(bin, prefix, join(prefix, 'nginx.conf'), port);
}, 180_000);

afterAll(async () => {
  nginx?.kill('SIGTERM');
  await app?.close();
  await gh?.stop();
  if (prefix) rmSync(prefix, { recursive: true, force: true });
});

const hitsFor = (path: string) => app.hits.filter((h) => h.url === path).length;

describe('nginx auth_request → Gatehouse (examples/gateways/nginx)', () => {
  it('allowed requests pass through to the upstream, which learns the deciding action', async () => {
    const res = await fetch(`${base}/orders/1?expand=items`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('upstream says hi: GET /orders/1?expand=items');
    const id = res.headers.get('x-gatehouse-action-id');
    expect(id).toMatch(/^act_/);
    const hit = app.hits.find((h) => h.url === '/orders/1?expand=items')!;
    expect(hit.headers['x-gatehouse-action-id']).toBe(id);
    const s = await gh.admin<Record<string, unknown>>('GET', `/api/v1/actions/${id}/status`);
    expect(s).toMatchObject({
      agent_id: 'nginx-gateway',
      action_type: 'http.get',
      resource: `127.0.0.1/orders/1?expand=items`,
      decision: 'allowed',
      policy: { id: 'reads-ok' },
    });
  });

  it('denied requests get 403 and never reach the upstream — whatever the client claims in headers', async () => {
    for (const [path, headers] of [
      ['/admin/users/1', {}],
      ['/%61dmin/users/2', {}],
      ['/admin/users/3', { 'X-Forwarded-Method': 'GET', 'X-Original-Method': 'GET', 'X-Gatehouse-Agent': 'other' }],
    ] as const) {
      const res = await fetch(`${base}${path}`, { method: 'DELETE', headers });
      expect(res.status, path).toBe(403);
      expect(hitsFor(path)).toBe(0);
      const id = res.headers.get('x-gatehouse-action-id')!;
      const s = await gh.admin<Record<string, unknown>>('GET', `/api/v1/actions/${id}/status`);
      expect(s).toMatchObject({
        agent_id: 'nginx-gateway',
        action_type: 'http.delete',
        decision: 'denied',
        policy: { id: 'no-admin-deletes' },
      });
    }
  });

  it('pending requests get 403 with X-Gatehouse-Pending; retries find the same request; after approval one goes through', async () => {
    const first = await fetch(`${base}/payments/charge`, { method: 'POST', body: '{"amount": 10}' });
    expect(first.status).toBe(403);
    const id = first.headers.get('x-gatehouse-pending');
    expect(id).toMatch(/^act_/);
    expect(hitsFor('/payments/charge')).toBe(0);

    const retry = await fetch(`${base}/payments/charge`, { method: 'POST', body: '{"amount": 10}' });
    expect(retry.status).toBe(403);
    expect(retry.headers.get('x-gatehouse-pending')).toBe(id);
    const pending = await gh.admin<{ items: { action_id: string }[] }>('GET', '/api/v1/approvals?status=pending');
    expect(pending.items.map((p) => p.action_id)).toEqual([id]);

    await gh.admin('POST', `/api/v1/approvals/${id}/approve`, {});
    const through = await fetch(`${base}/payments/charge`, { method: 'POST', body: '{"amount": 10}' });
    expect(through.status).toBe(200);
    expect(await through.text()).toBe('upstream says hi: POST /payments/charge');
    expect(through.headers.get('x-gatehouse-action-id')).toBe(id);
    expect(hitsFor('/payments/charge')).toBe(1);

    const next = await fetch(`${base}/payments/charge`, { method: 'POST', body: '{"amount": 10}' });
    expect(next.status).toBe(403);
    expect(next.headers.get('x-gatehouse-pending')).not.toBe(id);
    expect(hitsFor('/payments/charge')).toBe(1);
  });

  it('fails closed: with Gatehouse stopped, nginx answers 500 and nothing reaches the upstream', async () => {
    const before = app.hits.length;
    await gh.stop();
    const res = await fetch(`${base}/orders/2`);
    expect(res.status).toBe(500);
    expect(app.hits.length).toBe(before);
  });
});
