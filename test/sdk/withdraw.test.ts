import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApprovalTimeout, Decision, GatehouseClient, govern } from '../../src-main/sdk/index.js';
import { startServer, type LiveServer } from '../integrations/helpers.js';

/** SPEC 4: whenever the TS SDK stops waiting on a held action (its timeout, an aborted signal) it withdraws it. */

let server: LiveServer;
const client = (agentId = 'ts-withdraw') => new GatehouseClient({ agentId, url: server.url, apiKey: server.agentKey });
const status = (id: string) => server.admin<Record<string, unknown>>('GET', `/api/v1/actions/${id}/status`);

beforeAll(async () => {
  server = await startServer();
  await server.admin('POST', '/api/v1/policies', {
    id: 't-withdraw',
    effect: 'require_approval',
    priority: 500,
    when: { action_type: 'withdraw.*' },
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('withdraw when the SDK stops waiting', () => {
  it('on its own timeout (executeAction)', async () => {
    const err = await client()
      .executeAction({ actionType: 'withdraw.timeout', resource: 'x' }, { timeoutS: 0.5 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApprovalTimeout);
    const s = await status((err as ApprovalTimeout).actionId);
    expect(s).toMatchObject({ status: 'withdrawn', decision: 'denied' });
    expect(String(s.comment)).toContain('stopped waiting');
  });

  it('when an AbortSignal aborts mid-wait: rejects with its reason, withdraws, never runs', async () => {
    const ctrl = new AbortController();
    const fn = vi.fn(async () => 'ran');
    const run = govern(client('ts-abort'), 'withdraw.abort', { resource: 'job', signal: ctrl.signal })(fn);
    const t0 = Date.now();
    const pending = run().catch((e: unknown) => e);
    const id = await server.waitForPending((a) => a.agent_id === 'ts-abort');
    ctrl.abort(new Error('user pressed stop'));
    const err = await pending;
    expect(Date.now() - t0).toBeLessThan(15_000); // the long-poll was abandoned, not waited out
    expect((err as Error).message).toBe('user pressed stop');
    expect(fn).not.toHaveBeenCalled();
    expect(await status(id)).toMatchObject({ status: 'withdrawn' });
  });

  it('a signal aborted before the wait starts withdraws the held action at once', async () => {
    const gh = client('ts-preabort');
    const err = await gh
      .executeAction({ actionType: 'withdraw.preabort' }, { signal: AbortSignal.abort(new Error('already gone')) })
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe('already gone');
    const page = await server.admin<{ items: Record<string, unknown>[] }>('GET', '/api/v1/actions?agent_id=ts-preabort&limit=1');
    expect(page.items[0]).toMatchObject({ status: 'withdrawn' });
  });

  it('a withdrawal after an answer is a 409, and waiting returns the answer', async () => {
    const gh = client();
    const d = await gh.evaluateAction({ actionType: 'withdraw.race' });
    await server.admin('POST', `/api/v1/approvals/${d.actionId}/approve`, {});
    const w = await gh.withdraw(d.actionId!).catch((e: unknown) => e);
    expect(w).toMatchObject({ status: 409 });
    // waitForDecision sees the approval first and never withdraws it
    expect((await gh.waitForDecision(d.actionId!, { timeoutS: 0 })).decision).toBe(Decision.ALLOWED);
  });

  it('withdraw() is public and idempotent', async () => {
    const gh = client();
    const d = await gh.evaluateAction({ actionType: 'withdraw.manual' });
    expect((await gh.withdraw(d.actionId!, 'changed my mind')).status).toBe('withdrawn');
    expect((await gh.withdraw(d.actionId!)).status).toBe('withdrawn');
  });
});
