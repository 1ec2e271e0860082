import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatehouseApi, ApiError } from '../../src-shared/client.js';
import { McpServerSchema } from '../../src-shared/index.js';
import { pathOf } from '../../src-shared/routes.js';
import { BASE, openTestCore, type TestCore } from '../helpers/core.js';

/**
 * A tool may have any name (SPEC 9.2 pins whatever the server sends). URL parsers remove `.` and
 * `..` path segments (and their percent-encoded forms), so those names, and every other awkward
 * one, must still be readable and acceptable: through the shared client the console uses, and
 * through the body / query form of the same routes.
 */

let t: TestCore;
let admin: GatehouseApi;
let agent: GatehouseApi;
beforeAll(async () => {
  t = await openTestCore();
  const fetchApp = ((url: string | URL | Request, init?: RequestInit) =>
    Promise.resolve(t.app.request(String(url), init))) as unknown as typeof fetch;
  admin = new GatehouseApi({ baseUrl: BASE, apiKey: t.adminKey, fetch: fetchApp });
  agent = new GatehouseApi({ baseUrl: BASE, apiKey: t.agentKey, fetch: fetchApp });
});
afterAll(() => t.close());

const NAMES = ['.', '..', '...', 'a/b', '../x', '%', '%2e', '%2E%2E', '-', 'résumé', '工具', '🔧 fix', 'a?b#c', ' '];
const tool = (name: string, description: string) => ({ name, description, inputSchema: { type: 'object' } });
const register = (server_id: string, description: string) =>
  t.json('POST', '/mcp/servers/register', { key: t.agentKey, body: { server_id, tools: NAMES.map((n) => tool(n, description)) } });

describe('MCP tool names a URL path cannot carry as they are', () => {
  it('every name can be read and its changed definition accepted through the client the console uses', async () => {
    expect((await register('names', 'v1')).status).toBe(200);
    const changed = McpServerSchema.parse((await register('names', 'v2')).body).tool_pins;
    expect(changed.map((p) => p.tool).sort()).toEqual([...NAMES].sort());
    for (const name of NAMES) {
      const pin = await agent.mcpToolPin('names', name);
      expect(pin.tool, name).toBe(name);
      expect(pin.status, name).toBe('changed');
      const accepted = await admin.acceptMcpTool('names', name, { sha256: pin.pending_sha256! });
      expect(accepted, name).toMatchObject({ tool: name, status: 'pinned', sha256: pin.pending_sha256 });
    }
    // Every pin was accepted, and only once each: nothing else changed.
    const list = await t.json<{ items: { server_id: string }[] }>('GET', '/mcp/servers', { key: t.adminKey });
    const after = McpServerSchema.parse(list.body.items.find((s) => s.server_id === 'names'));
    expect(after.tool_pins.every((p) => p.status === 'pinned' && p.definition.description === 'v2')).toBe(true);
  });

  it('a server id a path cannot carry works the same way', async () => {
    for (const serverId of ['.', '..']) {
      await register(serverId, 'v1');
      await register(serverId, 'v2');
      for (const name of ['.', '..', 'a/b']) {
        const pin = await agent.mcpToolPin(serverId, name);
        expect(pin).toMatchObject({ server_id: serverId, tool: name, status: 'changed' });
        expect(await admin.acceptMcpTool(serverId, name, { sha256: pin.pending_sha256! })).toMatchObject({
          server_id: serverId,
          status: 'pinned',
        });
      }
    }
  });

  it('the body names the tool with `-` in the path; the query does for the pin; a disagreement is a 400 naming the field', async () => {
    await register('names-body', 'v1');
    await register('names-body', 'v2');
    const accept = (pathTool: string, body: Record<string, unknown>) =>
      t.json<{ tool?: string; error?: { message: string; details?: { path: string }[] } }>(
        'POST',
        pathOf('acceptMcpTool', { server_id: 'names-body', tool: pathTool }),
        { key: t.adminKey, body },
      );
    const pin = await t.json<{ tool: string }>('GET', `${pathOf('mcpToolPin', { server_id: 'names-body', tool: '-' })}?tool=..`, {
      key: t.agentKey,
    });
    expect(pin.status).toBe(200);
    expect(pin.body.tool).toBe('..');
    const dots = await accept('-', { tool: '..' });
    expect(dots.status).toBe(200);
    expect(dots.body.tool).toBe('..');
    // The same name in both places is fine; two different names are refused and change nothing.
    expect((await accept('a/b', { tool: 'a/b' })).status).toBe(200);
    const clash = await accept('résumé', { tool: '.' });
    expect(clash.status).toBe(400);
    expect(clash.body.error?.details?.[0]?.path).toBe('tool');
    expect((await agent.mcpToolPin('names-body', '.')).status).toBe('changed');
    expect((await agent.mcpToolPin('names-body', 'résumé')).status).toBe('changed');
    const qClash = await t.json('GET', `${pathOf('mcpToolPin', { server_id: 'names-body', tool: 'x' })}?tool=y`, { key: t.agentKey });
    expect(qClash.status).toBe(400);
    // A tool really named `-`, in the path alone.
    expect((await accept('-', {})).status).toBe(200);
    expect((await agent.mcpToolPin('names-body', '-')).status).toBe('pinned');
    // An unknown name is still a 404, however it is sent.
    await expect(admin.acceptMcpTool('names-body', 'nope..')).rejects.toMatchObject({ status: 404 });
    await expect(agent.mcpToolPin('names-body', '....')).rejects.toBeInstanceOf(ApiError);
  });
});
