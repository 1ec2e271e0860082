import { describe, expect, it } from 'vitest';
import { NotificationGroups, planNotifications, specFor } from '../../src-shared/approvals/notify-groups.js';
import { alsoMatching, buildQueue, entryOf, wildcardTest, type QueueItem } from '../../src-shared/approvals/queue.js';

let n = 0;
function item(agent: string, type: string, resource: string | null, expiresInS: number): QueueItem {
  const id = `act_${++n}`;
  return {
    action_id: id,
    created_at: new Date(1_000_000).toISOString(),
    expires_at: new Date(1_000_000 + expiresInS * 1000).toISOString(),
    action: { agent_id: agent, action_type: type, resource },
  };
}

describe('buildQueue', () => {
  it('groups identical requests (agent, type, resource) into one entry with a count, soonest expiry first', () => {
    const a1 = item('claude-code', 'shell.exec', 'git push --force origin main', 300);
    const a2 = item('claude-code', 'shell.exec', 'git push --force origin main', 100);
    const b = item('claude-code', 'shell.exec', 'rm -rf build', 200);
    const c = item('pipeline', 'shell.exec', 'git push --force origin main', 50);
    const d = item('claude-code', 'file.write', 'git push --force origin main', 400);
    const e = item('x', 'y', null, 500);
    const f = item('x', 'y', null, 450);
    const q = buildQueue([a1, b, c, a2, d, e, f]);
    expect(q.map((x) => x.count)).toEqual([1, 2, 1, 1, 2]);
    expect(q.map((x) => x.primary.action_id)).toEqual([c, a2, b, d, f].map((x) => x.action_id));
    expect(q[1]!.members.map((m) => m.action_id)).toEqual([a2.action_id, a1.action_id]);
    expect(entryOf(q, a1.action_id)?.key).toBe(q[1]!.key);
    expect(entryOf(q, 'nope')).toBeUndefined();
  });

  it('200 identical requests are one entry', () => {
    const many = Array.from({ length: 200 }, (_, i) => item('bot', 'database.delete', 'postgres://prod/t', 100 + i));
    const q = buildQueue(many);
    expect(q).toHaveLength(1);
    expect(q[0]!.count).toBe(200);
  });

  it('a resource that differs only by case or null-vs-empty is another group', () => {
    expect(buildQueue([item('a', 't', 'X', 1), item('a', 't', 'x', 1), item('a', 't', null, 1), item('a', 't', '', 1)])).toHaveLength(4);
  });
});

describe('alsoMatching (the N waiting like it)', () => {
  it('same agent and type, and the same resource or the pattern', () => {
    const first = item('a', 'db.delete', 'postgres://staging/a', 10);
    const same = item('a', 'db.delete', 'postgres://staging/a', 10);
    const widened = item('a', 'db.delete', 'postgres://staging/b', 10);
    const other = item('b', 'db.delete', 'postgres://staging/a', 10);
    const none = item('a', 'db.delete', null, 10);
    const all = [first, same, widened, other, none];
    expect(alsoMatching(first, null, all)).toEqual([same]);
    expect(alsoMatching(first, 'postgres://staging/*', all)).toEqual([same, widened]);
    expect(alsoMatching(none, null, all)).toEqual([]);
  });

  it('wildcards read like the policy engine: * spans /, ? is one character, whole string, case-sensitive', () => {
    expect(wildcardTest('git push *')('git push --force origin main')).toBe(true);
    expect(wildcardTest('/a/*')('/a/b/c')).toBe(true);
    expect(wildcardTest('a?c')('abc')).toBe(true);
    expect(wildcardTest('a?c')('abbc')).toBe(false);
    expect(wildcardTest('A*')('abc')).toBe(false);
    expect(wildcardTest('x.y')('xzy')).toBe(false);
    expect(wildcardTest('(a)[b]')('(a)[b]')).toBe(true);
  });
});

describe('notification groups', () => {
  const r = (id: string, agent: string, phrase: string) => ({ action_id: id, agent_id: agent, phrase, resource: `res-${id}` });

  it('one request: its headline, with Approve and Deny for that request', () => {
    const s = specFor('claude-code', [r('act_1', 'claude-code', 'force-push main to origin')]);
    expect(s).toMatchObject({
      tag: 'gatehouse:claude-code',
      title: 'claude-code wants to force-push main to origin',
      body: 'res-act_1',
      actionId: 'act_1',
      actions: [{ action: 'approve' }, { action: 'deny' }],
    });
  });

  it('several from one agent: "5 new requests from claude-code", no answer buttons', () => {
    const g = new NotificationGroups();
    for (let i = 1; i <= 5; i++) g.add(r(`act_${i}`, 'claude-code', `thing ${i}`));
    g.add(r('act_9', 'pipeline', 'deploy web'));
    g.add(r('act_1', 'claude-code', 'thing 1')); // a repeat is not counted twice
    const specs = g.specs();
    expect(specs).toHaveLength(2);
    const cc = specs.find((s) => s.tag === 'gatehouse:claude-code')!;
    expect(cc.title).toBe('5 new requests from claude-code');
    expect(cc.actions).toEqual([]);
    expect(cc.actionId).toBeNull();
    expect(cc.body.split('\n')).toEqual(['• thing 1', '• thing 2', '• thing 3', '…and 2 more']);
    expect(specs.find((s) => s.tag === 'gatehouse:pipeline')!.actionId).toBe('act_9');
    expect(g.size).toBe(6);
  });

  it('answered or withdrawn requests leave their group; a group of one gets its buttons back', () => {
    const g = new NotificationGroups();
    g.add(r('act_1', 'a', 'one'));
    g.add(r('act_2', 'a', 'two'));
    expect(g.remove('act_1')).toBe(true);
    expect(g.remove('act_1')).toBe(false);
    expect(g.specs()[0]).toMatchObject({ actionId: 'act_2', title: 'a wants to two' });
    g.remove('act_2');
    expect(g.specs()).toEqual([]);
  });

  it('plan: shows new or changed groups, leaves unchanged ones, closes the ones gone', () => {
    const g = new NotificationGroups();
    g.add(r('act_1', 'a', 'one'));
    g.add(r('act_2', 'b', 'two'));
    const first = planNotifications(new Map(), g.specs());
    expect(first.show.map((s) => s.tag)).toEqual(['gatehouse:a', 'gatehouse:b']);
    const showing = new Map(first.show.map((s) => [s.tag, s.actionIds]));
    g.add(r('act_3', 'a', 'three'));
    g.remove('act_2');
    const next = planNotifications(showing, g.specs());
    expect(next.show.map((s) => s.title)).toEqual(['2 new requests from a']);
    expect(next.close).toEqual(['gatehouse:b']);
  });
});
