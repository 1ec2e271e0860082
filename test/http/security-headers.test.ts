import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityHeaders } from '../../src-main/http/middleware/security-headers.js';
import { startServer, type RunningServer } from '../../src-main/server/serve.js';

const EXPECTED = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' };

describe('securityHeaders()', () => {
  const app = new Hono();
  app.use('*', securityHeaders());
  app.get('/json', (c) => c.json({ ok: true }));
  app.get('/cached', (c) => {
    c.header('Cache-Control', 'max-age=60');
    return c.text('x');
  });
  // A response whose headers are immutable (as one made by fetch): rebuilt once, still answered.
  app.get('/immutable', () => Response.redirect('http://127.0.0.1/elsewhere', 302));

  it('adds the headers to every answer and no-store where the route chose no caching', async () => {
    for (const path of ['/json', '/immutable']) {
      const r = await app.request(path);
      for (const [name, value] of Object.entries(EXPECTED)) expect(r.headers.get(name), `${path} ${name}`).toBe(value);
      expect(r.headers.get('cache-control')).toBe('no-store');
    }
    const redirect = await app.request('/immutable');
    expect([redirect.status, redirect.headers.get('location')]).toEqual([302, 'http://127.0.0.1/elsewhere']);
  });

  it("keeps a route's own Cache-Control", async () => {
    const r = await app.request('/cached');
    expect(r.headers.get('cache-control')).toBe('max-age=60');
    expect(await r.text()).toBe('x');
  });
});

describe('over a real socket', () => {
  let dataDir: string;
  let server: RunningServer;
  let agentKey: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-headers-'));
    server = await startServer({ dataDir, port: 0, defaultPolicies: false, consoleDir: null });
    agentKey = (JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { agent_key: string }).agent_key;
  });
  afterAll(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const raw = (method: string, path: string, key: string | null, body?: string) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: server.port,
          method,
          path,
          headers: { ...(key ? { 'X-API-Key': key } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  it('answers small JSON whole (Content-Length, not a chunked stream), with the security headers', async () => {
    const answers = [
      await raw('GET', '/health', null),
      await raw(
        'POST',
        '/api/v1/actions/submit',
        agentKey,
        JSON.stringify({ agent_id: 'a1', action_type: 'file.read', resource: '/tmp/x' }),
      ),
      await raw('GET', '/api/v1/actions?limit=1', null),
      await raw('GET', '/api/v1/no-such-route', agentKey),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 401, 404]);
    for (const a of answers) {
      for (const [name, value] of Object.entries(EXPECTED)) expect(a.headers[name]).toBe(value);
      expect(a.headers['cache-control']).toBe('no-store');
      expect(a.headers['transfer-encoding']).toBeUndefined();
      expect(Number(a.headers['content-length'])).toBe(Buffer.byteLength(a.body));
    }
  });
});
