import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PolicySchema, type Policy, type PolicyInput } from '../../src-shared/index.js';
import { compilePolicies, exportPolicyFile, type Engine } from '../../src-main/engine/index.js';
import { CompiledEngine } from '../../src-main/engine/policy/engine.js';
import { testAction } from '../../src-main/services/policy-lab.js';
import { INLINE_READ_LIMIT, readPolicyFileOffLoop } from '../../src-main/services/policy-file-read.js';
import { MAX_DETAILS } from '../../src-main/core/errors.js';
import { openTestCore, type TestCore } from '../helpers/core.js';
import { action, ctx } from '../engine/helpers.js';

/**
 * SPEC 3.4 with SPEC 8: a policy import is validated whole and applied all or nothing, and no part of
 * it holds the event loop for long — a big file is read on a thread of its own, the new set compiled
 * once, in slices, and that engine installed after the commit, reconciled with any change that landed
 * meanwhile. A settings change keeps the compiled policies.
 */

const EFFECTS = ['allow', 'deny', 'require_approval', 'monitor'] as const;

function generated(n: number, prefix = 'p'): PolicyInput[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    priority: (i % 50) * 10,
    effect: EFFECTS[i % 4]!,
    when:
      i % 3 === 0
        ? { action_type: `svc${i % 40}.op${i % 7}`, resource: `/srv/app-${i % 30}/*` }
        : i % 3 === 1
          ? { agent_id: `agent-${i % 20}`, action_type: `svc${i % 40}.*` }
          : { resource: { starts_with: `/srv/app-${i % 30}/mod-${i % 9}/` }, 'risk.score': { gte: i % 60 } },
  }));
}

const fileOf = (policies: PolicyInput[], settings: object = {}): string => exportPolicyFile(policies as Policy[], settings, [], 'yaml');

const ACTIONS = Array.from({ length: 60 }, (_, k) =>
  action({
    agent_id: `agent-${k % 20}`,
    action_type: `svc${k % 40}.op${k % 7}`,
    resource: `/srv/app-${k % 30}/mod-${k % 9}/file.ts`,
  }),
);

/** What an engine decides for the sample actions (the deciding policy, flags, hits, shadow). */
function decisions(engine: Engine): unknown[] {
  return ACTIONS.map((a) => {
    const o = engine.decide(a, ctx());
    return { decision: o.decision, policy: o.policy?.id ?? null, flags: o.flags, hits: o.hits, shadow: o.shadow, score: o.risk.score };
  });
}

/** The set the service holds, compiled from scratch (fresh copies: nothing from a cache). */
function fresh(t: TestCore): Engine {
  return compilePolicies({
    policies: structuredClone(t.g.policies.policies()),
    settings: t.g.settings.get(),
    riskRules: t.g.policies.getRiskRules(),
  });
}

let t: TestCore;
beforeEach(async () => {
  t = await openTestCore();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await t.close();
});

