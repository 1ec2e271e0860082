import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestCore, type TestCore } from '../helpers/core.js';

/**
 * A policy change installs the engine it compiled when it was validated (one compile per change, not
 * two) — unless another change landed while it was being written: then the whole set is compiled
 * again, so no change is ever lost from the engine that decides.
 */
let t: TestCore;
beforeEach(async () => {
  t = await openTestCore();
});
afterEach(async () => {
  await t.close();
});

const decide = (action_type: string) =>
  t.json<{ decision: string; policy: { id: string } | null }>('POST', '/api/v1/policies/test', {
    body: { action: { agent_id: 'a', action_type } },
  });

describe('installing the engine after a policy change', () => {
  it('concurrent creates, an update and a delete all end up in the engine that decides', async () => {
    const made = await Promise.all(
      ['one', 'two', 'three', 'four'].map((n) =>
        t.json('POST', '/api/v1/policies', { body: { id: `deny-${n}`, effect: 'deny', priority: 500, when: { action_type: `x.${n}` } } }),
      ),
    );
    expect(made.map((m) => m.status)).toEqual([201, 201, 201, 201]);
    for (const n of ['one', 'two', 'three', 'four']) expect((await decide(`x.${n}`)).body.policy?.id).toBe(`deny-${n}`);

    const answers = await Promise.all([
      t.json('PUT', '/api/v1/policies/deny-one', {
        body: { id: 'deny-one', effect: 'deny', priority: 500, when: { action_type: 'y.one' } },
      }),
      t.req('DELETE', '/api/v1/policies/deny-two'),
      t.json('POST', '/api/v1/policies', { body: { id: 'deny-five', effect: 'deny', priority: 500, when: { action_type: 'x.five' } } }),
      t.json('PUT', '/api/v1/settings', { body: { require_approval_at: 80 } }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 201, 200]);
    expect((await decide('x.one')).body.policy?.id).not.toBe('deny-one');
    expect((await decide('y.one')).body.policy?.id).toBe('deny-one');
    expect((await decide('x.two')).body.policy?.id).not.toBe('deny-two');
    expect((await decide('x.five')).body.policy?.id).toBe('deny-five');
    expect((await decide('x.three')).body.policy?.id).toBe('deny-three');
  });
});
