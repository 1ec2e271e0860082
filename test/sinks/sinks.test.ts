import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestCore, type TestCore } from '../helpers/core.js';
import { cleanupDirs, tempDir } from '../storage/helpers.js';
import { hecReceiver, otlpReceiver, syslogReceiver, type SinkReceiver } from './receivers.js';
import { addRecords } from '../audit/records.js';
import { parseFrames } from './syslog-parse.js';

let core: TestCore | null = null;
const receivers: SinkReceiver[] = [];
afterEach(async () => {
  await core?.close();
  core = null;
  for (const r of receivers.splice(0)) await r.close();
  cleanupDirs();
});

const add = (t: TestCore, n: number) =>
  addRecords(t, n, (i) => ({
    type: 'action.decided',
    actor: 'agent:sink-test',
    data: { i, risk: { level: (['low', 'medium', 'high', 'critical'] as const)[i % 4]! } },
  }));

interface Status {
  cursor: number;
  head: number;
  lag: number;
  state: string;
  failures: number;
  last_error: string | null;
  last_success_at: string | null;
}
const status = async (t: TestCore, id: string) => (await t.json<Status>('GET', `/api/v1/sinks/${id}/status`)).body;

async function exportLines(t: TestCore): Promise<string[]> {
  return (await (await t.req('GET', '/api/v1/audit/export?format=jsonl')).text()).trimEnd().split('\n');
}

/** Every record exactly as exported, in order; a re-sent batch may repeat records (at least once) but never reorders or skips. */
function expectInOrder(got: string[], want: string[]): void {
  const seqs = got.map((l) => (JSON.parse(l) as { seq: number }).seq);
  let max = 0;
  for (let i = 0; i < seqs.length; i++) {
    const s = seqs[i]!;
    // Each record follows the one before it, or a batch is re-sent from an earlier cursor (at least once)...
    if (i > 0 && s !== seqs[i - 1]! + 1) expect(s, `seq ${s} after ${seqs[i - 1]}`).toBeLessThanOrEqual(seqs[i - 1]!);
    // ...and a record never seen before is always the next one: nothing is skipped.
    if (s > max) expect(s).toBe(max + 1);
    max = Math.max(max, s);
  }
  const firstSeen = new Map<number, string>();
  for (const l of got) firstSeen.set((JSON.parse(l) as { seq: number }).seq, l);
  expect([...firstSeen.keys()].sort((a, b) => a - b)).toEqual(want.map((_, i) => i + 1));
  for (const w of want) expect(firstSeen.get((JSON.parse(w) as { seq: number }).seq)).toBe(w);
}