describe('policy import without holding the event loop', () => {
  it('reads a big file on its own thread and compiles it in slices: a timer runs many times before the commit', async () => {
    const text = fileOf(generated(3000));
    expect(text.length).toBeGreaterThan(INLINE_READ_LIMIT);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    let ticksAtCommit = -1;
    const commit = t.g.store.commit.bind(t.g.store);
    vi.spyOn(t.g.store, 'commit').mockImplementation((...args: Parameters<typeof commit>) => {
      ticksAtCommit = ticks;
      return commit(...args);
    });
    let slices = 0;
    t.g.policies.onSlice = () => slices++;
    try {
      const result = await t.g.policies.importText(text);
      expect(result).toMatchObject({ imported: 3000, created: 3000 });
    } finally {
      clearInterval(timer);
    }
    // Synchronous up to its commit, an import lets no timer run before it; sliced, the loop turns.
    expect(ticksAtCommit).toBeGreaterThan(0);
    expect(slices).toBeGreaterThan(0);
    expect(decisions(t.g.policies.engine())).toEqual(decisions(fresh(t)));
  });

  it('installs the engine it compiled: it decides as a fresh compile of the imported set, settings included', async () => {
    await t.g.policies.importText(fileOf(generated(400, 'old')));
    const build = vi.spyOn(CompiledEngine, 'build');
    const r = await t.g.policies.importText(fileOf(generated(2000), { require_approval_at: 55, auto_allow_below: 20 }));
    expect(r).toMatchObject({ imported: 2000, created: 2000, settings_changed: true });
    expect(t.g.settings.get().require_approval_at).toBe(55);
    expect(t.g.policies.list()).toHaveLength(2400);
    // One compile (the sliced one), none after the commit.
    expect(build).not.toHaveBeenCalled();
    expect(decisions(t.g.policies.engine())).toEqual(decisions(fresh(t)));
  });

  it('is all or nothing: a bad policy at the end of a big file is a 400 naming it, and nothing changes', async () => {
    await t.g.policies.importText(fileOf(generated(50, 'kept')));
    const engine = t.g.policies.engine();
    const list = t.g.policies.list();
    const policies = generated(3000);
    policies.push({ id: 'bad-last', effect: 'deny', when: { resource: { regex: '(' } } });
    const { status, body } = await t.json<{ error: { code: string; details: { path: string }[] } }>('POST', '/api/v1/policies/import', {
      body: fileOf(policies),
      headers: { 'Content-Type': 'application/yaml' },
    });
    expect(status).toBe(400);
    expect(body.error.details.map((d) => d.path)).toEqual(['policies[3000](bad-last).when.resource.regex']);
    expect(t.g.policies.engine()).toBe(engine);
    expect(t.g.policies.list()).toEqual(list);
    expect(t.g.store.get("SELECT COUNT(*) AS n FROM policies WHERE id = 'p0'")).toEqual({ n: 0 });
  });

  it('a big file of wrong policies: its thread sends back the first problems and their count, not every one', async () => {
    const text = JSON.stringify({ version: 1, policies: Array.from({ length: 20_000 }, () => 1) });
    expect(text.length).toBeGreaterThan(INLINE_READ_LIMIT);
    const read = await readPolicyFileOffLoop(text, {});
    expect(read.issues).toHaveLength(MAX_DETAILS);
    expect(read.issueCount).toBe(20_000);
    const r = await t.json<{ error: { message: string; details: { path: string; message: string }[] } }>(
      'POST',
      '/api/v1/policies/import',
      {
        body: text,
      },
    );
    expect(r.body.error.message).toMatch(/^Invalid policies: policies\[0\]: .* \(and 19999 more\)$/);
    expect(r.body.error.details.at(-1)).toEqual({ path: '(more)', message: '19,900 more problems are not listed' });
  });

  it('a change that lands while an import compiles is kept, in the list and in the engine', async () => {
    await t.g.policies.importText(fileOf([...generated(40, 'other'), ...generated(10, 'gone')]));
    const changes: Promise<unknown>[] = [];
    t.g.policies.onSlice = () => {
      if (changes.length > 0) return;
      // A policy the file does not name, updated and another deleted, in the middle of the import.
      changes.push(t.g.policies.update('other3', { id: 'other3', priority: 990, effect: 'deny', when: { agent_id: 'agent-3' } }));
      changes.push(t.g.policies.remove('gone1'));
    };
    await t.g.policies.importText(fileOf(generated(3000)));
    await Promise.all(changes);
    expect(t.g.policies.get('other3').priority).toBe(990);
    expect(() => t.g.policies.get('gone1')).toThrow();
    expect(t.g.policies.list()).toHaveLength(3049);
    expect(decisions(t.g.policies.engine())).toEqual(decisions(fresh(t)));
    expect(t.g.policies.engine().decide(action({ agent_id: 'agent-3', action_type: 'svc3.op3' }), ctx()).policy?.id).toBe('other3');
  });

  it('a change committed before an import of other policies is not undone by it', async () => {
    await t.g.policies.importText(fileOf(generated(20, 'other')));
    const update = t.g.policies.update('other5', { id: 'other5', priority: 980, effect: 'deny', when: { agent_id: 'agent-5' } });
    const imported = t.g.policies.importText(fileOf(generated(30)));
    await Promise.all([update, imported]);
    expect(t.g.policies.get('other5').priority).toBe(980);
    expect(t.g.policies.engine().decide(action({ agent_id: 'agent-5', action_type: 'x.y' }), ctx()).policy?.id).toBe('other5');
    expect(decisions(t.g.policies.engine())).toEqual(decisions(fresh(t)));
  });
});

describe('settings and drafts without a whole compile on the main thread', () => {
  it('a settings change keeps the compiled policies and decides as a fresh compile with the new settings', async () => {
    await t.g.policies.importText(fileOf(generated(500)));
    const build = vi.spyOn(CompiledEngine, 'build');
    await t.g.settings.update({ auto_allow_below: 10, require_approval_at: 40 });
    expect(build).not.toHaveBeenCalled();
    expect(decisions(t.g.policies.engine())).toEqual(decisions(fresh(t)));
  });

  it('a draft set of thousands is compiled in slices for /policies/test, deciding as a compile of it', async () => {
    const draft = generated(3000);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    let out;
    try {
      out = await testAction(t.g, { action: { action_type: 'svc3.op3', resource: '/srv/app-3/x', agent_id: 'agent-3' }, policies: draft });
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
    const engine = compilePolicies({ policies: draft.map((p) => PolicySchema.parse(p)), settings: t.g.settings.get(), riskRules: [] });
    const expected = engine.decide(action({ action_type: 'svc3.op3', resource: '/srv/app-3/x', agent_id: 'agent-3' }), ctx());
    expect(out.policy?.id ?? null).toBe(expected.policy?.id ?? null);
  });
});
