import { expect } from 'vitest';
import type { HookAgent } from '../../../src-main/services/hooks/types.js';
import type { Kind } from './fixtures/index.js';
import type { HookRun } from './run.js';

/**
 * What each agent must see for each verdict (SPEC 9.1, 9.4's table). `expectForm` fails on any
 * other answer, so a silent pass where a block or a question is due fails the test.
 */
export type Form = 'allow' | 'pass' | 'deny' | 'ask';

const json = (r: HookRun): Record<string, unknown> => {
  const lines = r.stdout.trim().split('\n');
  expect(lines, `one JSON line expected, got ${JSON.stringify(r.stdout)}`).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
};

/** Whether the agent can ask for this kind of call (Cursor: shell and MCP events only). */
export function canAsk(agent: HookAgent, kind: Kind): boolean {
  if (agent === 'cursor') return kind === 'shell' || kind === 'mcp';
  return agent === 'claude-code' || agent === 'gemini' || agent === 'copilot';
}

/** The form an answer must take: an `ask` the agent cannot put becomes a refusal. */
export const effective = (agent: HookAgent, kind: Kind, f: Form): Form => (f === 'ask' && !canAsk(agent, kind) ? 'deny' : f);

export function expectForm(agent: HookAgent, kind: Kind, r: HookRun, want: Form, reason?: RegExp): void {
  const form = effective(agent, kind, want);
  const ctx = `${agent}/${kind} want ${form}: exit ${r.code} stdout ${JSON.stringify(r.stdout)} stderr ${JSON.stringify(r.stderr)}`;
  const hasReason = (s: unknown) => {
    expect(typeof s, ctx).toBe('string');
    expect((s as string).length, ctx).toBeGreaterThan(0);
    if (reason) expect(s, ctx).toMatch(reason);
  };
  switch (agent) {
    case 'claude-code': {
      expect(r.code, ctx).toBe(0);
      if (form === 'pass') return void expect(r.stdout, ctx).toBe('');
      const o = json(r).hookSpecificOutput as Record<string, unknown>;
      expect(o.hookEventName, ctx).toBe('PreToolUse');
      expect(o.permissionDecision, ctx).toBe(form);
      return hasReason(o.permissionDecisionReason);
    }
    case 'codex': {
      expect(r.code, ctx).toBe(0);
      if (form === 'pass' || form === 'allow') return void expect(r.stdout, ctx).toBe('');
      const o = json(r).hookSpecificOutput as Record<string, unknown>;
      expect(o.permissionDecision, ctx).toBe('deny');
      return hasReason(o.permissionDecisionReason);
    }
    case 'gemini': {
      expect(r.code, ctx).toBe(0);
      const o = json(r);
      if (form === 'pass' || form === 'allow') return void expect(o, ctx).toEqual({});
      expect(o.decision, ctx).toBe(form);
      return hasReason(o.reason);
    }
    case 'cursor': {
      expect(r.code, ctx).toBe(0);
      const o = json(r);
      if (form === 'pass' || form === 'allow') return void expect(o, ctx).toEqual({ permission: 'allow' });
      expect(o.permission, ctx).toBe(form);
      hasReason(o.user_message);
      return hasReason(o.agent_message);
    }
    case 'copilot': {
      expect(r.code, ctx).toBe(0);
      if (form === 'pass' || form === 'allow') return void expect(r.stdout, ctx).toBe('');
      const o = json(r);
      expect(o.permissionDecision, ctx).toBe(form);
      return hasReason(o.permissionDecisionReason);
    }
    case 'windsurf': {
      if (form === 'pass' || form === 'allow') {
        expect(r.code, ctx).toBe(0);
        return void expect(r.stdout, ctx).toBe('');
      }
      expect(r.code, ctx).toBe(2);
      return hasReason(r.stderr.trim());
    }
    case 'cline': {
      expect(r.code, ctx).toBe(0);
      const o = json(r);
      if (form === 'pass' || form === 'allow') return void expect(o, ctx).toEqual({ cancel: false });
      expect(o.cancel, ctx).toBe(true);
      return hasReason(o.errorMessage);
    }
  }
}
