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
      const byAgent = p.scope !== 'admin';
      return g.agents.register(body, byAgent ? `agent:${body.agent_id}` : 'user', byAgent);
    },
    listAgents: (_c, { query }) => g.agents.page(query.limit, query.cursor ?? null),
  } satisfies Partial<Handlers>;
}
