import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventEnvelopeSchema, type EventEnvelope } from '../../src-shared/index.js';
import { EventBus } from '../../src-main/events/bus.js';
import { SseHub } from '../../src-main/events/sse.js';
import { eventLog } from '../../src-main/events/record-events.js';

import { startServer, type RunningServer } from '../../src-main/server/serve.js';
import { openTestCore, type TestCore } from '../helpers/core.js';
import { until } from './receiver.js';

interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comment?: string;
}

/** Reads SSE messages off a byte stream. */
class SseReader {
  private buf = '';
  private readonly decoder = new TextDecoder();
  constructor(readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  async next(timeoutMs = 5_000): Promise<SseMessage | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buf.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buf.slice(0, end);
        this.buf = this.buf.slice(end + 2);
        const m: SseMessage = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) m.comment = line.slice(1).trim();
          else {
            const i = line.indexOf(':');
            const k = line.slice(0, i) as keyof SseMessage;
            m[k] = line.slice(i + 1).replace(/^ /, '');
          }
        }
        return m;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no SSE message in time');
      const r = await Promise.race([this.reader.read(), new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), left))]);
      if (r === 'timeout') throw new Error('no SSE message in time');
      if (r.done) return null;
      this.buf += this.decoder.decode(r.value, { stream: true });
    }
  }

  /** The next real event (skipping retry/ping). */
  async event(timeoutMs = 5_000): Promise<{ msg: SseMessage; env: EventEnvelope }> {
    for (;;) {
      const m = await this.next(timeoutMs);
      if (!m) throw new Error('stream ended');
      if (m.event && m.data) return { msg: m, env: EventEnvelopeSchema.parse(JSON.parse(m.data)) };
    }
  }
}

let t: TestCore | null = null;
let server: RunningServer | null = null;
let dataDir: string | null = null;
afterEach(async () => {
  await t?.close();
  await server?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  t = null;
  server = null;
  dataDir = null;
});

describe('GET /api/v1/events over a real socket', () => {
  it('streams events in SPEC 7.3 form, filters, and cleans up when the client goes away', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-sse-'));
    server = await startServer({ dataDir, port: 0, defaultPolicies: false, consoleDir: null });
    const { admin_key: adminKey } = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { admin_key: string };
    const ctrl = new AbortController();
    const res = await fetch(`${server.url}/api/v1/events?events=action.submitted,action.allowed`, {
      headers: { 'X-API-Key': adminKey },
      signal: ctrl.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const sse = new SseReader(res.body!.getReader());
    expect(await sse.next()).toEqual({ retry: '3000' });
    expect(server.g.sse.size).toBe(1);

    const submit = (body: object) =>
      fetch(`${server!.url}/api/v1/actions/submit`, {
        method: 'POST',
        headers: { 'X-API-Key': adminKey, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<{ action_id: string }>);
    await submit({ agent_id: 'sse-agent', action_type: 'shell.exec', resource: 'rm -rf ~/build' }); // pending: only action.submitted passes the filter
    const low = await submit({ agent_id: 'sse-agent', action_type: 'file.read', resource: '/tmp/x' });

    const seen: EventEnvelope[] = [];
    for (let i = 0; i < 3; i++) {
      const { msg, env } = await sse.event();
      expect(msg.id).toBe(env.id);
      expect(msg.event).toBe(env.event);
      seen.push(env);
    }
    expect(seen.map((e) => e.event)).toEqual(['action.submitted', 'action.submitted', 'action.allowed']);
    expect(seen[2]!.data).toMatchObject({ action_id: low.action_id, agent_id: 'sse-agent', decision: 'allowed' });

    ctrl.abort();
    await until(() => server!.g.sse.size === 0, 5_000, 'the stream to be released');
  });

  it('ends open streams when the server stops', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-sse-'));
    server = await startServer({ dataDir, port: 0, defaultPolicies: false, consoleDir: null });
    const { admin_key: adminKey } = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { admin_key: string };
    const res = await fetch(`${server.url}/api/v1/events`, { headers: { 'X-API-Key': adminKey } });
    const sse = new SseReader(res.body!.getReader());
    expect((await sse.next())?.retry).toBe('3000');
    // The position a reconnect resumes from, even if no event comes before it.
    expect((await sse.next())?.id).toMatch(/^pos_\d+$/);
    const closing = server.close();
    server = null;
    let ended = false;
    try {
      ended = (await sse.next(5_000)) === null;
    } catch {
      ended = true; // the socket was cut: also an end
    }
    expect(ended).toBe(true);
    await closing;
  });
});

describe('GET /api/v1/events through app.request', () => {
  it('needs an admin key and rejects unknown event names', async () => {
    t = await openTestCore();
    expect((await t.json('GET', '/api/v1/events', { key: t.agentKey })).status).toBe(403);
    expect((await t.json('GET', '/api/v1/events', { key: null })).status).toBe(401);
    const bad = await t.json<{ error: { code: string; details: { path: string }[] } }>('GET', '/api/v1/events?events=action.nope');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]!.path).toBe('events');
    expect((await t.json('GET', '/api/v1/events?foo=1')).status).toBe(400);
  });

  it('reads events off the body stream; cancelling the body unsubscribes', async () => {
    t = await openTestCore();
    const res = await t.req('GET', '/api/v1/events?events=policy.changed');
    expect(res.status).toBe(200);
    const sse = new SseReader(res.body!.getReader());
    expect((await sse.next())?.retry).toBe('3000');
    const created = await t.json('POST', '/api/v1/policies', { body: { id: 'sse-test', effect: 'deny', when: { action_type: 'x.y' } } });
    expect(created.status).toBe(201);
    const { env } = await sse.event();
    expect(env).toMatchObject({ event: 'policy.changed', data: { change: 'created', policy_id: 'sse-test' } });
    expect(t.g.sse.size).toBe(1);
    await sse.reader.cancel();
    expect(t.g.sse.size).toBe(0);
  });

  it('replays events missed since Last-Event-ID', async () => {
    t = await openTestCore();
    const first = await t.req('GET', '/api/v1/events?events=policy.changed');
    const a = new SseReader(first.body!.getReader());
    await a.next();
    await t.json('POST', '/api/v1/policies', { body: { id: 'p-one', effect: 'deny', when: { action_type: 'x.one' } } });
    const { env: one } = await a.event();
    await a.reader.cancel();
    await t.json('POST', '/api/v1/policies', { body: { id: 'p-two', effect: 'deny', when: { action_type: 'x.two' } } });
    const again = await t.req('GET', '/api/v1/events?events=policy.changed', { headers: { 'Last-Event-ID': one.id } });
    const b = new SseReader(again.body!.getReader());
    await b.next();
    const { env: two } = await b.event();
    expect(two.data).toMatchObject({ policy_id: 'p-two' });
    await b.reader.cancel();
  });
});

