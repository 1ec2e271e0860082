// Agents' kind and counts, and the dashboard's time axis (issue 17): pure logic, no browser.
import { describe, expect, it } from 'vitest';
import { connectionOf, countsShown } from '../../src-renderer/screens/agents/kind.js';
import { axisFor, thinTicks } from '../../src-renderer/screens/dashboard/axis.js';
import type { ActionStatus, Agent, Integration, McpServer } from '../../src-shared/index.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const counts = { total: 0, allowed: 0, denied: 0, pending: 0, approved: 0, rejected: 0, expired: 0, withdrawn: 0, completed: 0, failed: 0 };
const agent = (id: string, extra: Partial<Agent> = {}): Agent => ({
  agent_id: id,
  name: null,
  agent_type: null,
  capabilities: [],
  metadata: {},
  registered: false,
  created_at: '2026-11-01T00:00:00.000Z',
  last_seen_at: '2026-11-26T11:58:00.000Z',
  counts,
  top_action_types: [],
  ...extra,
});
const hook = (extra: Partial<Integration> = {}): Integration => ({
  agent: 'claude-code',
  name: 'Claude Code',
  agent_id: 'claude-code',
  found: true,
  found_by: [],
  installed: [],
  can_ask: true,
  last_call_at: null,
  note: null,
  ...extra,
});
const server: McpServer = {
  server_id: 'github',
  name: 'GitHub',
  command: null,
  tools: [],
  tools_hash: null,
  tools_changed_at: null,
  created_at: '2026-11-01T00:00:00.000Z',
  last_seen_at: '2026-11-26T11:00:00.000Z',
  calls: 3,
  tool_pins: [],
};
const ctx = { integrations: [hook()], mcpServers: [server], lastAction: null, now: NOW };

describe('which kind of agent', () => {
  it('a hook agent: wired, or not with the command that wires it', () => {
    const wired = connectionOf(agent('claude-code'), {
      ...ctx,
      integrations: [hook({ installed: [{ scope: 'user', path: '/h/.claude/settings.json' }], last_call_at: '2026-11-26T11:58:00.000Z' })],
    });
    expect(wired).toMatchObject({ kind: 'hook', tone: 'ok', status: 'Hook installed (user) — last call 2 min ago', fix: null });
    const not = connectionOf(agent('claude-code'), ctx);
    expect(not).toMatchObject({ kind: 'hook', tone: 'warn', fix: 'gatehouse hook install claude-code' });
    expect(not.status).toBe('Hook not installed (Claude Code is on this machine)');
  });

  it('an MCP agent by its latest action, and anything else is SDK / API', () => {
    const last = { mcp: { server_id: 'github', tool: 'create_issue' } } as ActionStatus;
    expect(connectionOf(agent('mcp-client'), { ...ctx, lastAction: last })).toMatchObject({
      kind: 'mcp',
      label: 'MCP · GitHub',
      status: 'Server registered — last call 1 h ago, 3 calls',
    });
    const sdk = connectionOf(agent('etl', { registered: true }), ctx);
    expect(sdk).toMatchObject({ kind: 'sdk', label: 'SDK / API', tone: 'ok', status: 'Registered — last call 2 min ago' });
  });

  it('the counts shown add up to the total', () => {
    const c = { ...counts, total: 9, allowed: 2, completed: 3, failed: 1, withdrawn: 1, expired: 2 };
    const shown = countsShown(c);
    expect(shown.reduce((n, x) => n + x.n, 0)).toBe(c.total);
    expect(shown.map((x) => x.status)).toEqual(['allowed', 'completed', 'failed', 'expired', 'withdrawn']);
  });
});

describe('the dashboard time axis', () => {
  const timeline = (startMs: number, bucketS: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({ t: new Date(startMs + i * bucketS * 1000).toISOString() }));
  const local = (y: number, mo: number, d: number, h = 0, mi = 0) => new Date(y, mo, d, h, mi).getTime();

  it('24h: one tick every 3 hours on the hour', () => {
    const a = axisFor('24h', timeline(local(2026, 10, 25, 12, 30), 1800, 49), 1800);
    expect(a.ticks).toHaveLength(8);
    for (const t of a.ticks) {
      const d = new Date(t);
      expect([d.getMinutes(), d.getHours() % 3]).toEqual([0, 0]);
    }
    expect(a.unit).toBe('30 min');
  });

  it('7d: the first bucket of each day; 30d: every 5th day', () => {
    const week = axisFor('7d', timeline(local(2026, 10, 19, 14), 4 * 3600, 43), 4 * 3600);
    expect(week.ticks).toHaveLength(7);
    expect(new Set(week.ticks.map((t) => new Date(t).getDate())).size).toBe(7);
    const month = axisFor('30d', timeline(local(2026, 9, 27, 12), 12 * 3600, 61), 12 * 3600);
    expect(month.ticks.map((t) => new Date(t).getDate())).toEqual([1, 6, 11, 16, 21, 26]);
  });

  it('on a phone, at most four labels, evenly spaced from the first (eight 24h labels overlapped at 390 px)', () => {
    const a = axisFor('24h', timeline(local(2026, 10, 25, 12, 30), 1800, 49), 1800);
    const thin = thinTicks(a.ticks, 4);
    expect(thin).toEqual([a.ticks[0], a.ticks[2], a.ticks[4], a.ticks[6]]);
    expect(thinTicks(a.ticks.slice(0, 3), 4)).toEqual(a.ticks.slice(0, 3));
    expect(thinTicks(['a', 'b', 'c', 'd', 'e'], 4)).toEqual(['a', 'c', 'e']);
  });
});
