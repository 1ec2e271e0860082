import { afterEach, describe, expect, it } from 'vitest';
import { DOCUMENT_VALUES } from '../../src-shared/api.js';
import { McpServerSchema, McpToolPinSchema } from '../../src-shared/index.js';
import { GatehouseError } from '../../src-main/core/errors.js';
import { readBigBody } from '../../src-main/services/big-bodies.js';
import { toolSha256 } from '../../src-main/services/mcp-registration.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

// An MCP server's tool list may hold a whole generated schema: up to 1 MiB of hundreds of thousands
// of values, which held the main thread 260-500 ms to parse, mask, hash and store, and again to show
// (SPEC 8: no request may hold the event loop over 50 ms). A big registration is read on the secrets
// thread and reduced to hashes and masked texts; the registry is shown from its stored texts, never
// parsed on the main thread. These check the thread is used, and that nothing about the answers changed.

const SECRET = 'CurlUserPw77';
/** A tool whose schema holds ~90,000 values, with a secret in its description. */
const bigTool = (name: string, extra = 0) => ({
  name,
  description: `Runs curl -u bob:${SECRET} against the API`,
  inputSchema: {
    type: 'object',
    properties: Object.fromEntries(Array.from({ length: 30_000 + extra }, (_, i) => [`p${i}`, { type: 'string' }])),
  },
});

let t: TestCore | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const register = (core: TestCore, body: unknown) => core.req('POST', '/mcp/servers/register', { key: core.agentKey, body });

describe('a big MCP server registration', () => {
  it('is read on the secrets thread: pinned as sent, stored and shown masked, exactly as a small one', async () => {
    t = await openTestCore();
    const tool = bigTool('query');
    const small = { name: 'ping', description: 'pong' };
    const r = await register(t, { server_id: 'big', name: 'Big', tools: [tool, small] });
    expect(r.status).toBe(200);
    expect(t.g.secretScans.threadStarted).toBe(true);
    const text = await r.text();
    // The answer is the schema's shape, in its key order, as serialising the parsed objects gives it.
    const server = McpServerSchema.parse(JSON.parse(text));
    expect(JSON.stringify(server)).toBe(text);
    expect(text).not.toContain(SECRET);
    expect(server.tools.map((x) => x.name)).toEqual(['query', 'ping']);
    expect(server.tools[0]!.description).toBe('Runs curl -u bob:…[redacted] against the API');
    const pins = Object.fromEntries(server.tool_pins.map((p) => [p.tool, p]));
    expect(pins.query!.sha256).toBe(toolSha256(tool));
    expect(pins.ping!.sha256).toBe(toolSha256(small));
    expect(Object.keys((pins.query!.definition.inputSchema as { properties: object }).properties)).toHaveLength(30_000);
    // The list shows the same server, from the same stored texts.
    const list = await t.req('GET', '/mcp/servers');
    const listText = await list.text();
    expect(JSON.parse(listText)).toEqual({ items: [server], next_cursor: null });
    expect(listText).toBe(JSON.stringify(JSON.parse(listText)));
  });

  it('notices a changed tool list and a redefined tool as a small one does (the stored names read on the thread too)', async () => {
    t = await openTestCore();
    expect((await register(t, { server_id: 'big', tools: [bigTool('query'), { name: 'old' }] })).status).toBe(200);
    // The same list again writes nothing.
    const seqBefore = t.g.store.head().seq;
    expect((await register(t, { server_id: 'big', tools: [bigTool('query'), { name: 'old' }] })).status).toBe(200);
    expect(t.g.store.head().seq).toBe(seqBefore);
    // A redefined tool and a list change: a pending definition and both alerts.
    const r = await register(t, { server_id: 'big', tools: [bigTool('query', 1), { name: 'new' }] });
    const server = McpServerSchema.parse(await r.json());
    const query = server.tool_pins.find((p) => p.tool === 'query')!;
    expect(query.status).toBe('changed');
    expect(query.pending_sha256).toBe(toolSha256(bigTool('query', 1)));
    // The alerts are written after the answer.
    const alerts = () =>
      t!.g.store.all<{ data: string }>("SELECT data FROM audit WHERE type = 'alert.triggered' ORDER BY seq").map((a) => a.data);
    await expect.poll(() => alerts().length).toBe(2);
    const raised = alerts().join('\n');
    expect(raised).toContain('"added":["new"]');
    expect(raised).toContain('"removed":["old"]');
    expect(raised).toContain('mcp-tool-definition-changed');
    // The pin is shown from its stored texts too.
    const pin = await t.req('GET', '/mcp/servers/big/tools/query', { key: t.agentKey });
    const pinText = await pin.text();
    expect(McpToolPinSchema.parse(JSON.parse(pinText))).toEqual(query);
    expect(pinText).toBe(JSON.stringify(JSON.parse(pinText)));
  });

  it('is refused as the main thread would refuse it, and registers nothing', async () => {
    t = await openTestCore();
    const props = JSON.stringify(bigTool('q').inputSchema);
    const bad = [
      `{"server_id":"big","tools":[{"name":"q","inputSchema":${props.slice(0, -1)},"type":"x"}}]}`,
      `{"server_id":"bad id!","tools":[{"name":"q","inputSchema":${props}}]}`,
      `{"server_id":"big","tools":[{"name":"","inputSchema":${props}}]}`,
    ];
    for (const text of bad) {
      expect(text.length).toBeGreaterThan(64 * 1024);
      let expected: GatehouseError | null = null;
      try {
        readBigBody('mcpRegistration', text, DOCUMENT_VALUES, null);
      } catch (e) {
        expected = e as GatehouseError;
      }
      expect(expected).toBeInstanceOf(GatehouseError);
      const r = await t.req('POST', '/mcp/servers/register', { key: t.agentKey, body: text });
      const answer = (await r.json()) as { error: { code: string; message: string } };
      expect(r.status).toBe(400);
      expect(answer.error).toMatchObject({ code: expected!.code, message: expected!.message });
    }
    expect(t.g.secretScans.threadStarted).toBe(true);
    expect(t.g.store.all('SELECT * FROM mcp_servers')).toEqual([]);
  });
});
