import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpServerSchema, McpToolPinSchema } from '../../src-shared/index.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

/** Tool pins at the API (SPEC 9.2): registration pins, a change waits for an accept, one alert per change, idempotent writes. */

let t: TestCore;
beforeAll(async () => {
  t = await openTestCore();
});
afterAll(() => t.close());

const search = (description: string, extra: Record<string, unknown> = {}) => ({
  name: 'search',
  description,
  inputSchema: { type: 'object', properties: { q: { type: 'string' } } },
  ...extra,
});
const register = (tools: unknown[], server_id = 'pins-api') =>
  t.json('POST', '/mcp/servers/register', { key: t.agentKey, body: { server_id, name: 'Pins', tools } });
const audit = async (type: string) =>
  (
    (await t.json('GET', `/api/v1/audit?type=${type}&limit=500`, { key: t.adminKey })).body as {
      items: { data: Record<string, unknown> }[];
    }
  ).items;

describe('MCP tool pins', () => {
  it('pins the whole tool object on first sight, keeps every field, and writes nothing for an unchanged list', async () => {
    const tool = search('Search.', {
      title: 'Search',
      annotations: { readOnlyHint: true },
      outputSchema: { type: 'object' },
      _meta: { 'x/y': 1 },
    });
    const first = await register([tool]);
    expect(first.status).toBe(200);
    const s = McpServerSchema.parse(first.body);
    expect(s.tool_pins).toHaveLength(1);
    const pin = McpToolPinSchema.parse(s.tool_pins[0]);
    expect(pin).toMatchObject({ tool: 'search', status: 'pinned', definition: tool, pending_sha256: null });
    const before = (await audit('mcp.server_registered')).length;
    expect((await register([tool])).status).toBe(200);
    expect((await register([{ ...tool }])).status).toBe(200);
    expect((await audit('mcp.server_registered')).length).toBe(before);
  });

  it('a changed definition waits for an accept; one alert per change; reverting clears it', async () => {
    const alerts = async () => (await audit('alert.triggered')).filter((r) => r.data.kind === 'mcp-tool-definition-changed').length;
    const a0 = await alerts();
    await register([search('v1')], 'pins-change');
    const changed = McpServerSchema.parse((await register([search('v2')], 'pins-change')).body).tool_pins[0]!;
    expect(changed.status).toBe('changed');
    expect(changed.definition.description).toBe('v1');
    expect(changed.pending_definition?.description).toBe('v2');
    await register([search('v2')], 'pins-change'); // the same change again: no second alert
    await expect.poll(alerts).toBe(a0 + 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(await alerts()).toBe(a0 + 1);

    const got = await t.json('GET', '/mcp/servers/pins-change/tools/search', { key: t.agentKey });
    expect(got.status).toBe(200);
    expect(McpToolPinSchema.parse(got.body).pending_sha256).toBe(changed.pending_sha256);

    // Back to the pinned definition: nothing pending any more.
    const back = McpServerSchema.parse((await register([search('v1')], 'pins-change')).body).tool_pins[0]!;
    expect(back.status).toBe('pinned');
    await register([search('v3')], 'pins-change');
    await expect.poll(alerts).toBe(a0 + 2);
  });

  it('accept: admin only, bound to the definition shown, 404 for an unknown tool, 409 when nothing is pending, 400 for a bad body', async () => {
    await register([search('a')], 'pins-accept');
    const c = McpServerSchema.parse((await register([search('b')], 'pins-accept')).body).tool_pins[0]!;
    const path = '/mcp/servers/pins-accept/tools/search/accept';
    expect((await t.json('POST', path, { key: t.agentKey, body: {} })).status).toBe(403);
    expect((await t.json('POST', path, { key: t.adminKey, body: { sha256: 'nope' } })).status).toBe(400);
    expect((await t.json('POST', path, { key: t.adminKey, body: { sha256: c.sha256, extra: 1 } })).status).toBe(400);
    expect((await t.json('POST', path, { key: t.adminKey, body: { sha256: c.sha256 } })).status).toBe(409);
    expect((await t.json('POST', '/mcp/servers/pins-accept/tools/missing/accept', { key: t.adminKey, body: {} })).status).toBe(404);
    const ok = await t.json('POST', path, { key: t.adminKey, body: { sha256: c.pending_sha256 } });
    expect(ok.status).toBe(200);
    expect(McpToolPinSchema.parse(ok.body)).toMatchObject({ status: 'pinned', sha256: c.pending_sha256, pending_sha256: null });
    expect((await t.json('POST', path, { key: t.adminKey })).status).toBe(409);
    expect((await audit('mcp.tool_accepted')).some((r) => r.data.server_id === 'pins-accept' && r.data.previous_sha256 === c.sha256)).toBe(
      true,
    );
    expect((await t.json('GET', '/mcp/servers/pins-accept/tools/missing', { key: t.agentKey })).status).toBe(404);
  });

  it('counts calls per tool', async () => {
    await register([search('x')], 'pins-calls');
    for (let i = 0; i < 3; i++)
      await t.json('POST', '/api/v1/actions/submit', {
        key: t.agentKey,
        body: { agent_id: 'mcp-client', action_type: 'mcp.tool_call', mcp: { server_id: 'pins-calls', tool: 'search' }, parameters: {} },
      });
    await expect
      .poll(
        async () => McpToolPinSchema.parse((await t.json('GET', '/mcp/servers/pins-calls/tools/search', { key: t.agentKey })).body).calls,
      )
      .toBe(3);
  });

  it('stores and shows a definition with its secrets masked, while the pin is the hash of the tool as sent', async () => {
    const { toolSha256 } = await import('../../src-main/services/mcp-registration.js');
    const secret = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
    const leaky = search(`Search with token=${secret}`);
    const first = McpServerSchema.parse((await register([leaky], 'pins-secret')).body);
    const pin = first.tool_pins[0]!;
    expect(pin.sha256).toBe(toolSha256(leaky as never));
    expect(JSON.stringify(pin)).not.toContain(secret);
    const changed = McpServerSchema.parse((await register([search(`Search, token=${secret}`)], 'pins-secret')).body).tool_pins[0]!;
    expect(changed.status).toBe('changed');
    expect(JSON.stringify(changed.pending_definition)).not.toContain(secret);
    const records = JSON.stringify(await audit('mcp.server_registered'));
    expect(records).not.toContain(secret);
  });
});
