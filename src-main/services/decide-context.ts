import type { AbTestRule, DecideContext } from '../engine/types.js';
import type { AgentService } from './agents.js';

/** Where the running A/B tests come from (the AbTestService). */
export interface RunningTests {
  active(): readonly AbTestRule[];
}

/**
 * The facts a live action is decided with (SPEC 3.3, 12): the agent's state and the running A/B
 * tests. One place, so a submit, a remembered answer's check (`decidesNow`) and a dry run
 * (`policies/test`) decide in the same world: left out, the tests made a dry run name a test policy
 * where real traffic would not (or the reverse).
 */
export function liveContext(agents: AgentService, tests: RunningTests | undefined, agentId: string, now: number): DecideContext {
  const abTests = tests?.active();
  return {
    now: new Date(now),
    agentRegistered: agents.isRegistered(agentId),
    recentAgentActions: agents.recentCount(agentId, now),
    ...(abTests && abTests.length ? { abTests } : {}),
  };
}
