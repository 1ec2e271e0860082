import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, ensureBuilt, startServerProcess, stopServerProcess, type ServerProc } from './server-process.js';

let s: ServerProc;
beforeAll(async () => {
  ensureBuilt();
  s = await startServerProcess();
  await api(s, 'POST', '/api/v1/policies', s.adminKey, { id: 'hold', effect: 'require_approval', when: { action_type: 'hold.*' } });
});
afterAll(() => stopServerProcess(s));

describe('100 agents long-polling at once', () => {
  it('releases every poll with the right outcome as approvals are resolved', async () => {
    const ids = await Promise.all(
      Array.from(
        { length: 100 },
        async (_, i) =>
          (
            await api<{ action_id: string }>(s, 'POST', '/api/v1/actions/submit', s.agentKey, {
              agent_id: `agent-${i}`,
              action_type: 'hold.deploy',
              resource: `svc-${i}`,
            })
          ).body.action_id,
      ),
    );
    const started = Date.now();
    const polls = ids.map((id) => api<{ status: string }>(s, 'GET', `/api/v1/actions/${id}/status?wait=60`, s.agentKey));
    await new Promise((r) => setTimeout(r, 300));
    await Promise.all(ids.map((id, i) => api(s, 'POST', `/api/v1/approvals/${id}/${i % 2 ? 'deny' : 'approve'}`, s.adminKey, {})));
    const results = await Promise.all(polls);
    expect(Date.now() - started).toBeLessThan(20_000);
    results.forEach((r, i) => expect(r.body.status).toBe(i % 2 ? 'rejected' : 'approved'));
  });
});

describe('a runaway agent', () => {
  it('hits the rate limit while another agent is still served', async () => {
    await api(s, 'PUT', '/api/v1/settings', s.adminKey, { rate_limit_per_s: 5 });
    const other = await api<{ key: string }>(s, 'POST', '/api/v1/keys', s.adminKey, { name: 'well-behaved', scope: 'agent' });
    const end = Date.now() + 2000;
    const runaway: number[] = [];
    const calm: number[] = [];
    await Promise.all([
      ...Array.from({ length: 8 }, async () => {
        while (Date.now() < end)
          runaway.push(
            (await api(s, 'POST', '/api/v1/actions/submit', s.agentKey, { agent_id: 'runaway', action_type: 'file.read' })).status,
          );
      }),
      (async () => {
        while (Date.now() < end) {
          calm.push(
            (await api(s, 'POST', '/api/v1/actions/submit', other.body.key, { agent_id: 'calm', action_type: 'file.read' })).status,
          );
          await new Promise((r) => setTimeout(r, 350)); // ~3/s: under the 5/s limit
        }
      })(),
    ]);
    expect(runaway.filter((c) => c === 429).length).toBeGreaterThan(runaway.length / 2);
    expect(calm.length).toBeGreaterThanOrEqual(4);
    expect(calm.every((c) => c === 200)).toBe(true);
    await api(s, 'PUT', '/api/v1/settings', s.adminKey, { rate_limit_per_s: 2000 });
  });
});
