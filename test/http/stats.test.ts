import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBodySchema, StatsSchema, type Stats } from '../../src-shared/index.js';
import { computeStats, WINDOWS } from '../../src-main/services/stats.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

let t: TestCore;

async function submit(body: Record<string, unknown>): Promise<{ action_id: string; decision: string }> {
  const r = await t.json<{ action_id: string; decision: string }>('POST', '/api/v1/actions/submit', { body });
  expect(r.status).toBe(200);
  return r.body;
}

beforeAll(async () => {
  t = await openTestCore();
  expect(
    (
      await t.json('POST', '/api/v1/policies', {
        body: { id: 'no-drops', effect: 'deny', priority: 100, when: { action_type: 'database.drop' } },
      })
    ).status,
  ).toBe(201);
  // 3 low-risk reads from agent-a, 1 denied drop from agent-b, 3 risky shell commands from agent-c
  // held for approval: one approved, one rejected, one left pending.
  for (let i = 0; i < 3; i++) await submit({ agent_id: 'agent-a', action_type: 'file.read', resource: `/tmp/${i}` });
  expect((await submit({ agent_id: 'agent-b', action_type: 'database.drop', resource: 'db://x' })).decision).toBe('denied');
  const held = [];
  for (let i = 0; i < 3; i++)
    held.push(await submit({ agent_id: 'agent-c', action_type: 'shell.exec', resource: `rm -rf /srv/build${i}` }));
  expect(held.every((h) => h.decision === 'pending')).toBe(true);
  await new Promise((r) => setTimeout(r, 30));
  expect((await t.json('POST', `/api/v1/approvals/${held[0]!.action_id}/approve`, { body: {} })).status).toBe(200);
  await new Promise((r) => setTimeout(r, 30));
  expect((await t.json('POST', `/api/v1/approvals/${held[1]!.action_id}/deny`, { body: {} })).status).toBe(200);
});
afterAll(() => t.close());

describe('GET /api/v1/stats', () => {
  it('answers exactly the StatsSchema shape with the right counts', async () => {
    const r = await t.json<Stats>('GET', '/api/v1/stats?window=1h');
    expect(r.status).toBe(200);
    const s = StatsSchema.strict().parse(r.body);
    expect(s.window).toBe('1h');
    expect(s.bucket_s).toBe(60);
    expect(Date.parse(s.until) - Date.parse(s.since)).toBe(3_600_000);
    expect(s.totals).toEqual({
      total: 7,
      allowed: 3,
      denied: 1,
      pending: 1,
      approved: 1,
      rejected: 1,
      expired: 0,
      withdrawn: 0,
      completed: 0,
      failed: 0,
    });
    expect(s.pending_approvals).toBe(1);
    expect(s.by_risk_level.low + s.by_risk_level.medium + s.by_risk_level.high + s.by_risk_level.critical).toBe(7);
    expect(s.by_risk_level.low).toBeGreaterThanOrEqual(3);
    expect(s.by_agent).toEqual([
      { agent_id: 'agent-a', count: 3 },
      { agent_id: 'agent-c', count: 3 },
      { agent_id: 'agent-b', count: 1 },
    ]);
    expect(s.by_action_type[0]).toEqual({ action_type: 'file.read', count: 3 });
    expect(s.by_action_type).toHaveLength(3);
  });

  it('buckets the decisions made at submit time', async () => {
    const s = (await t.json<Stats>('GET', '/api/v1/stats?window=1h')).body;
    expect(s.timeline.length).toBeGreaterThanOrEqual(60);
    expect(s.timeline.length).toBeLessThanOrEqual(61);
    const sum = s.timeline.reduce(
      (a, b) => ({ allowed: a.allowed + b.allowed, denied: a.denied + b.denied, pending: a.pending + b.pending }),
      { allowed: 0, denied: 0, pending: 0 },
    );
    expect(sum).toEqual({ allowed: 3, denied: 1, pending: 3 });
    const times = s.timeline.map((p) => Date.parse(p.t));
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(60_000);
    expect(times[0]! % 60_000).toBe(0);
    expect(times[0]!).toBeLessThanOrEqual(Date.parse(s.since));
    expect(times[times.length - 1]!).toBeLessThanOrEqual(Date.parse(s.until));
  });

  it('reports approval latency over answers given by a person', async () => {
    const { approval_latency: l } = (await t.json<Stats>('GET', '/api/v1/stats?window=24h')).body;
    expect(l.count).toBe(2);
    expect(l.p50_s).toBeGreaterThan(0);
    expect(l.p90_s).toBeGreaterThanOrEqual(l.p50_s!);
    expect(l.max_s).toBe(l.p90_s);
    expect(l.max_s).toBeLessThan(30);
  });

  it('counts the answers a person gave, whatever happened to the action next', async () => {
    const before = (await t.json<Stats>('GET', '/api/v1/stats?window=24h')).body;
    expect(before.answers).toEqual({ approved: 1, rejected: 1 });
    // The approved action runs and the agent reports it: its status is now `completed`, and it was
    // still approved by the person (the Dashboard's "by you").
    const approved = (await t.json<{ items: { action_id: string; status: string }[] }>('GET', '/api/v1/actions?status=approved')).body
      .items[0]!;
    expect((await t.json('POST', `/api/v1/actions/${approved.action_id}/complete`, { body: { status: 'success' } })).status).toBe(200);
    for (const w of ['1h', '24h'] as const) {
      const s = (await t.json<Stats>('GET', `/api/v1/stats?window=${w}`)).body;
      expect(s.totals.approved).toBe(0);
      expect(s.totals.completed).toBe(1);
      expect(s.answers).toEqual({ approved: 1, rejected: 1 });
    }
  });

  it('defaults to 24h and sizes every window to 30-61 buckets', async () => {
    const s = (await t.json<Stats>('GET', '/api/v1/stats')).body;
    expect(s.window).toBe('24h');
    for (const w of Object.keys(WINDOWS) as (keyof typeof WINDOWS)[]) {
      const r = await t.json<Stats>('GET', `/api/v1/stats?window=${w}`);
      expect(r.status).toBe(200);
      const parsed = StatsSchema.parse(r.body);
      expect(parsed.timeline.length).toBeGreaterThanOrEqual(30);
      expect(parsed.timeline.length).toBeLessThanOrEqual(61);
      expect(parsed.totals.total).toBe(7);
    }
  });

  it('leaves actions outside the window out', async () => {
    const later = Date.now() + 2 * 3_600_000;
    const s = await computeStats(t.g.store, '1h', later, 0);
    expect(s.totals.total).toBe(0);
    expect(s.by_agent).toEqual([]);
    expect(s.approval_latency).toEqual({ count: 0, p50_s: null, p90_s: null, max_s: null });
    expect(s.timeline.every((p) => p.allowed + p.denied + p.pending === 0)).toBe(true);
  });

  it('validates the window and needs an admin key', async () => {
    const bad = await t.json('GET', '/api/v1/stats?window=2h');
    expect(bad.status).toBe(400);
    expect(ErrorBodySchema.parse(bad.body).error.code).toBe('invalid_request');
    expect((await t.json('GET', '/api/v1/stats?window=1h&x=1')).status).toBe(400);
    expect((await t.json('GET', '/api/v1/stats', { key: t.agentKey })).status).toBe(403);
    expect((await t.json('GET', '/api/v1/stats', { key: null })).status).toBe(401);
  });
});
