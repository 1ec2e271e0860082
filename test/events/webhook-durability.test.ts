import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebhookViewSchema, type Delivery, type EventEnvelope, type WebhookView } from '../../src-shared/index.js';
import { scheduleBackoff } from '../../src-main/events/webhook-backoff.js';
import { sqlite } from '../../src-main/storage/sqlite.js';
import { StorageUnavailableError, type Op, type Store } from '../../src-main/storage/types.js';
import { openTestCore, type TestCore } from '../helpers/core.js';
import { Receiver, until } from './receiver.js';

/** Held for approval by the default thresholds (risk 100). */
const RISKY = { agent_id: 'claude-code', action_type: 'shell.exec', resource: 'rm -rf ~/build' };

let t: TestCore;
const receivers: Receiver[] = [];

async function receiver(respond: (n: number) => number | 'hang'): Promise<Receiver> {
  const r = await Receiver.start(respond, null);
  receivers.push(r);
  return r;
}

async function createHook(body: Record<string, unknown>): Promise<WebhookView> {
  const res = await t.json<WebhookView>('POST', '/api/v1/webhooks', { body });
  expect(res.status).toBe(201);
  return WebhookViewSchema.parse(res.body);
}

async function deliveries(id: string): Promise<Delivery[]> {
  const res = await t.json<{ items: Delivery[] }>('GET', `/api/v1/webhooks/${id}/deliveries?limit=500`);
  expect(res.status).toBe(200);
  return res.body.items;
}

const queuesDeliveries = (ops: unknown) => Array.isArray(ops) && (ops as Op[]).some((o) => /INTO deliveries/.test(o.sql));

/**
 * Fault injection at the store: every commit that queues webhook deliveries is answered by `fate`
 * (never settles = the process died before it was written; rejects = the disk refused it), while
 * the action's own commit goes through and is acknowledged.
 */
function breakDeliveryCommits(store: Store, fate: 'crash' | 'fail'): () => void {
  const real = store.commit.bind(store);
  store.commit = ((ops, audit) => {
    if (!queuesDeliveries(ops)) return real(ops, audit);
    return fate === 'crash' ? new Promise(() => undefined) : Promise.reject(new StorageUnavailableError('injected: disk refused'));
  }) as Store['commit'];
  return () => {
    store.commit = real;
  };
}

beforeEach(async () => {
  t = await openTestCore();
  t.g.webhooks.configure({ backoff: scheduleBackoff([150], { jitter: 0 }) });
});

afterEach(async () => {
  await t.close();
  for (const r of receivers.splice(0)) await r.close();
});

