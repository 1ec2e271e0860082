import type { Gatehouse } from '../../app/gatehouse.js';
import { notFound } from '../../core/errors.js';
import { answerHook, rawAnswer } from '../../services/hooks/answer.js';
import { integrationStatus } from '../../services/hooks/status.js';
import { isHookAgent } from '../../services/hooks/types.js';
import { readText } from '../body.js';
import type { Handlers } from '../endpoints.js';

/** Hook inputs carry whole files (a Write, Cursor's beforeReadFile content): a larger limit than 1 MiB. */
const HOOK_BODY_LIMIT = 8 * 1024 * 1024;

/** SPEC 9.4: the agents' hooks in, their own answers out; and the integrations status (admin). */
export function hookHandlers(g: Gatehouse) {
  return {
    // The body is read here (the table marks it raw): garbage is answered in the agent's own form, not a 400.
    hook: async (c, { query, params }) => {
      const agent = params.agent!;
      if (!isHookAgent(agent)) throw notFound(`Hook agent '${agent}'`);
      const text = await readText(c, HOOK_BODY_LIMIT);
      const p = c.get('principal');
      const a = await answerHook(g.hooks, agent, text, query, { keyId: p.id, scope: p.scope, agentId: p.agentId }, c.req.raw.signal);
      if (query.format === 'raw')
        return c.body(rawAnswer(a), 200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Gatehouse-Exit-Code': String(a.exit_code) });
      return a;
    },
    integrations: () => ({
      items: integrationStatus({ dataDir: g.opts.dataDir, lastCalls: g.hookCalls.all() }),
      data_dir: g.opts.dataDir,
    }),
  } satisfies Partial<Handlers>;
}
