import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Op } from '../../src-main/storage/types.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

// A pending action whose decided record is gone from the log (a data dir a dev build archived it
// from): its expiry must neither crash the server nor let it through, and ends it once.
let t: TestCore;
beforeAll(async () => {
  t = await openTestCore();
  for (const [id, action] of [
    ['lost-allow', 'lost.allow'],
    ['lost-deny', 'lost.deny'],
  ] as const)
    await t.json('POST', '/api/v1/policies', {
      body: {
        id,
        effect: 'require_approval',
        priority: 95,
        when: { action_type: action },
        approval: { timeout_s: 1, timeout_action: id === 'lost-allow' ? 'allow' : 'deny' },
      },
    });
});
afterAll(() => t.close());

type Row = { status: string; decision: string };
const rowOf = (id: string) => t.g.store.get<Row>('SELECT status, decision FROM actions WHERE action_id = ?', [id]);
const decidedSeq = (id: string) => t.g.store.get<{ seq: number }>('SELECT seq FROM actions WHERE action_id = ?', [id])!.seq;
const submit = async (action_type: string) =>
  (await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', { key: t.agentKey, body: { agent_id: 'a', action_type } })).body
    .action_id;

describe('expiry of a pending action whose decided record is missing', () => {
  it('a record gone before the start: expires denied (not its timeout allow), said once, and not tracked again', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const id = await submit('lost.allow');
      await t.g.store.commit([{ sql: 'DELETE FROM audit WHERE seq = ?', params: [decidedSeq(id)] }]);
      await t.reopen();
      await vi.waitFor(() => expect(rowOf(id)).toEqual({ status: 'expired', decision: 'denied' }), { timeout: 10_000, interval: 50 });
      const rec = t.g.store.get<{ data: string }>("SELECT data FROM audit WHERE type = 'approval.expired' AND action_id = ?", [id]);
      expect(JSON.parse(rec!.data)).toMatchObject({ timeout_action: 'deny', decided_record_missing: true });
      expect(errors.mock.calls.filter((c) => String(c[0]).includes(id))).toHaveLength(1);
      await t.reopen();
      expect(t.g.approvals.pendingCount).toBe(0);
    } finally {
      errors.mockRestore();
    }
  });

  it('a record gone while its expiry is written: no crash, no event for it, and the next deadline still applies', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const store = t.g.store;
    const commit = store.commit.bind(store);
    try {
      const lost = await submit('lost.deny');
      const seq = decidedSeq(lost);
      // The record leaves the log in the very commit that expires the action.
      store.commit = ((ops: Op[], audit) =>
        commit(
          Array.isArray(ops) && ops.some((o) => o.sql.includes("status = 'expired'") && o.params?.includes(lost))
            ? [...ops, { sql: 'DELETE FROM audit WHERE seq = ?', params: [seq] }]
            : ops,
          audit,
        )) as typeof store.commit;
      const events: string[] = [];
      const off = t.g.bus.subscribe((e) => events.push(`${e.event}:${String((e.data as { action_id?: string }).action_id)}`));
      await vi.waitFor(() => expect(rowOf(lost)?.status).toBe('expired'), { timeout: 10_000, interval: 50 });
      expect(rowOf(lost)?.decision).toBe('denied');
      const next = await submit('lost.deny');
      await vi.waitFor(() => expect(rowOf(next)?.status).toBe('expired'), { timeout: 10_000, interval: 50 });
      expect(events).toContain(`action.expired:${next}`);
      expect(events).not.toContain(`action.expired:${lost}`);
      expect(errors.mock.calls.filter((c) => String(c[0]).includes(lost))).toHaveLength(1);
      off();
    } finally {
      store.commit = commit;
      errors.mockRestore();
    }
  });
});
