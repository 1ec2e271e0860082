import { describe, expect, it } from 'vitest';
import type { NotificationSpec } from '../../src-shared/approvals/notify-groups.js';
import type { PendingApproval } from '../../src-shared/index.js';
import { DesktopNotifier } from '../../src-main/desktop/notifier.js';
import { MAX_TRAY_ENTRIES, trayModel } from '../../src-main/desktop/tray-menu.js';

// The desktop shell's notification and tray logic, without Electron (no Electron binary here).

function host(focused = false) {
  const shown: NotificationSpec[] = [];
  const closed: string[] = [];
  let pending: (() => void) | null = null;
  const h = {
    focused: () => focused,
    show: (s: NotificationSpec) => shown.push(s),
    close: (t: string) => closed.push(t),
    setTimeout: (fn: () => void) => (pending = fn),
    clearTimeout: () => (pending = null),
  };
  return { h, shown, closed, tick: () => pending?.(), setFocused: (f: boolean) => (focused = f) };
}

const ev = (id: string, agent: string, command: string) => ({
  action_id: id,
  agent_id: agent,
  action_type: 'shell.exec',
  resource: command,
  parameters: { command },
});

describe('DesktopNotifier', () => {
  it('groups per agent, with Approve / Deny only on a single request', () => {
    const t = host();
    const n = new DesktopNotifier(t.h);
    n.requested(ev('act_1', 'claude-code', 'git push --force origin main'));
    n.requested(ev('act_2', 'claude-code', 'rm -rf build'));
    n.requested(ev('act_3', 'pipeline', 'terraform apply'));
    t.tick();
    expect(t.shown.map((s) => s.title)).toEqual(['2 new requests from claude-code', 'pipeline wants to apply Terraform changes']);
    expect(t.shown[0]!.actions).toEqual([]);
    expect(t.shown[1]!.actions.map((a) => a.action)).toEqual(['approve', 'deny']);
    expect(t.shown[1]!.actionId).toBe('act_3');
  });

  it('says nothing while the window has focus or under do-not-disturb; looking closes what was shown', () => {
    const t = host(true);
    const n = new DesktopNotifier(t.h);
    n.requested(ev('act_1', 'a', 'ls -la /'));
    t.tick();
    expect(t.shown).toEqual([]);
    t.setFocused(false);
    n.requested(ev('act_2', 'a', 'rm -rf x'));
    t.tick();
    expect(t.shown).toHaveLength(1);
    n.looked();
    t.tick();
    expect(t.closed).toEqual(['gatehouse:a']);
    n.setDnd(true);
    n.requested(ev('act_3', 'b', 'rm -rf y'));
    t.tick();
    expect(t.shown).toHaveLength(1);
    expect(n.dnd).toBe(true);
  });

  it('an answered request leaves its group; the last one leaving closes the notification', () => {
    const t = host();
    const n = new DesktopNotifier(t.h);
    n.requested(ev('act_1', 'a', 'rm -rf one'));
    n.requested(ev('act_2', 'a', 'rm -rf two'));
    t.tick();
    n.left('act_1');
    t.tick();
    expect(t.shown.at(-1)).toMatchObject({ title: 'a wants to delete two and everything in it', actionId: 'act_2' });
    n.left('act_2');
    t.tick();
    expect(t.closed).toEqual(['gatehouse:a']);
    n.left('act_unknown');
    expect(t.shown).toHaveLength(2);
  });

  it('ignores event data without the basics', () => {
    const t = host();
    const n = new DesktopNotifier(t.h);
    n.requested({ action_id: 5 } as unknown as Record<string, unknown>);
    t.tick();
    expect(t.shown).toEqual([]);
  });
});

let k = 0;
function pending(agent: string, resource: string, expiresInS: number): PendingApproval {
  const id = `act_${++k}`;
  const now = 1_800_000_000_000;
  return {
    approval_id: `apr_${k}`,
    action_id: id,
    status: 'pending',
    approved: null,
    reviewed_by: null,
    reviewed_at: null,
    comment: null,
    created_at: new Date(now).toISOString(),
    expires_at: new Date(now + expiresInS * 1000).toISOString(),
    timeout_action: 'deny',
    action: {
      agent_id: agent,
      action_type: 'shell.exec',
      resource,
      parameters: { command: resource },
    } as unknown as PendingApproval['action'],
  };
}

describe('trayModel', () => {
  it('lists the queue grouped like the console, with answers for a whole group, do-not-disturb and quit', () => {
    const a1 = pending('claude-code', 'git push --force origin main', 100);
    const a2 = pending('claude-code', 'git push --force origin main', 200);
    const b = pending('claude-code', 'rm -rf build', 50);
    const m = trayModel([a1, a2, b], { dnd: false });
    expect(m.badge).toBe(3);
    expect(m.title).toBe('3');
    expect(m.tooltip).toBe('Gatehouse — 3 requests waiting');
    expect(m.items[0]).toMatchObject({ label: '3 requests waiting', enabled: false });
    expect(m.items[1]!.label).toBe('claude-code: delete build and everything in it');
    expect(m.items[2]!.label).toBe('claude-code: force-push main to origin ×2');
    expect(m.items[2]!.submenu![0]).toMatchObject({
      label: 'Approve all 2 once',
      command: { kind: 'approve', actionIds: [a1.action_id, a2.action_id] },
    });
    expect(m.items[2]!.submenu![3]).toMatchObject({ command: { kind: 'open', actionId: a1.action_id } });
    const dnd = m.items.find((i) => i.label === 'Do not disturb')!;
    expect(dnd).toMatchObject({ type: 'checkbox', checked: false, command: { kind: 'dnd', on: true } });
    expect(m.items.at(-1)).toMatchObject({ label: 'Quit Gatehouse', command: { kind: 'quit' } });
  });

  it('caps the list and says how many more; nothing waiting says so', () => {
    const many = Array.from({ length: MAX_TRAY_ENTRIES + 3 }, (_, i) => pending('a', `cmd ${i}`, i));
    const m = trayModel(many, { dnd: true });
    expect(m.items.filter((i) => i.submenu)).toHaveLength(MAX_TRAY_ENTRIES);
    expect(m.items.some((i) => i.label === '…and 3 more')).toBe(true);
    expect(m.tooltip).toContain('(do not disturb)');
    const none = trayModel([], { dnd: false });
    expect(none).toMatchObject({ badge: 0, title: '', tooltip: 'Gatehouse — nothing waiting' });
    expect(none.items[0]!.label).toBe('Nothing waiting');
  });
});
