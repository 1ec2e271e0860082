import { Hono } from 'hono';
import { HookQuerySchema } from '../../../src-shared/index.js';
import type { Gatehouse } from '../../core/gatehouse.js';
import { hookServiceFor, lastCallsOf } from '../../integrations/hooks/core-ports.js';
import { answerHook, rawAnswer } from '../../integrations/hooks/http-glue.js';
import { integrationStatus } from '../../integrations/hooks/status.js';
import { HOOK_AGENTS, isHookAgent } from '../../integrations/hooks/types.js';
import { readQuery, readText } from '../body.js';
import type { AppEnv } from '../env.js';
import { notFound } from '../errors.js';
import { requireScope } from '../middleware/auth.js';

/** Hook inputs carry whole files (a Write, Cursor's beforeReadFile content): a larger limit than 1 MiB. */
const HOOK_BODY_LIMIT = 8 * 1024 * 1024;

/** SPEC 9.4: the agents' hooks in, their own answers out; and the integrations status (admin). */
export function hookRoutes(g: Gatehouse) {
  const r = new Hono<AppEnv>();
  const hooks = hookServiceFor(g);
  r.post('/api/v1/hooks/:agent', async (c) => {
    const agent = c.req.param('agent');
    if (!isHookAgent(agent)) throw notFound(`Hook agent '${agent}'`);
    const q = readQuery(c, HookQuerySchema);
    const text = await readText(c, HOOK_BODY_LIMIT);
    const p = c.get('principal');
    const a = await answerHook(hooks, agent, text, q, { keyId: p.id, scope: p.scope, agentId: p.agentId }, c.req.raw.signal);
    if (q.format === 'raw')
      return c.body(rawAnswer(a), 200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Gatehouse-Exit-Code': String(a.exit_code) });
    return c.json(a);
  });
  r.use('/api/v1/integrations', requireScope('admin'));
  r.get('/api/v1/integrations', (c) =>
    c.json({
      items: integrationStatus({ dataDir: g.opts.dataDir, lastCalls: lastCallsOf(g, hooks, HOOK_AGENTS) }),
      data_dir: g.opts.dataDir,
    }),
  );
  return r;
}
