import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliverySchema, WebhookViewSchema, type Delivery, type EventEnvelope, type WebhookView } from '../../src-shared/index.js';
import { scheduleBackoff } from '../../src-main/events/webhook-backoff.js';
import { openTestCore, type TestCore } from '../helpers/core.js';
import { Receiver, until } from './receiver.js';

const SECRET = 'whsec-test-0123456789';
/** Risk 100 (rm -rf) with no policies: held for approval by the default thresholds. */
const RISKY = { agent_id: 'claude-code', action_type: 'shell.exec', resource: 'rm -rf ~/build' };

let t: TestCore;
const receivers: Receiver[] = [];

async function receiver(respond: (n: number) => number | 'hang', secret: string | null = SECRET): Promise<Receiver> {
  const r = await Receiver.start(respond, secret);
  receivers.push(r);
  return r;
}

async function createHook(body: Record<string, unknown>): Promise<WebhookView> {
  const res = await t.json<WebhookView>('POST', '/api/v1/webhooks', { body });
  expect(res.status).toBe(201);
  return WebhookViewSchema.parse(res.body);
}

async function deliveries(id: string): Promise<Delivery[]> {
  const res = await t.json<{ items: Delivery[]; next_cursor: string | null }>('GET', `/api/v1/webhooks/${id}/deliveries`);
  expect(res.status).toBe(200);
  return res.body.items.map((d) => DeliverySchema.parse(d));
}

beforeEach(async () => {
  t = await openTestCore();
  t.g.webhooks.configure({ backoff: scheduleBackoff([150], { jitter: 0 }) });
});

afterEach(async () => {
  await t.close();
  for (const r of receivers.splice(0)) await r.close();
});

