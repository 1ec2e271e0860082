import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ResolveResultSchema, type ActionStatus, type Decision, type EventEnvelope } from '../../src-shared/index.js';
import { StorageUnavailableError, type AuditDraft, type Op } from '../../src-main/storage/types.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

// SPEC 4 `apply_to_pending` with principle 5: the waiting requests a remembered answer matches are
// answered a slice per commit, never all at once on the event loop; the person's own answer first.
let t: TestCore;
beforeEach(async () => {
  t = await openTestCore();
  await t.json('POST', '/api/v1/policies', {
    body: {
      id: 'deletes-need-approval',
      name: 'Deletes need approval',
      effect: 'require_approval',
      when: { action_type: 'database.delete' },
    },
  });
  t.g.approvals.answerSlice = 3;
});
afterEach(() => t.close());

async function hold(over: Record<string, unknown> = {}): Promise<string> {
  const d = await t.json<Decision>('POST', '/api/v1/actions/submit', {
    key: t.agentKey,
    body: { agent_id: 'etl', action_type: 'database.delete', resource: 'postgres://prod/customers', ...over },
  });
  expect(d.body.decision).toBe('pending');
  return d.body.action_id;
}
const holdMany = async (n: number) => {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await hold());
  return ids;
};
const status = async (id: string) => (await t.json<ActionStatus>('GET', `/api/v1/actions/${id}/status`, { key: t.agentKey })).body;
async function resolvedRecords(): Promise<Map<string, number>> {
  const r = await t.json<{ items: { action_id: string }[] }>('GET', '/api/v1/audit?type=approval.resolved&limit=1000');
  const n = new Map<string, number>();
  for (const i of r.body.items) n.set(i.action_id, (n.get(i.action_id) ?? 0) + 1);
  return n;
}
/** Every commit the store is asked for: how many approval.resolved records each carries. */
function spyCommits(): { resolvedPerCommit: number[] } {
  const seen = { resolvedPerCommit: [] as number[] };
  const store = t.g.store;
  const commit = store.commit.bind(store);
  vi.spyOn(store, 'commit').mockImplementation((ops, audit?: AuditDraft[]) => {
    const n = (audit ?? []).filter((a) => a.type === 'approval.resolved').length;
    if (n) seen.resolvedPerCommit.push(n);
    return commit(ops as Op[], audit);
  });
  return seen;
}

describe('apply_to_pending answers in slices', () => {
  it('a slice per commit, one event-loop turn apart, the person’s own answer first; each request answered once with its record', async () => {
    const first = await hold();
    const waiting = await holdMany(10);
    const other = await hold({ resource: 'postgres://prod/orders' });
    const commits = spyCommits();
    // Turns of the event loop, and the turn each answer's event was published in.
    let turn = 0;
    let ticking = true;
    const tick = () => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const events: { id: string; turn: number }[] = [];
    const off = t.g.bus.subscribe((e: EventEnvelope) => {
      if (e.event === 'action.rejected') events.push({ id: String(e.data.action_id), turn });
    });
    const polls = [first, ...waiting].map((id) => t.g.approvals.waitForChange(id, 30_000).then(() => id));
    const woken: string[] = [];
    for (const p of polls) void p.then((id) => woken.push(id));

    const r = await t.json('POST', `/api/v1/approvals/${first}/deny`, { body: { remember: '1h', apply_to_pending: true, comment: 'no' } });
    ticking = false;
    off();
    await Promise.all(polls);
    expect(r.status).toBe(200);
    const body = ResolveResultSchema.parse(r.body);
    expect(body).toMatchObject({ action_id: first, status: 'rejected' });
    expect(body.also_resolved.sort()).toEqual([...waiting].sort());

    // The person's own answer is one commit (with the policy); the others 3, 3, 3, 1.
    expect(commits.resolvedPerCommit).toEqual([1, 3, 3, 3, 1]);
    // Acknowledged first: its event and its long-poll come before any other.
    expect(events[0]!.id).toBe(first);
    expect(woken[0]).toBe(first);
    // Each slice is published in a later turn of the event loop than the one before.
    const turns = [...new Set(events.map((e) => e.turn))];
    expect(turns.length).toBe(5);
    expect(events.length).toBe(11);

    const records = await resolvedRecords();
    for (const id of [first, ...waiting]) {
      expect(records.get(id), id).toBe(1);
      expect((await status(id)).status).toBe('rejected');
    }
    expect(records.has(other)).toBe(false);
    expect((await status(other)).status).toBe('pending');
  });

  it('the requests it claimed cannot be answered or withdrawn by anyone else while it runs', async () => {
    const first = await hold();
    const waiting = await holdMany(7);
    const running = t.g.approvals.resolve(first, true, { remember: '15m', apply_to_pending: true });
    // The last slice has not been written yet: its requests are taken all the same.
    const last = waiting[waiting.length - 1]!;
    expect((await t.json('POST', `/api/v1/approvals/${last}/deny`, {})).status).toBe(409);
    expect((await t.json('POST', `/api/v1/actions/${last}/withdraw`, { key: t.agentKey, body: {} })).status).toBe(409);
    const r = await running;
    expect(r.also_resolved.sort()).toEqual([...waiting].sort());
    const records = await resolvedRecords();
    for (const id of [first, ...waiting]) expect(records.get(id), id).toBe(1);
    expect((await status(last)).status).toBe('approved');
  });

  it('a write refused mid-way (as a crash there leaves it): answered requests keep their records, the rest wait and are tracked after a restart', async () => {
    const first = await hold();
    const waiting = await holdMany(9);
    const store = t.g.store;
    const commit = store.commit.bind(store);
    let resolvedCommits = 0;
    vi.spyOn(store, 'commit').mockImplementation((ops, audit?: AuditDraft[]) => {
      if ((audit ?? []).some((a) => a.type === 'approval.resolved') && ++resolvedCommits === 3)
        return Promise.reject(new StorageUnavailableError('the disk is full'));
      return commit(ops as Op[], audit);
    });
    const r = ResolveResultSchema.parse(
      (await t.json('POST', `/api/v1/approvals/${first}/approve`, { body: { remember: '1h', apply_to_pending: true } })).body,
    );
    vi.restoreAllMocks();
    // Own answer (commit 1) and the first slice (commit 2) are durable; the slice of commit 3 and the one after wait again.
    expect(r.status).toBe('approved');
    expect(r.also_resolved).toEqual(waiting.slice(0, 3));
    expect((await status(waiting[3]!)).status).toBe('pending');
    // Still tracked: a person can answer one now.
    expect((await t.json('POST', `/api/v1/approvals/${waiting[3]}/deny`, {})).status).toBe(200);

    await t.reopen();
    const records = await resolvedRecords();
    for (const id of [first, ...waiting]) {
      const s = await status(id);
      // Either answered with exactly one record, or pending with none: never one without the other.
      if (s.status === 'pending') expect(records.has(id), id).toBe(false);
      else expect(records.get(id), id).toBe(1);
    }
    expect(waiting.slice(4).every((id) => !records.has(id))).toBe(true);
    // The remembered policy survived, and the waiting ones are tracked again after the restart.
    expect((await t.json('GET', `/api/v1/policies/${r.policy_id}`)).status).toBe(200);
    expect((await t.json('POST', `/api/v1/approvals/${waiting[8]}/approve`, {})).status).toBe(200);
    expect((await t.json<{ ok: boolean }>('GET', '/api/v1/audit/verify')).body.ok).toBe(true);
  });
});
