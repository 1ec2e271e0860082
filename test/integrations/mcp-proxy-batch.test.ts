import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, NODE, startServer, type LiveServer } from './helpers.js';
import { EXACT_SERVER, RawProxy, receivedLines } from './mcp-raw.js';

/**
 * JSON-RPC 2.0 batches (MCP 2025-03-26): a batch the client sends is answered with one array
 * holding the answer to each of its requests, the server's and the proxy's own (a blocked call)
 * alike, each element as its exact text; a batch of notifications alone gets no answer; an empty
 * batch is one Invalid Request error. Towards the server each element passes as its exact text.
 */

let server: LiveServer;
let dir: string;
const procs: RawProxy[] = [];
let n = 0;

function proxy(serverId: string): { p: RawProxy; log: string } {
  const log = join(dir, `received-${++n}.jsonl`);
  const p = new RawProxy(
    ['--server-id', serverId, '--', NODE, EXACT_SERVER],
    cleanEnv({ GATEHOUSE_HOME: server.dataDir, FIXTURE_LOG: log }),
  );
  procs.push(p);
  return { p, log };
}

async function handshake(p: RawProxy): Promise<void> {
  p.send(
    '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}',
  );
  await p.answer('0');
  p.send('{"jsonrpc":"2.0","method":"notifications/initialized"}');
}

/** The next line the proxy writes that is a JSON array (a batch answer). */
const nextBatch = (p: RawProxy) => p.next((l) => l.trimStart().startsWith('['));
const ids = (batch: string) => (JSON.parse(batch) as { id: unknown }[]).map((m) => m.id);

beforeAll(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-mcp-batch-'));
  await server.admin('POST', '/api/v1/policies', {
    id: 'deny-batch-secret',
    name: 'no secrets',
    effect: 'deny',
    priority: 600,
    when: { 'mcp.tool': 'echo', 'parameters.text': 'secret' },
  });
}, 60_000);