describe('webhook delivery', () => {
  it('signs like the seeds, retries a 500, and records both attempts', async () => {
    const rx = await receiver((n) => (n === 0 ? 500 : 200));
    const hook = await createHook({ url: rx.url, events: ['approval.requested'], secret: SECRET });
    expect(hook.has_secret).toBe(true);
    expect(JSON.stringify(hook)).not.toContain(SECRET);

    const submitted = await t.json<{ action_id: string; decision: string }>('POST', '/api/v1/actions/submit', { body: RISKY });
    expect(submitted.body.decision).toBe('pending');

    await rx.waitFor(2);
    const [first, second] = rx.received;
    for (const r of [first!, second!]) {
      expect(r.signatureOk).toBe(true);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['user-agent']).toMatch(/^Gatehouse\/\d+\.\d+\.\d+/);
      expect(r.headers['x-gatehouse-event']).toBe('approval.requested');
      expect(r.headers['x-request-timestamp']).toMatch(/^\d{10}$/);
      expect(Math.abs(Number(r.headers['x-request-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
    }
    // The same persisted body and delivery id on every attempt.
    expect(second!.body).toBe(first!.body);
    expect(second!.headers['x-gatehouse-delivery']).toBe(first!.headers['x-gatehouse-delivery']);
    const env = JSON.parse(first!.body) as EventEnvelope;
    expect(env).toMatchObject({ event: 'approval.requested', data: { action_id: submitted.body.action_id, agent_id: 'claude-code' } });
    expect(env.id).toMatch(/^evt_/);

    const [d] = await until(
      async () => {
        const list = await deliveries(hook.id);
        return list[0]?.status === 'delivered' ? list : null;
      },
      10_000,
      'delivered',
    );
    expect(d!.id).toBe(first!.headers['x-gatehouse-delivery']);
    expect(d!.attempts).toBe(2);
    expect(d!.attempt_log.map((a) => a.response_status)).toEqual([500, 200]);
    expect(d!.attempt_log[0]!.error).toMatch(/^HTTP 500/);
    expect(d!.attempt_log[1]!.error).toBeNull();
    expect(d!.delivered_at).not.toBeNull();
    expect(d!.next_attempt_at).toBeNull();
    expect(d!.event_id).toBe(env.id);
  });

  it('sends only subscribed events; `*` gets them all', async () => {
    const rxOne = await receiver(() => 200);
    const rxAll = await receiver(() => 200, null);
    const one = await createHook({ url: rxOne.url, events: ['action.allowed'], secret: SECRET });
    const all = await createHook({ url: rxAll.url, events: ['*'] });
    await t.json('POST', '/api/v1/actions/submit', { body: { agent_id: 'a', action_type: 'file.read', resource: '/tmp/x' } });
    await rxOne.waitFor(1);
    await rxAll.waitFor(2); // action.submitted + action.allowed
    await new Promise((r) => setTimeout(r, 200));
    expect(rxOne.received.map((r) => r.headers['x-gatehouse-event'])).toEqual(['action.allowed']);
    expect(rxAll.received.map((r) => r.headers['x-gatehouse-event']).sort()).toEqual(['action.allowed', 'action.submitted']);
    expect(rxAll.received[0]!.headers['x-signature']).toBeUndefined();
    expect((await deliveries(one.id)).length).toBe(1);
    expect((await deliveries(all.id)).length).toBe(2);
  });

  it('formats Slack deliveries as {"text": ...}', async () => {
    const rx = await receiver(() => 200);
    await createHook({ url: rx.url, events: ['approval.requested'], secret: SECRET, format: 'slack' });
    await t.json('POST', '/api/v1/actions/submit', { body: RISKY });
    await rx.waitFor(1);
    const body = JSON.parse(rx.received[0]!.body) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['text']);
    expect(body.text).toMatch(
      /^:warning: Approval needed: claude-code wants shell\.exec on "rm -rf ~\/build" \(risk \d+ (high|critical)\)$/,
    );
    expect(rx.received[0]!.signatureOk).toBe(true);
  });

  it('resumes deliveries pending at close after a restart', async () => {
    const rx = await receiver((n) => (n === 0 ? 'hang' : 200));
    const hook = await createHook({ url: rx.url, events: ['approval.requested'], secret: SECRET });
    await t.json('POST', '/api/v1/actions/submit', { body: RISKY });
    await rx.waitFor(1); // the first attempt is in flight, and never answered
    const before = await deliveries(hook.id);
    expect(before).toHaveLength(1);
    expect(before[0]).toMatchObject({ status: 'pending', attempts: 0 });

    await t.reopen(); // close cuts the attempt off; the row stays queued on disk
    await rx.waitFor(2);
    const after = await until(
      async () => {
        const list = await deliveries(hook.id);
        return list[0]?.status === 'delivered' ? list : null;
      },
      10_000,
      'delivered after restart',
    );
    expect(after).toHaveLength(1);
    expect(after[0]!.id).toBe(before[0]!.id);
    expect(after[0]!.attempts).toBe(1);
    expect(rx.received[1]!.signatureOk).toBe(true);
    expect(rx.received[1]!.body).toBe(rx.received[0]!.body);
  });

  it('marks a delivery failed once its retry window is over', async () => {
    t.g.webhooks.configure({ backoff: scheduleBackoff([100], { jitter: 0, maxAgeMs: 250 }) });
    const rx = await receiver(() => 503);
    const hook = await createHook({ url: rx.url, events: ['approval.requested'], secret: SECRET });
    await t.json('POST', '/api/v1/actions/submit', { body: RISKY });
    const [d] = await until(
      async () => {
        const list = await deliveries(hook.id);
        return list[0]?.status === 'failed' ? list : null;
      },
      10_000,
      'failed',
    );
    expect(d!.attempts).toBeGreaterThanOrEqual(2);
    expect(d!.attempt_log.every((a) => a.response_status === 503)).toBe(true);
    expect(d!.next_attempt_at).toBeNull();
  });

  it("does not hold one webhook's deliveries behind another's backlog", async () => {
    const slow = await receiver(() => 'hang', null);
    const fast = await receiver(() => 200, null);
    const stuck = await createHook({ url: slow.url, events: ['alert.triggered'] });
    const other = await createHook({ url: fast.url, events: ['alert.triggered'] });
    // Both queues fill before anything is sent: the stuck webhook's backlog is older and longer than a batch.
    t.g.webhooks.configure({ concurrency: 0 });
    for (let i = 0; i < 70; i++) await t.g.webhooks.test(stuck.id);
    await t.g.webhooks.test(other.id);
    t.g.webhooks.configure({ concurrency: 4, perHookConcurrency: 2 });
    await fast.waitFor(1, 3_000);
    await slow.waitFor(2); // it still gets its own share
  });

  it("masks secrets in the receiver's answer before keeping it in the attempt log", async () => {
    const rx = await receiver((n) => (n === 0 ? 500 : 200));
    rx.errorBody = 'rejected: Authorization: Basic RWNob2VkOkJhc2ljUHc= cookie: sid=EchoedSid77';
    const hook = await createHook({ url: rx.url, events: ['approval.requested'], secret: SECRET });
    await t.json('POST', '/api/v1/actions/submit', { body: RISKY });
    const [d] = await until(
      async () => {
        const list = await deliveries(hook.id);
        return list[0]?.status === 'delivered' ? list : null;
      },
      10_000,
      'delivered',
    );
    expect(d!.attempt_log[0]!.error).toMatch(/^HTTP 500: rejected: Authorization: Basic /);
    const shown = JSON.stringify(await deliveries(hook.id));
    expect(shown).not.toContain('RWNob2VkOkJhc2ljUHc=');
    expect(shown).not.toContain('EchoedSid77');
  });

  it('records connection errors as attempts', async () => {
    const rx = await receiver(() => 200);
    const url = rx.url;
    await rx.close();
    receivers.splice(receivers.indexOf(rx), 1);
    const hook = await createHook({ url, events: ['approval.requested'] });
    await t.json('POST', '/api/v1/actions/submit', { body: RISKY });
    const [d] = await until(
      async () => {
        const list = await deliveries(hook.id);
        return (list[0]?.attempts ?? 0) >= 1 ? list : null;
      },
      10_000,
      'an attempt',
    );
    expect(d!.status).toBe('retrying');
    expect(d!.attempt_log[0]!.response_status).toBeNull();
    expect(d!.attempt_log[0]!.error).toBeTruthy();
    expect(d!.next_attempt_at).not.toBeNull();
  });
});

describe('webhook API', () => {
  it('creates, lists, tests and deletes, journaling both changes without the secret', async () => {
    const rx = await receiver(() => 200);
    const hook = await createHook({ url: rx.url, events: ['alert.triggered', 'alert.triggered'], secret: SECRET, name: 'ops' });
    expect(hook).toMatchObject({ name: 'ops', url: rx.url, events: ['alert.triggered'], format: 'json', enabled: true, has_secret: true });

    const list = await t.json<{ items: WebhookView[] }>('GET', '/api/v1/webhooks');
    expect(list.body.items.map((w) => w.id)).toEqual([hook.id]);

    const test = await t.json<Delivery>('POST', `/api/v1/webhooks/${hook.id}/test`);
    expect(test.status).toBe(202);
    expect(DeliverySchema.parse(test.body)).toMatchObject({
      webhook_id: hook.id,
      event: 'alert.triggered',
      status: 'pending',
      attempts: 0,
    });
    await rx.waitFor(1);
    const env = JSON.parse(rx.received[0]!.body) as EventEnvelope;
    expect(env).toMatchObject({ event: 'alert.triggered', data: { kind: 'test', test: true, webhook_id: hook.id } });
    expect(rx.received[0]!.signatureOk).toBe(true);
    await until(async () => (await deliveries(hook.id))[0]?.status === 'delivered', 10_000, 'test delivered');

    const del = await t.json('DELETE', `/api/v1/webhooks/${hook.id}`);
    expect(del).toEqual({ status: 200, body: { deleted: hook.id } });
    expect((await t.json('DELETE', `/api/v1/webhooks/${hook.id}`)).status).toBe(404);
    expect((await t.json('GET', `/api/v1/webhooks/${hook.id}/deliveries`)).status).toBe(404);
    expect((await t.json<{ items: unknown[] }>('GET', '/api/v1/webhooks')).body.items).toEqual([]);

    const audit = await t.json<{ items: { type: string; data: Record<string, unknown> }[] }>('GET', '/api/v1/audit?limit=100');
    const created = audit.body.items.find((r) => r.type === 'webhook.created');
    const deleted = audit.body.items.find((r) => r.type === 'webhook.deleted');
    expect(created?.data).toMatchObject({ webhook_id: hook.id, has_secret: true, events: ['alert.triggered'], format: 'json' });
    expect(deleted?.data).toMatchObject({ webhook_id: hook.id });
    expect(JSON.stringify(audit.body)).not.toContain(SECRET);
  });

  it('validates input and needs an admin key', async () => {
    const bad = await t.json<{ error: { code: string; details: { path: string }[] } }>('POST', '/api/v1/webhooks', {
      body: { url: 'ftp://x', events: ['*'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
    expect(bad.body.error.details[0]!.path).toBe('url');
    expect((await t.json('POST', '/api/v1/webhooks', { body: { url: 'http://127.0.0.1:1/x', events: ['nope'] } })).status).toBe(400);
    expect((await t.json('POST', '/api/v1/webhooks', { body: { url: 'http://127.0.0.1:1/x', events: [] } })).status).toBe(400);
    expect(
      (await t.json('POST', '/api/v1/webhooks', { body: { url: 'http://127.0.0.1:1/x', events: ['*'], secret: 'short' } })).status,
    ).toBe(400);
    expect((await t.json('POST', '/api/v1/webhooks', { body: { url: 'http://127.0.0.1:1/x', events: ['*'], extra: 1 } })).status).toBe(400);
    expect((await t.json('POST', '/api/v1/webhooks', { body: { url: 'http://user:pw@127.0.0.1:1/x', events: ['*'] } })).status).toBe(400);
    expect((await t.json('GET', '/api/v1/webhooks', { key: t.agentKey })).status).toBe(403);
    expect(
      (await t.json('POST', '/api/v1/webhooks', { key: t.agentKey, body: { url: 'http://127.0.0.1:1/x', events: ['*'] } })).status,
    ).toBe(403);
    expect((await t.json('GET', '/api/v1/webhooks', { key: null })).status).toBe(401);
    expect((await t.json('POST', '/api/v1/webhooks/whk_nope/test')).status).toBe(404);
  });

  it('pages deliveries newest first', async () => {
    t.g.webhooks.configure({ concurrency: 0 }); // queue only: nothing is sent
    const hook = await createHook({ url: 'http://127.0.0.1:1/never', events: ['*'] });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await t.json<Delivery>('POST', `/api/v1/webhooks/${hook.id}/test`)).body.id);
      await new Promise((r) => setTimeout(r, 3));
    }
    const page1 = await t.json<{ items: Delivery[]; next_cursor: string }>('GET', `/api/v1/webhooks/${hook.id}/deliveries?limit=3`);
    expect(page1.body.items.map((d) => d.id)).toEqual(ids.slice(-3).reverse());
    const page2 = await t.json<{ items: Delivery[]; next_cursor: string | null }>(
      'GET',
      `/api/v1/webhooks/${hook.id}/deliveries?limit=3&cursor=${page1.body.next_cursor}`,
    );
    expect(page2.body.items.map((d) => d.id)).toEqual(ids.slice(0, 2).reverse());
    expect(page2.body.next_cursor).toBeNull();
    expect((await t.json('GET', `/api/v1/webhooks/${hook.id}/deliveries?cursor=bogus`)).status).toBe(400);
    expect((await t.json('GET', `/api/v1/webhooks/${hook.id}/deliveries?limit=0`)).status).toBe(400);
  });
});

describe('the checkpoint of a clean stop', () => {
  it('is queued for the webhooks that want it and delivered after the restart (webhooks stop after it is signed)', async () => {
    const rx = await receiver(() => 200);
    const hook = await createHook({ url: rx.url, events: ['checkpoint.signed'], secret: SECRET });
    await t.json('POST', '/api/v1/actions/submit', { key: t.agentKey, body: { agent_id: 'a', action_type: 'file.read', resource: 'x' } });
    await t.reopen();
    t.g.webhooks.configure({ backoff: scheduleBackoff([150], { jitter: 0 }) });
    await rx.waitFor(1);
    const events = rx.received.map((r) => (JSON.parse(r.body) as EventEnvelope).event);
    expect(events).toContain('checkpoint.signed');
    expect((await deliveries(hook.id)).some((d) => d.event === 'checkpoint.signed')).toBe(true);
  });
});