describe('SseHub', () => {
  it('drops a client that does not read instead of buffering without bound', async () => {
    const bus = new EventBus();
    const hub = new SseHub(bus, { maxBufferBytes: 4_096 });
    const stream = hub.open(null);
    expect(hub.size).toBe(1);
    for (let i = 0; i < 200; i++) bus.publish('alert.triggered', { kind: 'critical-risk', message: 'x'.repeat(100), i });
    expect(hub.size).toBe(0);
    await expect(stream.getReader().read()).rejects.toThrow(/too slow/);
    hub.close();
  });

  it('keeps a reading client, pings it, and ends it on close', async () => {
    const bus = new EventBus();
    const hub = new SseHub(bus, { pingMs: 30 });
    const sse = new SseReader(hub.open(new Set(['action.denied'] as const)).getReader());
    expect(await sse.next()).toEqual({ retry: '3000' });
    expect(await sse.next()).toEqual({ comment: 'ping' });
    bus.publish('action.allowed', { a: 1 });
    bus.publish('action.denied', { a: 2 });
    const { msg, env } = await sse.event();
    expect(msg.event).toBe('action.denied');
    expect(env.data).toEqual({ a: 2 });
    hub.close();
    for (;;) {
      const m = await sse.next();
      if (m === null) break;
      expect(m.comment).toBe('ping');
    }
    expect(bus.size).toBe(0);
  });

  it('releases a client whose request is aborted', () => {
    const hub = new SseHub(new EventBus());
    const ctrl = new AbortController();
    hub.open(null, { signal: ctrl.signal });
    hub.open(null, { signal: AbortSignal.abort() });
    expect(hub.size).toBe(1);
    ctrl.abort();
    expect(hub.size).toBe(0);
    hub.close();
  });

  it('caps the number of streams', () => {
    const hub = new SseHub(new EventBus(), { maxClients: 2 });
    hub.open(null);
    hub.open(null);
    expect(() => hub.open(null)).toThrow(/At most 2/);
    hub.close();
    expect(() => hub.open(null)).toThrow();
  });
});

