// SPEC 2.3 / 10: an expired request's decision follows its timeout_action. The Dashboard calls out
// the unanswered ones as what "did not run"; one whose timeout allows it ran. On 0.2 the stats could
// not tell them apart (only `totals.expired`), so the console counted it among the refusals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stats } from '../../src-shared/index.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

let t: TestCore;

beforeAll(async () => {
  t = await openTestCore();
  for (const [id, timeout_action] of [
    ['deploys-allow-on-timeout', 'allow'],
    ['drops-deny-on-timeout', 'deny'],
  ] as const) {
    const r = await t.json('POST', '/api/v1/policies', {
      body: {
        id,
        effect: 'require_approval',
        priority: 100,
        when: { action_type: id.startsWith('deploys') ? 'deploy.run' : 'database.drop' },
        approval: { timeout_s: 1, timeout_action },
      },
    });
    expect(r.status).toBe(201);
  }
  for (const action_type of ['deploy.run', 'deploy.run', 'database.drop']) {
    const d = await t.json<{ decision: string }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: 'release-bot', action_type, resource: 'svc' },
    });
    expect(d.body.decision).toBe('pending');
  }
  for (let i = 0; i < 40 && (await stats('1h')).totals.expired < 3; i++) await new Promise((r) => setTimeout(r, 250));
});
afterAll(() => t.close());

const stats = async (window: string) => (await t.json<Stats>('GET', `/api/v1/stats?window=${window}`)).body;

describe('expired requests in the stats', () => {
  it('says how many of them ran because their timeout allows them', async () => {
    for (const w of ['1h', '24h', '30d']) {
      const s = await stats(w);
      expect(s.totals.expired).toBe(3);
      expect(s.expired_allowed).toBe(2);
    }
  });
});
