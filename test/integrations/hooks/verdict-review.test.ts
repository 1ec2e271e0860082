import { describe, expect, it } from 'vitest';
import type { ActionStatus, Decision } from '../../../src-shared/index.js';
import { HookService, type HookPorts } from '../../../src-main/services/hooks/service.js';
import { HOOK_AGENTS } from '../../../src-main/services/hooks/types.js';
import { verdictOf, type DecisionLike } from '../../../src-main/services/hooks/verdict.js';
import { fixture } from './fixtures/index.js';

/**
 * SPEC 9.1 / 9.4: an allow only for an explicit allow policy or a person's approval. A workflow
 * step whose timeout action approves (SPEC 11) settles the request as `approved` with
 * `reviewed_by: "timeout"`: nobody allowed it, so the agent's own checks must still apply.
 */
describe('an approval nobody gave is no opinion, never an allow', () => {
  const approved = (reviewed_by: string | null): DecisionLike => ({
    action_id: 'act_1',
    decision: 'allowed',
    status: 'approved',
    reviewed_by,
    reason: 'r',
    policy: null,
    flags: [],
  });

  it('verdictOf: a person approved → allow; a step timeout (or no reviewer) → no opinion, whatever hook_fallback says', () => {
    expect(verdictOf(approved('user'), 'pass')!.kind).toBe('allow');
    for (const by of ['timeout', null]) {
      expect(verdictOf(approved(by), 'pass')!.kind, String(by)).toBe('pass');
      expect(verdictOf(approved(by), 'allow')!.kind, String(by)).toBe('pass');
    }
  });

  it('every agent: a held request a workflow timeout approves gets the no-opinion answer, not the allow one', async () => {
    for (const agent of HOOK_AGENTS) {
      const answer = async (reviewed_by: string) => {
        let now = 1_000_000;
        let current: Partial<ActionStatus> = {};
        const ports: HookPorts = {
          submit: () => {
            current = { action_id: 'act_9', decision: 'pending', status: 'pending', reason: 'held', policy: null, flags: [] };
            return Promise.resolve(current as Decision);
          },
          status: () => current as ActionStatus,
          waitForChange: (_id, ms) => {
            now += Math.min(ms, 1000);
            current = { ...current, decision: 'allowed', status: 'approved', reviewed_by: reviewed_by as 'user' };
            return Promise.resolve();
          },
          withdraw: () => Promise.reject(new Error('not expected')),
          fallback: () => 'pass',
          now: () => now,
          noteCall: () => undefined,
        };
        const opts = { caller: { boundAgentId: null, keyId: 'k' }, ownerKeyId: 'k', waitS: 60, onError: 'ask' as const };
        const r = await new HookService(ports).handle(agent, fixture(agent, 'shell'), opts);
        return { verdict: r.verdict, stdout: r.stdout, exit_code: r.exit_code };
      };
      const byTimeout = await answer('timeout');
      expect(byTimeout.verdict, agent).toBe('pass');
      if (agent === 'claude-code') expect(byTimeout.stdout, agent).toBe('');
      expect((await answer('user')).verdict, agent).toBe('allow');
    }
  });
});
