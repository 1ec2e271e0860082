// Settings → Decisions: the risk thresholds form checks what the server checks and draws what the
// engine does. On 0.2 it refused a deny threshold under "require approval at" (which the server and
// policy files accept: deny wins there), so such saved settings showed an error on load and blocked
// every other change, and its scale drew "allow + flag" over scores the engine denies.
import { describe, expect, it } from 'vitest';
import { riskVerdict } from '../../src-main/engine/policy/verdict.js';
import { SettingsSchema } from '../../src-shared/index.js';
import { scaleBounds, thresholdProblems } from '../../src-renderer/screens/settings/thresholds.js';

const risk = (score: number) => ({ score, level: 'low' as const, factors: [] });

/** The outcome the scale shows for a score. */
function drawn(b: ReturnType<typeof scaleBounds>, score: number): string {
  if (score < b.allow) return 'allowed';
  if (score >= b.deny && b.deny < 100) return 'denied';
  if (score >= b.approval && b.approval < b.deny) return 'pending';
  return 'allowed';
}

describe('risk thresholds in the console', () => {
  it('accepts a deny threshold under the approval one, and refuses one under "allow below", naming the field', () => {
    expect(thresholdProblems({ auto_allow_below: 30, require_approval_at: 101, deny_at: 50 })).toEqual({});
    expect(thresholdProblems({ auto_allow_below: 30, require_approval_at: 70, deny_at: 50 })).toEqual({});
    expect(thresholdProblems({ auto_allow_below: 30, require_approval_at: 70, deny_at: 20 })).toEqual({
      deny_at: 'Must not be below "allow below"',
    });
    expect(thresholdProblems({ auto_allow_below: 80, require_approval_at: 70, deny_at: null })).toEqual({
      auto_allow_below: 'Must not be above "require approval at"',
    });
  });

  it('draws, for every score, the outcome the engine gives it', () => {
    for (const t of [
      { auto_allow_below: 30, require_approval_at: 70, deny_at: null },
      { auto_allow_below: 30, require_approval_at: 70, deny_at: 90 },
      { auto_allow_below: 30, require_approval_at: 70, deny_at: 50 },
      { auto_allow_below: 30, require_approval_at: 101, deny_at: 50 },
      { auto_allow_below: 30, require_approval_at: 30, deny_at: 30 },
      { auto_allow_below: 101, require_approval_at: 101, deny_at: null },
    ]) {
      const settings = SettingsSchema.parse(t);
      const b = scaleBounds(t);
      for (let score = 0; score <= 100; score++)
        expect([t, score, drawn(b, score)]).toEqual([t, score, riskVerdict(risk(score), settings).decision]);
    }
  });
});
