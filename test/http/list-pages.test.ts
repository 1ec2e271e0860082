import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyPage, GatehouseApi } from '../../src-shared/client.js';
import { BASE, openTestCore, type TestCore } from '../helpers/core.js';

// GET /api/v1/approvals and GET /api/v1/agents stopped at 1,000 with no cursor: the 1,001st pending
// request or agent could not be reached. Both now page like GET /api/v1/actions.

let t: TestCore;
const held: string[] = [];
beforeAll(async () => {
  t = await openTestCore();
  await t.json('POST', '/api/v1/policies', {
    body: { id: 'hold', name: 'hold', priority: 90, effect: 'require_approval', when: { action_type: 'x.hold' } },
  });
  for (let i = 0; i < 7; i++) {
    const r = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: `pager-${i}`, action_type: 'x.hold', resource: `r${i}` },
    });
    held.push(r.body.action_id);
  }
});
afterAll(() => t.close());

type Page<T> = { items: T[]; next_cursor: string | null };
type Pending = { action_id: string; expires_at: string };

async function walk<T>(path: string, limit: number): Promise<{ pages: number; items: T[] }> {
  let pages = 0;
  const { items } = await everyPage<T & { action_id?: string; agent_id?: string }>(async (cursor) => {
    pages++;
    const sep = path.includes('?') ? '&' : '?';
    const r = await t.json<Page<T & { action_id?: string; agent_id?: string }>>(
      'GET',
      `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(r.status).toBe(200);
    return r.body;
  });
  return { pages, items };
}

describe('GET /api/v1/approvals pages with a cursor', () => {
  it('walks every pending request, soonest expiry first, each once, and ends with a null cursor', async () => {
    const first = await t.json<Page<Pending>>('GET', '/api/v1/approvals?limit=3');
    expect(first.body.items).toHaveLength(3);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const { pages, items } = await walk<Pending>('/api/v1/approvals?status=pending', 3);
    expect(pages).toBe(3);
    expect(items.map((i) => i.action_id).sort()).toEqual([...held].sort());
    const expiries = items.map((i) => Date.parse(i.expires_at));
    expect(expiries).toEqual([...expiries].sort((a, b) => a - b));
    // One page holding everything says the list ends.
    const all = await t.json<Page<Pending>>('GET', '/api/v1/approvals');
    expect(all.body.items).toHaveLength(7);
    expect(all.body.next_cursor).toBeNull();
  });

  it('walks answered ones too, most recent first; a cursor of another state or list is a 400 naming cursor', async () => {
    for (const id of held.slice(0, 3)) expect((await t.json('POST', `/api/v1/approvals/${id}/approve`, { body: {} })).status).toBe(200);
    const { items } = await walk<Pending>('/api/v1/approvals?status=approved', 2);
    expect(items.map((i) => i.action_id)).toEqual([...held.slice(0, 3)].reverse());
    const pendingCursor = (await t.json<Page<Pending>>('GET', '/api/v1/approvals?limit=1')).body.next_cursor!;
    const agentsCursor = (await t.json<Page<unknown>>('GET', '/api/v1/agents?limit=1')).body.next_cursor!;
    for (const q of [`status=approved&cursor=${pendingCursor}`, `cursor=${agentsCursor}`, 'cursor=nonsense']) {
      const r = await t.json<{ error: { code: string; details: { path: string }[] } }>('GET', `/api/v1/approvals?${q}`);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid_request');
      expect(r.body.error.details[0]!.path).toBe('cursor');
    }
  });
});

describe('GET /api/v1/agents pages with a cursor', () => {
  it('walks every agent, most recently seen first, each once', async () => {
    const { pages, items } = await walk<{ agent_id: string; last_seen_at: string | null; created_at: string }>('/api/v1/agents', 2);
    expect(pages).toBe(4);
    expect(items.map((a) => a.agent_id).sort()).toEqual(Array.from({ length: 7 }, (_, i) => `pager-${i}`));
    const seen = items.map((a) => Date.parse(a.last_seen_at ?? a.created_at));
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    // Without a limit: a page of 1,000, as before, and every existing field unchanged.
    const all = await t.json<Page<Record<string, unknown>>>('GET', '/api/v1/agents');
    expect(all.body.items).toHaveLength(7);
    expect(all.body.next_cursor).toBeNull();
    expect(Object.keys(all.body.items[0]!)).toEqual(expect.arrayContaining(['agent_id', 'counts', 'top_action_types', 'registered']));
    const bad = await t.json<{ error: { details: { path: string }[] } }>('GET', '/api/v1/agents?cursor=nonsense');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]!.path).toBe('cursor');
  });

  it('the client the console and the CLI use follows the cursor past the 1,000 of one page', async () => {
    for (let i = 0; i < 1001; i += 100) {
      const batch = Array.from({ length: Math.min(100, 1001 - i) }, (_, j) =>
        t.json('POST', '/api/v1/agents/register', { body: { agent_id: `many-${i + j}` } }),
      );
      for (const r of await Promise.all(batch)) expect(r.status).toBe(200);
    }
    const api = new GatehouseApi({ baseUrl: BASE, apiKey: t.adminKey, fetch: (url, init) => Promise.resolve(t.app.request(url, init)) });
    expect((await api.listAgents()).items).toHaveLength(1000);
    const all = await api.allAgents();
    expect(all.items).toHaveLength(1008);
    expect(new Set(all.items.map((a) => a.agent_id)).size).toBe(1008);
    expect(all.items.map((a) => a.agent_id)).toEqual(expect.arrayContaining(['many-0', 'many-1000', 'pager-0']));
    expect((await api.allPendingApprovals()).items).toHaveLength(4);
  }, 60_000);

  it('the OpenAPI document declares limit and cursor for both lists', async () => {
    const doc = (await t.json<{ paths: Record<string, { get: { parameters?: { name: string }[] } }> }>('GET', '/api/openapi.json')).body;
    for (const path of ['/api/v1/approvals', '/api/v1/agents']) {
      expect(doc.paths[path]!.get.parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(['limit', 'cursor']));
    }
  });
});

describe('a since later than until is a 400 naming until', () => {
  const since = '2026-01-02T00:00:00Z';
  const until = '2026-01-01T00:00:00Z';
  it.each(['/api/v1/actions', '/api/v1/audit', '/api/v1/audit/export?format=jsonl'])('%s', async (path) => {
    const sep = path.includes('?') ? '&' : '?';
    const r = await t.json<{ error: { code: string; message: string; details: { path: string; message: string }[] } }>(
      'GET',
      `${path}${sep}since=${since}&until=${until}`,
    );
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_request');
    expect(r.body.error.details).toEqual([{ path: 'until', message: expect.stringMatching(/must not be before since/) }]);
    // Equal bounds are an empty window, asked for plainly: still a success.
    expect((await t.req('GET', `${path}${sep}since=${since}&until=${since}`)).status).toBe(200);
  });
});

describe('an admin key cannot be bound to an agent', () => {
  it('is a 400 naming agent_id, and no key is made', async () => {
    const before = (await t.json<Page<unknown>>('GET', '/api/v1/keys')).body.items.length;
    const r = await t.json<{ error: { code: string; details: { path: string }[] } }>('POST', '/api/v1/keys', {
      body: { name: 'bound admin', scope: 'admin', agent_id: 'bot' },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_request');
    expect(r.body.error.details.map((d) => d.path)).toEqual(['agent_id']);
    expect((await t.json<Page<unknown>>('GET', '/api/v1/keys')).body.items.length).toBe(before);
    // An agent key bound to it still is.
    expect((await t.json('POST', '/api/v1/keys', { body: { name: 'bot key', scope: 'agent', agent_id: 'bot' } })).status).toBe(201);
  });
});
