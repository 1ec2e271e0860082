import { Hono } from 'hono';
import { AgentRegisterSchema } from '../../../src-shared/index.js';
import type { Gatehouse } from '../../app/gatehouse.js';
import { readJson } from '../body.js';
import type { AppEnv } from '../env.js';
import { GatehouseError } from '../../core/errors.js';
import { requireScope } from '../middleware/auth.js';

/** SPEC 2.5: register (agent keys) and list (admin). */
export function agentRoutes(g: Gatehouse) {
  const r = new Hono<AppEnv>();
  r.post('/api/v1/agents/register', async (c) => {
    const body = await readJson(c, AgentRegisterSchema);
    const p = c.get('principal');
    if (p.agentId && body.agent_id !== p.agentId) {
      throw new GatehouseError('forbidden', `This key is bound to agent '${p.agentId}'`, [
        { path: 'agent_id', message: `must be '${p.agentId}'` },
      ]);
    }
    return c.json(await g.agents.register(body, p.scope === 'admin' ? 'user' : `agent:${body.agent_id}`));
  });
  r.get('/api/v1/agents', requireScope('admin'), (c) => c.json({ items: g.agents.list(), next_cursor: null }));
  return r;
}