describe('webhook deliveries survive the gap after the action commit (SPEC 7.4, 8)', () => {
  it('a crash after the action was acknowledged but before its delivery was written: delivered after the restart', async () => {
    const rx = await receiver(() => 200);
    const hook = await createHook({ url: rx.url, events: ['approval.requested', 'action.submitted'] });
    breakDeliveryCommits(t.g.store, 'crash');

    const submitted = await t.json<{ action_id: string; decision: string }>('POST', '/api/v1/actions/submit', { body: RISKY });
    expect(submitted.status).toBe(200); // acknowledged: committed
    expect(submitted.body.decision).toBe('pending');
    // What kill -9 leaves on disk now: the action, and no delivery for it.
    expect(t.g.store.all('SELECT id FROM deliveries')).toHaveLength(0);
    expect(rx.received).toHaveLength(0);

    await t.reopen(); // the next process
    await rx.waitFor(2);
    const events = rx.received.map((r) => JSON.parse(r.body) as EventEnvelope);
    expect(events.map((e) => e.event).sort()).toEqual(['action.submitted', 'approval.requested']);
    for (const e of events)
      expect(e.data).toMatchObject({ action_id: submitted.body.action_id, agent_id: 'claude-code', decision: 'pending' });
    const list = await until(async () => {
      const l = await deliveries(hook.id);
      return l.length === 2 && l.every((d) => d.status === 'delivered') ? l : null;
    });
    expect(list).toHaveLength(2);

    // Another restart queues nothing twice.
    await t.reopen();
    await t.g.webhooks.recover();
    expect(await deliveries(hook.id)).toHaveLength(2);
    expect(rx.received).toHaveLength(2);
  });

  it('a delivery whose write failed is queued from the log by the next pass, without a restart', async () => {
    const rx = await receiver(() => 200);
    const hook = await createHook({ url: rx.url, events: ['action.completed'] });
    const allowed = await t.json<{ action_id: string; decision: string }>('POST', '/api/v1/actions/submit', {
      body: { agent_id: 'claude-code', action_type: 'file.read', resource: 'README.md' },
    });
    expect(allowed.body.decision).toBe('allowed');
    const heal = breakDeliveryCommits(t.g.store, 'fail');
    const done = await t.json('POST', `/api/v1/actions/${allowed.body.action_id}/complete`, { body: { status: 'success' } });
    expect(done.status).toBe(200);
    await new Promise((r) => setImmediate(r));
    expect(await deliveries(hook.id)).toHaveLength(0);
    heal();

    await t.g.webhooks.recover();
    await rx.waitFor(1);
    const e = JSON.parse(rx.received[0]!.body) as EventEnvelope;
    expect(e).toMatchObject({ event: 'action.completed', data: { action_id: allowed.body.action_id, status: 'completed' } });
    await t.g.webhooks.recover();
    expect(await deliveries(hook.id)).toHaveLength(1);
  });

  it('does not queue twice what the live path queued', async () => {
    const rx = await receiver(() => 200);
    const hook = await createHook({ url: rx.url, events: ['*'] });
    await t.json('POST', '/api/v1/actions/submit', { body: RISKY });
    await rx.waitFor(2);
    const live = await deliveries(hook.id);
    await t.g.webhooks.recover();
    await t.reopen();
    await t.g.webhooks.recover();
    const after = await deliveries(hook.id);
    // The live ones stay, and no event has two deliveries (the restart's checkpoint.signed is a new one).
    expect(after.map((d) => d.id)).toEqual(expect.arrayContaining(live.map((d) => d.id)));
    expect(new Set(after.map((d) => d.event_id)).size).toBe(after.length);
    expect(after.length).toBeGreaterThan(live.length - 1);
  });
});