describe('resuming from the audit log (Last-Event-ID beyond what is kept in memory)', () => {
  const policy = (id: string) => ({ id, effect: 'deny', when: { action_type: `x.${id}` } });

  async function firstEvent(): Promise<EventEnvelope> {
    const res = await t!.req('GET', '/api/v1/events?events=policy.changed');
    const sse = new SseReader(res.body!.getReader());
    await t!.json('POST', '/api/v1/policies', { body: policy('p-one') });
    const { env } = await sse.event();
    await sse.reader.cancel();
    return env;
  }

  it('replays what was missed across a restart, from the log, with the ids it was published with', async () => {
    t = await openTestCore();
    const one = await firstEvent();
    await t!.reopen(); // the events kept in memory are gone
    await t!.json('POST', '/api/v1/policies', { body: policy('p-two') });
    await t!.json('DELETE', '/api/v1/policies/p-one');
    const live: EventEnvelope[] = [];
    const off = t!.g.bus.subscribe((e) => live.push(e));
    await t!.json('POST', '/api/v1/policies', { body: policy('p-three') });
    off();

    const res = await t!.req('GET', '/api/v1/events?events=policy.changed', { headers: { 'Last-Event-ID': one.id } });
    const sse = new SseReader(res.body!.getReader());
    const got = [(await sse.event()).env, (await sse.event()).env, (await sse.event()).env];
    expect(got.map((e) => [e.data.change, e.data.policy_id])).toEqual([
      ['created', 'p-two'],
      ['deleted', 'p-one'],
      ['created', 'p-three'],
    ]);
    expect(one.id).toMatch(/^evt_\d+\.policy\.changed$/);
    // Made from the log, the last one is the event that was published live (same id and body).
    expect(got[2]!.id).toBe(live[0]!.id);
    expect(got[2]!.data).toEqual(JSON.parse(JSON.stringify(live[0]!.data)));
    // And live events follow, once each.
    await t!.json('POST', '/api/v1/policies', { body: policy('p-four') });
    expect((await sse.event()).env.data).toMatchObject({ policy_id: 'p-four' });
    await sse.reader.cancel();
  });

  it('says `reset` (reload) when it cannot resume: an unknown id, or more missed than it reads', async () => {
    t = await openTestCore();
    const unknown = await t!.req('GET', '/api/v1/events', { headers: { 'Last-Event-ID': 'evt_mx1abcdefghijkl' } });
    const a = new SseReader(unknown.body!.getReader());
    expect(await a.next()).toEqual({ retry: '3000' });
    const reset = await a.next();
    expect(reset?.event).toBe('reset');
    expect(JSON.parse(reset!.data!)).toMatchObject({ reason: expect.stringMatching(/not an event of this log/) });
    expect(reset?.id).toMatch(/^pos_\d+$/);
    await a.reader.cancel();

    // Resuming from the position a reset (or a fresh stream) gave works.
    const from = reset!.id!;
    await t!.json('POST', '/api/v1/policies', { body: policy('p-after') });
    const b = new SseReader(
      (await t!.req('GET', '/api/v1/events?events=policy.changed', { headers: { 'Last-Event-ID': from } })).body!.getReader(),
    );
    expect((await b.event()).env.data).toMatchObject({ policy_id: 'p-after' });
    await b.reader.cancel();

    // Further behind than a resumption reads.
    const one = await firstEvent();
    for (const id of ['q1', 'q2', 'q3']) await t!.json('POST', '/api/v1/policies', { body: policy(id) });
    const hub = new SseHub(t!.g.bus, { maxResumeRecords: 2 }, eventLog(t!.g.store));
    const c = new SseReader(hub.open(null, { lastEventId: one.id }).getReader());
    await c.next();
    const far = await c.next();
    expect(far?.event).toBe('reset');
    expect(JSON.parse(far!.data!).reason).toMatch(/more than 2 records/);
    hub.close();
  });

  it('replays a long gap in slices, in order', async () => {
    t = await openTestCore();
    const one = await firstEvent();
    for (let i = 0; i < 12; i++) await t!.json('POST', '/api/v1/policies', { body: policy(`s${i}`) });
    const hub = new SseHub(new EventBus(), { resumeSlice: 3 }, eventLog(t!.g.store));
    const sse = new SseReader(hub.open(new Set(['policy.changed'] as const), { lastEventId: one.id }).getReader());
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(String((await sse.event()).env.data.policy_id));
    expect(ids).toEqual(Array.from({ length: 12 }, (_, i) => `s${i}`));
    hub.close();
  });
});
