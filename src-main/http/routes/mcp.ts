import { Hono } from 'hono';
import { McpEvaluateSchema, McpServerRegisterSchema, McpToolAcceptSchema, SeedPolicySchema } from '../../../src-shared/index.js';
import type { Gatehouse } from '../../core/gatehouse.js';
import { seedToPolicy } from '../../engine/index.js';
import { toMcpDecision } from '../../services/mcp.js';
import { toHttpError } from '../../services/policies.js';
import { readJson } from '../body.js';
import { HttpError, notFound } from '../errors.js';
import type { AppEnv } from '../env.js';
import { requireScope } from '../middleware/auth.js';

/** The seeds' MCP governance API, answering with the upper-case decisions the seeds expect. */
export function mcpRoutes(g: Gatehouse) {
  const r = new Hono<AppEnv>();
  r.post('/mcp/governance/evaluate', async (c) => {
    const body = await readJson(c, McpEvaluateSchema);
    const p = c.get('principal');
    const decision = await g.actions.submit(g.mcp.toActionRequest(body), { boundAgentId: p.agentId, keyId: p.id });
    return c.json(toMcpDecision(decision));
  });
  r.post('/mcp/servers/register', async (c) => {
    const body = await readJson(c, McpServerRegisterSchema);
    const p = c.get('principal');
    return c.json(await g.mcp.register(body, p.scope === 'admin' ? 'user' : `agent:${p.agentId ?? 'mcp-proxy'}`));
  });
  r.get('/mcp/servers', requireScope('admin'), (c) => c.json({ items: g.mcp.list(), next_cursor: null }));
  // Tool pins (SPEC 9.2): the proxy reads a pin before calling a tool whose definition changed; the user accepts a change.
  r.get('/mcp/servers/:server_id/tools/:tool', (c) => {
    const pin = g.mcp.pin(c.req.param('server_id'), c.req.param('tool'));
    if (!pin) throw notFound(`MCP tool '${c.req.param('tool')}' on server '${c.req.param('server_id')}'`);
    return c.json(pin);
  });
  r.post('/mcp/servers/:server_id/tools/:tool/accept', requireScope('admin'), async (c) => {
    const body = await readJson(c, McpToolAcceptSchema, { optional: true });
    const out = await g.mcp.acceptTool(c.req.param('server_id'), c.req.param('tool'), body ?? {}, 'user');
    if (!out.ok) throw new HttpError(out.code, out.message);
    return c.json(out.pin);
  });
  r.post('/mcp/policies', requireScope('admin'), async (c) => {
    const body = await readJson(c, SeedPolicySchema);
    let policy;
    try {
      policy = seedToPolicy(body);
    } catch (e) {
      throw toHttpError(e);
    }
    return c.json(await g.policies.create(policy), 201);
  });
  return r;
}