afterAll(async () => {
  for (const p of procs) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('2025-03-26 batches', () => {
  it("answers a batch with one array: the server's answers and the proxy's own, each as its exact text", async () => {
    const { p, log } = proxy('batch-mixed');
    await handshake(p);
    const ping = '{"jsonrpc":"2.0","id":"b1","method":"ping"}';
    const allowed = '{"jsonrpc":"2.0","id":"b3","method":"tools/call","params":{"name":"exact","arguments":{}}}';
    p.send(
      `[${ping}, {"jsonrpc":"2.0","id":"b2","method":"tools/call","params":{"name":"echo","arguments":{"text":"secret"}}},` +
        ` {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"t","progress":1}}, ${allowed}]`,
    );
    const batch = await nextBatch(p);
    expect(ids(batch).sort()).toEqual(['b1', 'b2', 'b3']);
    const got = JSON.parse(batch) as { id: string; result: { content?: { text: string }[]; isError?: boolean } }[];
    expect(got.find((m) => m.id === 'b2')!.result).toMatchObject({ isError: true });
    expect(got.find((m) => m.id === 'b2')!.result.content![0]!.text).toContain('Blocked by Gatehouse');
    // The server's answers are in it byte for byte (big integers, 1.0, key order).
    expect(batch).toContain('{"jsonrpc":"2.0","id":"b1","result":{}}');
    expect(batch).toContain(
      '{"jsonrpc":"2.0","id":"b3","result":{"z":1,"content":[{"type":"text","text":"exact"}],"big":12345678901234567890123,"n":9007199254740993,"f":1.0,"e":1E2,"a":"\\u00e9"}}',
    );
    // None of the batch's answers came on its own.
    expect(p.lines.filter((l) => !l.trimStart().startsWith('[') && /"id":"b[123]"/.test(l))).toEqual([]);
    // Towards the server: the elements it may see, each as its exact text; never the refused call.
    expect(receivedLines(log)).toEqual(expect.arrayContaining([ping, allowed]));
    expect(receivedLines(log).some((l) => l.includes('secret'))).toBe(false);
  });

  it('a batch whose calls are all refused is answered by the proxy alone, as one array', async () => {
    const { p } = proxy('batch-refused');
    await handshake(p);
    const call = (id: number) =>
      `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"text":"secret"}}}`;
    p.send(`[${call(11)},${call(12)}]`);
    const batch = await nextBatch(p);
    expect(ids(batch).sort()).toEqual([11, 12]);
    expect(batch).toContain('Blocked by Gatehouse');
  });

  it('a one-element batch is still answered as an array; single messages are not', async () => {
    const { p } = proxy('batch-one');
    await handshake(p);
    p.send('[{"jsonrpc":"2.0","id":21,"method":"ping"}]');
    expect(await nextBatch(p)).toBe('[{"jsonrpc":"2.0","id":21,"result":{}}]');
    p.send('{"jsonrpc":"2.0","id":22,"method":"ping"}');
    expect(await p.answer('22')).toBe('{"jsonrpc":"2.0","id":22,"result":{}}');
  });

  it('a batch of notifications gets no answer; an empty batch gets one Invalid Request error', async () => {
    const { p, log } = proxy('batch-notes');
    await handshake(p);
    const note = '{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}';
    p.send(`[${note}]`);
    p.send('[]');
    expect(JSON.parse(await p.next((_, m) => m.id === null))).toMatchObject({ error: { code: -32600 } });
    p.send('{"jsonrpc":"2.0","id":31,"method":"ping"}');
    await p.answer('31'); // everything sent before it has been handled
    expect(receivedLines(log)).toContain(note);
    expect(p.lines.filter((l) => l.trimStart().startsWith('['))).toEqual([]);
  });

  it('a request of the batch that the client cancels does not hold the others', async () => {
    const { p } = proxy('batch-cancel');
    await handshake(p);
    p.send(
      '[{"jsonrpc":"2.0","id":41,"method":"ping"},{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"hang","arguments":{}}}]',
    );
    p.send('{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":42,"reason":"user"}}');
    expect(await nextBatch(p)).toBe('[{"jsonrpc":"2.0","id":41,"result":{}}]');
  });

  it('an element that is not an object gets its own Invalid Request error; the others are handled (and governed) as usual', async () => {
    const { p, log } = proxy('batch-invalid');
    await handshake(p);
    const allowed = '{"jsonrpc":"2.0","id":"v3","method":"tools/call","params":{"name":"exact","arguments":{}}}';
    p.send(
      `[1, {"jsonrpc":"2.0","id":"v1","method":"ping"}, "x", {"jsonrpc":"2.0","id":"v2","method":"tools/call","params":{"name":"echo","arguments":{"text":"secret"}}}, ${allowed}]`,
    );
    const batch = await nextBatch(p);
    const got = JSON.parse(batch) as { id: unknown; error?: { code: number; message: string }; result?: { isError?: boolean } }[];
    expect(got).toHaveLength(5);
    const invalid = got.filter((m) => m.id === null);
    expect(invalid).toEqual([
      { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' }, id: null },
      { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' }, id: null },
    ]);
    expect(got.find((m) => m.id === 'v2')!.result).toMatchObject({ isError: true });
    expect(batch).toContain('{"jsonrpc":"2.0","id":"v1","result":{}}');
    expect(batch).toContain('"id":"v3","result":{"z":1,"content":[{"type":"text","text":"exact"}],"big":12345678901234567890123');
    // The server sees the valid elements, each as its exact text, and never the refused call.
    expect(receivedLines(log)).toEqual(expect.arrayContaining(['{"jsonrpc":"2.0","id":"v1","method":"ping"}', allowed]));
    expect(receivedLines(log).some((l) => l.includes('secret'))).toBe(false);
    // Only invalid elements: one error each, at once.
    p.send('[1, null]');
    expect(JSON.parse(await nextBatch(p))).toEqual([
      { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' }, id: null },
      { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' }, id: null },
    ]);
  });
});