describe('a webhook over its backlog (maxBacklog)', () => {
  it('counts the events it drops, shows them in its view, and raises one alert per overflow', async () => {
    const rx = await receiver(() => 'hang');
    const hook = await createHook({ url: rx.url, events: ['action.submitted'] });
    const other = await receiver(() => 200);
    await createHook({ url: other.url, events: ['alert.triggered'] });
    t.g.webhooks.configure({ maxBacklog: 2, timeoutMs: 60_000 });

    const quiet = { agent_id: 'claude-code', action_type: 'file.read', resource: 'README.md' }; // allowed, raises no alert
    for (let i = 0; i < 5; i++) await t.json('POST', '/api/v1/actions/submit', { body: quiet });
    const view = await until(async () => {
      const list = await t.json<{ items: WebhookView[] }>('GET', '/api/v1/webhooks');
      const v = list.body.items.find((w) => w.id === hook.id);
      return v && v.dropped === 3 ? v : null;
    });
    expect(WebhookViewSchema.parse(view).last_dropped_at).not.toBeNull();
    expect(await deliveries(hook.id)).toHaveLength(2);

    // One alert for the overflow, audited and sent to the webhooks that want alerts.
    const audit = await t.json<{ items: { type: string; data: Record<string, unknown> }[] }>('GET', '/api/v1/audit?type=alert.triggered');
    const overflows = audit.body.items.filter((r) => r.data.kind === 'webhook-backlog-full' && r.data.webhook_id === hook.id);
    expect(overflows).toHaveLength(1);
    expect(overflows[0]!.data).toMatchObject({ webhook_id: hook.id, max_backlog: 2 });
    await other.waitFor(1);
    expect(other.received).toHaveLength(1);
    expect(JSON.parse(other.received[0]!.body)).toMatchObject({
      event: 'alert.triggered',
      data: { kind: 'webhook-backlog-full', webhook_id: hook.id },
    });

    // The dropped events are not queued later by the recovery from the log, and the count is kept.
    await t.g.webhooks.recover();
    expect(await deliveries(hook.id)).toHaveLength(2);
    await t.reopen();
    const again = await t.json<{ items: WebhookView[] }>('GET', '/api/v1/webhooks');
    expect(again.body.items.find((w) => w.id === hook.id)!.dropped).toBe(3);
  });

  it('a restart during an overflow raises no second alert for it; an overflow after the backlog drained (across a restart too) does', async () => {
    let answer: number | 'hang' = 'hang';
    const rx = await receiver(() => answer);
    const hook = await createHook({ url: rx.url, events: ['action.submitted'] });
    const quiet = { agent_id: 'claude-code', action_type: 'file.read', resource: 'README.md' }; // allowed, raises no alert
    const submit = async (n: number) => {
      for (let i = 0; i < n; i++) await t.json('POST', '/api/v1/actions/submit', { body: quiet });
    };
    const dropped = async () =>
      (await t.json<{ items: WebhookView[] }>('GET', '/api/v1/webhooks')).body.items.find((w) => w.id === hook.id)!.dropped;
    const alerts = async () =>
      (await t.json<{ items: { data: Record<string, unknown> }[] }>('GET', '/api/v1/audit?type=alert.triggered')).body.items.filter(
        (r) => r.data.kind === 'webhook-backlog-full' && r.data.webhook_id === hook.id,
      ).length;
    const reopen = async () => {
      await t.reopen();
      t.g.webhooks.configure({ maxBacklog: 2, timeoutMs: 60_000, backoff: scheduleBackoff([150], { jitter: 0 }) });
    };
    t.g.webhooks.configure({ maxBacklog: 2, timeoutMs: 60_000 });

    await submit(4);
    await until(async () => ((await dropped()) === 2 ? true : null));
    expect(await alerts()).toBe(1);
    // Restarted with the backlog still full: the same overflow goes on, counted, without a new alert.
    await reopen();
    await submit(2);
    await until(async () => ((await dropped()) === 4 ? true : null));
    expect(await alerts()).toBe(1);

    // The receiver answers again: the backlog drains (the restart re-sends what was cut off).
    answer = 200;
    await reopen();
    await until(async () => ((await deliveries(hook.id)).every((d) => d.status === 'delivered') ? true : null));
    // A restart after it drained, then a new overflow: a new alert.
    answer = 'hang';
    await reopen();
    await submit(4);
    await until(async () => ((await dropped()) === 6 ? true : null));
    expect(await alerts()).toBe(2);
  });

  it('a data dir from before the overflow mark gains it on start, and keeps its counts', async () => {
    const rx = await receiver(() => 'hang');
    const hook = await createHook({ url: rx.url, events: ['action.submitted'] });
    t.g.webhooks.configure({ maxBacklog: 0 });
    await t.json('POST', '/api/v1/actions/submit', { body: { agent_id: 'claude-code', action_type: 'file.read', resource: 'README.md' } });
    await until(async () => (t.g.store.get('SELECT 1 AS x FROM webhook_drops WHERE webhook_id = ?', [hook.id]) ? true : null));
    await t.g.close();
    const db = new (sqlite().DatabaseSync)(join(t.dataDir, 'gatehouse.sqlite'));
    db.exec('ALTER TABLE webhook_drops DROP COLUMN overflowing');
    db.close();
    await t.reopen();
    expect(t.g.store.get('SELECT dropped, overflowing FROM webhook_drops WHERE webhook_id = ?', [hook.id])).toEqual({
      dropped: 1,
      overflowing: 0,
    });
  });
});
