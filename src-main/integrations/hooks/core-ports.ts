import type { Gatehouse } from '../../core/gatehouse.js';
import { HookService } from './service.js';
import type { HookAgent } from './types.js';
import { adapterOf } from './registry.js';

/** The hook service over one Gatehouse core (the HTTP route and tests build it the same way). */
export function hookServiceFor(g: Gatehouse): HookService {
  return new HookService({
    submit: (req, caller) => g.actions.submit(req, caller),
    status: (id, owner) => g.actions.status(id, owner),
    waitForChange: (id, ms) => g.approvals.waitForChange(id, ms),
    withdraw: (id, reason, owner) => g.approvals.withdraw(id, { reason }, owner),
    fallback: () => g.settings.get().hook_fallback,
    now: () => g.opts.clock.now(),
  });
}

/** Each hook agent's last call: this server's memory, else the agent's last action on record. */
export function lastCallsOf(g: Gatehouse, hooks: HookService, agents: readonly HookAgent[]): Map<HookAgent, number> {
  const out = new Map<HookAgent, number>();
  for (const a of agents) {
    const mem = hooks.lastCalls().get(a) ?? 0;
    const row = g.store.get<{ ms: number | null }>('SELECT MAX(created_ms) AS ms FROM actions WHERE agent_id = ?', [adapterOf(a).agentId]);
    const ms = Math.max(mem, row?.ms ?? 0);
    if (ms > 0) out.set(a, ms);
  }
  return out;
}
