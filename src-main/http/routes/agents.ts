import type { Gatehouse } from '../../app/gatehouse.js';
import { forbidden } from '../../core/errors.js';
import type { Handlers } from '../endpoints.js';

/** SPEC 2.5: register (agent keys) and list (admin). */
export function agentHandlers(g: Gatehouse) {
  return {
    registerAgent: (c, { body }) => {
      const p = c.get('principal');
      if (p.agentId && body.agent_id !== p.agentId) {
        throw forbidden(`This key is bound to agent '${p.agentId}'`, [{ path: 'agent_id', message: `must be '${p.agentId}'` }]);
      }
      return g.agents.register(body, p.scope === 'admin' ? 'user' : `agent:${body.agent_id}`);
    },
    listAgents: () => ({ items: g.agents.list(), next_cursor: null }),
  } satisfies Partial<Handlers>;
}