describe('SIEM sinks (SPEC 7.8)', () => {
  it('HEC, syslog (RFC 5424 over TCP), OTLP/HTTP and a file get every record in seq order through a 503 outage and a server restart', async () => {
    core = await openTestCore({ checkpoints: { enabled: false } });
    const token = 'hec-token-0123456789abcdef';
    const hec = await hecReceiver(token);
    const sys = await syslogReceiver();
    const otlp = await otlpReceiver();
    receivers.push(hec, sys, otlp);
    const file = join(tempDir('gh-sink-file-'), 'gatehouse.jsonl');
    const bodies = [
      { type: 'splunk_hec', url: `http://127.0.0.1:${hec.port}`, token, name: 'splunk' },
      { type: 'syslog', host: '127.0.0.1', port: sys.port },
      { type: 'otlp_http', url: `http://127.0.0.1:${otlp.port}/`, batch_size: 64 },
      { type: 'file', path: file },
    ];
    const ids: string[] = [];
    for (const b of bodies) {
      const r = await core.json<{ id: string; token_hint: string | null; target: string }>('POST', '/api/v1/sinks', { body: b });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      ids.push(r.body.id);
    }
    const list = await core.json<{ items: { token_hint: string | null; target: string }[] }>('GET', '/api/v1/sinks');
    expect(list.body.items[0]).toMatchObject({ token_hint: '…cdef', target: `http://127.0.0.1:${hec.port}` });
    expect(JSON.stringify(list.body)).not.toContain(token);

    await add(core, 300);
    const caughtUp = () => Promise.all(ids.map((id) => status(core!, id).then((s) => s.lag)));
    await expect.poll(caughtUp, { timeout: 15_000 }).toEqual([0, 0, 0, 0]);
    expect((await status(core, ids[0]!)).last_success_at).not.toBeNull();

    // An outage: the HTTP collectors answer 503, the syslog collector refuses connections.
    await hec.down();
    await otlp.down();
    await sys.down();
    await add(core, 200);
    await expect.poll(() => status(core!, ids[0]!).then((s) => s.last_error ?? ''), { timeout: 10_000 }).toContain('HTTP 503');
    await expect.poll(() => status(core!, ids[1]!).then((s) => s.last_error ?? ''), { timeout: 10_000 }).toMatch(/ECONNREFUSED/);
    const during = await status(core, ids[0]!);
    expect(during).toMatchObject({ state: 'retrying' });
    expect(during.lag).toBeGreaterThanOrEqual(200);

    // Gatehouse restarts during the outage: the cursors were persisted.
    await core.reopen({ checkpoints: { enabled: false } });
    await add(core, 100);
    await hec.up();
    await otlp.up();
    await sys.up();
    await expect.poll(caughtUp, { timeout: 30_000 }).toEqual([0, 0, 0, 0]);

    const want = await exportLines(core);
    expect(want.length).toBeGreaterThan(600);
    expectInOrder(hec.lines, want);
    expectInOrder(sys.lines, want);
    expectInOrder(otlp.lines, want);
    expectInOrder(readFileSync(file, 'utf8').trimEnd().split('\n'), want);
    expect(sys.frames).toBeGreaterThanOrEqual(want.length); // every frame parsed as RFC 5424

    // The token never reached the audit log.
    expect(want.join('\n')).not.toContain(token);
    expect(want.some((l) => l.includes('"type":"sink.created"'))).toBe(true);
  }, 90_000);

  it('syslog: a receiver that accepts and hangs up without reading (a collector shedding load, a balancer with no backend) gets nothing counted as delivered', async () => {
    core = await openTestCore({ checkpoints: { enabled: false } });
    // Hangs up at once (its FIN), reads nothing, and drops the connection a moment later; then, told
    // to, becomes a working receiver that reads each connection to its end.
    let reading = false;
    const got: Buffer[] = [];
    const sockets = new Set<Socket>();
    const server = createTcpServer((sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      sock.on('error', () => undefined);
      if (!reading) {
        sock.pause();
        sock.end();
        setTimeout(() => sock.destroy(), 300).unref();
        return;
      }
      const chunks: Buffer[] = [];
      sock.on('data', (c: Buffer) => chunks.push(c));
      sock.on('end', () => {
        got.push(Buffer.concat(chunks));
        sock.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    receivers.push({
      seqs: [],
      lines: [],
      port: 0,
      down: async () => undefined,
      up: async () => undefined,
      close: () =>
        new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          server.close(() => r());
        }),
    });
    const port = (server.address() as AddressInfo).port;
    await add(core, 50);
    const created = await core.json<{ id: string }>('POST', '/api/v1/sinks', { body: { type: 'syslog', host: '127.0.0.1', port } });
    const id = created.body.id;
    await expect.poll(() => status(core!, id), { timeout: 15_000 }).toSatisfy((s: Status) => s.failures > 0 || s.cursor > 0);
    const after = await status(core, id);
    expect(after.cursor, 'a batch nobody read was counted as delivered').toBe(0);
    expect(after.last_error).toMatch(/closed the connection/);
    expect(got).toHaveLength(0);

    reading = true;
    await expect.poll(() => status(core!, id).then((s) => s.lag), { timeout: 20_000 }).toBe(0);
    const lines = parseFrames(Buffer.concat(got)).map((f) => f.msg.slice(1));
    expectInOrder(lines, await exportLines(core));
  }, 60_000);

  it('never shows a sink token back: not in an error a receiver echoes it in, not in a URL (refused, naming url)', async () => {
    core = await openTestCore({ checkpoints: { enabled: false } });
    const token = 'hec-secret-0123456789abcdefghij';
    // A collector (or a proxy's error page) that echoes the request's Authorization header.
    const echo = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(401).end(`invalid credentials: ${req.headers.authorization ?? ''} ${'x'.repeat(170)}`));
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    receivers.push({
      seqs: [],
      lines: [],
      port: 0,
      down: async () => undefined,
      up: async () => undefined,
      close: () => new Promise<void>((r) => echo.close(() => r())),
    });
    const port = (echo.address() as AddressInfo).port;
    await add(core, 5);
    for (const type of ['splunk_hec', 'otlp_http']) {
      const created = await core.json<{ id: string }>('POST', '/api/v1/sinks', { body: { type, url: `http://127.0.0.1:${port}`, token } });
      expect(created.status).toBe(201);
      await expect.poll(() => status(core!, created.body.id).then((s) => s.last_error ?? ''), { timeout: 10_000 }).toContain('HTTP 401');
      const shown = JSON.stringify(await status(core, created.body.id));
      // Neither the token nor any 8 characters of it.
      for (let i = 0; i + 8 <= token.length; i++) expect(shown).not.toContain(token.slice(i, i + 8));
    }

    const withCredentials = await core.json<{ error: { details: { path: string; message: string }[] } }>('POST', '/api/v1/sinks', {
      body: { type: 'otlp_http', url: `http://user:${token}@127.0.0.1:${port}/` },
    });
    expect(withCredentials.status).toBe(400);
    expect(withCredentials.body.error.details).toEqual([expect.objectContaining({ path: 'url' })]);
    expect(JSON.stringify(withCredentials.body)).not.toContain(token);
  }, 30_000);

  it("masks secrets in the collector's answer before keeping it as the last error, and in the sink's name", async () => {
    core = await openTestCore({ checkpoints: { enabled: false } });
    const token = 'hec-token-0123456789abcdef';
    const hec = await hecReceiver(token);
    receivers.push(hec);
    const name = 'splunk pass=SinkNamePw7';
    const created = await core.json<{ id: string; name: string }>('POST', '/api/v1/sinks', {
      body: { type: 'splunk_hec', url: `http://127.0.0.1:${hec.port}`, token, name },
    });
    expect(created.status).toBe(201);
    expect(created.body.name).not.toContain('SinkNamePw7');
    // A collector that echoes a credential back in its error (here one only the newer catalogue kinds find).
    await hec.down('{"text":"bad request: Authorization: Splunk EchoedTok3n9 with pass=EchoedPw77"}');
    await add(core, 5);
    await expect.poll(() => status(core!, created.body.id).then((s) => s.last_error ?? ''), { timeout: 10_000 }).toContain('HTTP 503');
    const shown = JSON.stringify(await status(core, created.body.id));
    expect(shown).not.toContain('EchoedTok3n9');
    expect(shown).not.toContain('EchoedPw77');
    const listed = await (await core.req('GET', '/api/v1/sinks')).text();
    const exported = await (await core.req('GET', '/api/v1/audit/export?format=jsonl')).text();
    for (const out of [listed, exported]) expect(out).not.toContain('SinkNamePw7');
  });

  it('validates sinks (400 naming the field), removes them, and answers 404 for unknown ones', async () => {
    core = await openTestCore({ checkpoints: { enabled: false } });
    const bad = async (body: unknown) =>
      (await core!.json<{ error: { details: { path: string }[] } }>('POST', '/api/v1/sinks', { body })).body;
    expect((await bad({ type: 'syslog', host: '127.0.0.1' })).error.details.map((d) => d.path)).toContain('port');
    expect((await bad({ type: 'file', path: 'relative.jsonl' })).error.details.map((d) => d.path)).toContain('path');
    expect((await bad({ type: 'splunk_hec', url: 'ftp://x' })).error.details.length).toBeGreaterThan(0);
    expect((await core.json('POST', '/api/v1/sinks', { body: { type: 'kafka' } })).status).toBe(400);
    const created = await core.json<{ id: string }>('POST', '/api/v1/sinks', { body: { type: 'file', path: join(tempDir(), 'x.jsonl') } });
    expect((await core.json('GET', `/api/v1/sinks/${created.body.id}/status`, { key: core.agentKey })).status).toBe(403);
    expect((await core.json('DELETE', `/api/v1/sinks/${created.body.id}`)).status).toBe(200);
    expect((await core.json('GET', `/api/v1/sinks/${created.body.id}/status`)).status).toBe(404);
    expect((await core.json('DELETE', '/api/v1/sinks/snk_nope')).status).toBe(404);
  });
});
