import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { Gatehouse, type GatehouseOptions } from '../../src-main/app/gatehouse.js';
import { createApp } from '../../src-main/http/app.js';
import type { AppEnv } from '../../src-main/http/env.js';

export const PORT = 7077;
export const BASE = `http://127.0.0.1:${PORT}`;

export interface TestCore {
  g: Gatehouse;
  app: Hono<AppEnv>;
  dataDir: string;
  adminKey: string;
  agentKey: string;
  /** JSON request through app.request(); `key: null` sends none. */
  req(method: string, path: string, o?: { key?: string | null; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  json<T = Record<string, unknown>>(
    method: string,
    path: string,
    o?: { key?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: T }>;
  reopen(extra?: Partial<GatehouseOptions>): Promise<void>;
  close(): Promise<void>;
}

/** A real core on a temp data dir with the HTTP app in front of it (no socket). */
export async function openTestCore(opts: Partial<GatehouseOptions> & { dataDir?: string } = {}): Promise<TestCore> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const open = (extra: Partial<GatehouseOptions> = {}) =>
    Gatehouse.open({ mode: 'headless', defaultPolicies: false, ...opts, ...extra, dataDir });
  let g = await open();
  let app = createApp(g, { getPort: () => PORT, consoleDir: null });
  const creds = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { admin_key: string; agent_key: string };
  const t: TestCore = {
    get g() {
      return g;
    },
    get app() {
      return app;
    },
    dataDir,
    adminKey: creds.admin_key,
    agentKey: creds.agent_key,
    req(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      const key = o.key === undefined ? creds.admin_key : o.key;
      if (key) headers['X-API-Key'] = key;
      let body: string | undefined;
      if (o.body !== undefined) {
        body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
        headers['Content-Type'] ??= 'application/json';
      }
      return Promise.resolve(app.request(`${BASE}${path}`, { method, headers, body }));
    },
    async json(method, path, o) {
      const res = await t.req(method, path, o);
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as never };
    },
    async reopen(extra) {
      await g.close();
      g = await open(extra);
      app = createApp(g, { getPort: () => PORT, consoleDir: null });
    },
    async close() {
      await g.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}

/** A request held for approval (a `hold` policy on `hold.*`, then one submit from agent `a`): its action id. */
export async function heldRequest(t: TestCore): Promise<string> {
  await t.json('POST', '/api/v1/policies', { body: { id: 'hold', effect: 'require_approval', when: { action_type: 'hold.*' } } });
  const r = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', {
    key: t.agentKey,
    body: { agent_id: 'a', action_type: 'hold.x' },
  });
  return r.body.action_id;
}
