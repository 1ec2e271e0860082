import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ActionStatus, Decision } from '../../../src-shared/index.js';
import { serverIdFrom } from '../../../src-main/services/hooks/agents/cursor.js';
import { patchPaths } from '../../../src-main/services/hooks/common.js';
import { ADAPTERS } from '../../../src-main/services/hooks/registry.js';
import { HookService, type HookPorts } from '../../../src-main/services/hooks/service.js';
import type { HookAgent } from '../../../src-main/services/hooks/types.js';
import { holdSeconds, verdictOf } from '../../../src-main/services/hooks/verdict.js';
import { fixture, fixtureText } from './fixtures/index.js';

/** The pure parts: mapping, verdicts, the hold and withdraw logic of the hook service (no server). */

const parse = (agent: HookAgent, text: string) => ADAPTERS[agent].parse(JSON.parse(text) as Record<string, unknown>);
const request = (agent: HookAgent, text: string) => {
  const p = parse(agent, text);
  if (p.kind !== 'call') throw new Error('expected a call');
  return p.request;
};

describe('verdicts (SPEC 9.1: explicit allow only for a policy or a person)', () => {
  const base = { action_id: 'act_1', reason: 'r' };
  it('allow for an allow policy or an approval; no opinion for a fallback allow or monitor mode', () => {
    expect(verdictOf({ ...base, decision: 'allowed', status: 'allowed', policy: { id: 'p', effect: 'allow' } }, 'pass')!.kind).toBe(
      'allow',
    );
    expect(verdictOf({ ...base, decision: 'allowed', status: 'approved', reviewed_by: 'user' }, 'pass')!.kind).toBe('allow');
    expect(verdictOf({ ...base, decision: 'allowed', status: 'allowed', policy: null, flags: ['medium-risk'] }, 'pass')!.kind).toBe('pass');
    expect(verdictOf({ ...base, decision: 'allowed', status: 'allowed', policy: null }, 'allow')!.kind).toBe('allow');
    // monitor mode: what would have been denied is never turned into an allow
    const monitored = { ...base, decision: 'allowed', status: 'allowed', policy: { id: 'd', effect: 'deny' }, flags: ['would_deny'] };
    expect(verdictOf(monitored, 'pass')!.kind).toBe('pass');
    expect(verdictOf(monitored, 'allow')!.kind).toBe('pass');
    // an approval that expired into an allow (timeout_action allow) is nobody's explicit allow
    expect(verdictOf({ ...base, decision: 'allowed', status: 'expired', reviewed_by: 'timeout' }, 'pass')!.kind).toBe('pass');
  });
  it('deny for denied, rejected, expired and withdrawn, with the reason and the comment', () => {
    for (const status of ['denied', 'rejected', 'expired', 'withdrawn']) {
      const v = verdictOf({ ...base, decision: 'denied', status, comment: 'not today' }, 'pass')!;
      expect(v.kind).toBe('deny');
      expect(v.reason).toMatch(/act_1/);
      expect(v.reason).toMatch(/not today/);
      // One sentence whatever the status: "Gatehouse <verb> this tool call[ (why)]: <reason>".
      expect(v.reason).toMatch(/^Gatehouse (denied|rejected) this tool call( \(the (approval expired|request was withdrawn)\))?: r/);
    }
    expect(verdictOf({ decision: 'pending' }, 'pass')).toBeNull();
    expect(verdictOf({ decision: 'weird' }, 'pass')!.kind).toBe('ask');
  });
  it('holds within each agent’s limit', () => {
    expect(holdSeconds(ADAPTERS.cline, 300)).toBe(26);
    expect(holdSeconds(ADAPTERS['claude-code'])).toBe(300);
    expect(holdSeconds(ADAPTERS.windsurf)).toBe(55);
  });
});

describe('mapping details', () => {
  it('Codex apply_patch: every file the patch touches is the resource', () => {
    const r = request('codex', fixtureText('codex', 'write'));
    expect(r).toMatchObject({ action_type: 'file.write', resource: 'src/app.ts src/new.ts', agent_id: 'codex' });
    expect(patchPaths('*** Begin Patch\n*** Delete File: a\n*** Update File: b\n*** Move to: c\n*** End Patch')).toEqual(['a', 'b', 'c']);
  });
  it('Claude Code: subagents, MCP names, idempotency per tool call', () => {
    const r = request('claude-code', fixtureText('claude-code', 'subagent'));
    expect(r.context).toMatchObject({ subagent_id: 'agent-7f3a', subagent_type: 'code-reviewer', session_id: 'abc123' });
    expect(r.idempotency_key).toBe('claude-code:abc123:toolu_01ABC127');
    expect(request('claude-code', fixtureText('claude-code', 'mcp'))).toMatchObject({
      action_type: 'mcp.tool_call',
      mcp: { server_id: 'filesystem', tool: 'read_file' },
      resource: '/Users/dev/my-app/notes.txt',
    });
    expect(parse('claude-code', fixtureText('claude-code', 'permission-request')).kind).toBe('local');
  });
  it('Cursor: preToolUse leaves Shell, Read and MCP to their own events; the read content is not sent', () => {
    const shell = JSON.stringify({
      hook_event_name: 'preToolUse',
      tool_name: 'Shell',
      tool_input: { command: 'ls' },
      conversation_id: 'c',
    });
    expect(parse('cursor', shell)).toMatchObject({ kind: 'local', verdict: { kind: 'pass' } });
    const read = request('cursor', fixtureText('cursor', 'read'));
    expect(JSON.stringify(read)).not.toContain('# app');
    expect(read.parameters).toEqual({ file_path: '/home/dev/app/README.md', content_length: 6 });
    expect(request('cursor', fixtureText('cursor', 'mcp')).parameters).toEqual({ path: '/home/dev/app/notes.txt' });
  });
  it('Copilot toolArgs as a JSON string or an object; Cline MCP arguments as a string', () => {
    expect(request('copilot', fixtureText('copilot', 'shell'))).toMatchObject({ action_type: 'shell.exec', resource: 'npm test' });
    expect(request('copilot', fixtureText('copilot', 'mcp'))).toMatchObject({ action_type: 'mcp.tool_call', session_id: '7b2f9c' });
    expect(request('cline', fixtureText('cline', 'mcp'))).toMatchObject({
      mcp: { server_id: 'filesystem', tool: 'read_file' },
      parameters: { path: '/home/dev/app/notes.txt' },
    });
  });
  it('web fetches and searches are http.request for every agent, and file searches file.read (SPEC 9.1 mapping, 9.4 "the same")', () => {
    const url = 'https://docs.example.com/guide';
    const calls: [HookAgent, Record<string, unknown>, string][] = [
      ['claude-code', { hook_event_name: 'PreToolUse', tool_name: 'WebFetch', tool_input: { url, prompt: 'x' } }, url],
      ['claude-code', { hook_event_name: 'PreToolUse', tool_name: 'WebSearch', tool_input: { query: 'rust async' } }, 'rust async'],
      ['gemini', { hook_event_name: 'BeforeTool', tool_name: 'web_fetch', tool_input: { prompt: `Summarize ${url} please` } }, url],
      ['gemini', { hook_event_name: 'BeforeTool', tool_name: 'google_web_search', tool_input: { query: 'rust async' } }, 'rust async'],
      ['codex', { hook_event_name: 'PreToolUse', tool_name: 'web_search', tool_input: { query: 'rust async' } }, 'rust async'],
      ['copilot', { toolName: 'web_fetch', toolArgs: JSON.stringify({ url }) }, url],
      ['cline', { hookName: 'PreToolUse', taskId: 't', preToolUse: { toolName: 'web_fetch', parameters: { url } } }, url],
      ['cursor', { hook_event_name: 'preToolUse', tool_name: 'WebFetch', tool_input: { url }, conversation_id: 'c' }, url],
    ];
    for (const [agent, input, resource] of calls)
      expect(request(agent, JSON.stringify(input)), `${agent} ${JSON.stringify(input)}`).toMatchObject({
        action_type: 'http.request',
        resource,
      });
    for (const tool of ['Grep', 'Glob', 'LS'])
      expect(
        request('cursor', JSON.stringify({ hook_event_name: 'preToolUse', tool_name: tool, tool_input: { pattern: 'TODO', path: 'src' } })),
      ).toMatchObject({ action_type: 'file.read', resource: 'src' });
  });
  it('unusable input is an error the service answers in the agent’s failure form', () => {
    expect(() => parse('windsurf', '{"agent_action_name":"pre_run_command","tool_info":{}}')).toThrow(/command_line/);
    expect(() => parse('cline', '{"hookName":"PostToolUse"}')).toThrow(/hookName/);
    expect(() => parse('cursor', '{"hook_event_name":"stop"}')).toThrow(/hook_event_name/);
  });
});

/** A fake core: decisions scripted by the test, a controllable clock. */
function fakePorts(o: { submit: () => Decision; statusAfterWait?: () => Partial<ActionStatus>; withdrawFails?: boolean }) {
  let now = 1_000_000;
  const withdrawn: string[] = [];
  let current: Partial<ActionStatus> = {};
  const ports: HookPorts = {
    submit: () => {
      const d = o.submit();
      current = d as Partial<ActionStatus>;
      return Promise.resolve(d);
    },
    status: () => current as ActionStatus,
    waitForChange: (_id, ms) => {
      now += ms;
      if (o.statusAfterWait) current = { ...current, ...o.statusAfterWait() };
      return Promise.resolve();
    },
    withdraw: (id) => {
      if (o.withdrawFails) return Promise.reject(new Error('409 already answered'));
      withdrawn.push(id);
      current = { ...current, decision: 'denied', status: 'withdrawn' };
      return Promise.resolve(current as ActionStatus);
    },
    fallback: () => 'pass',
    now: () => now,
    noteCall: () => undefined,
  };
  return { ports, withdrawn, setStatus: (s: Partial<ActionStatus>) => (current = { ...current, ...s }) };
}
const pending = (): Decision =>
  ({ action_id: 'act_9', decision: 'pending', status: 'pending', reason: 'held', policy: null, flags: [] }) as unknown as Decision;
const opts = { caller: { boundAgentId: null, keyId: 'k' }, ownerKeyId: 'k', waitS: 5, onError: 'ask' as const };

describe('the hook service', () => {
  it('withdraws a request nobody answered within the hold, and asks (Claude Code) or refuses (Codex)', async () => {
    const f = fakePorts({ submit: pending });
    const s = new HookService(f.ports);
    const r = await s.handle('claude-code', fixture('claude-code', 'shell'), opts);
    expect(f.withdrawn).toEqual(['act_9']);
    expect(JSON.parse(r.stdout).hookSpecificOutput).toMatchObject({ permissionDecision: 'ask' });
    const f2 = fakePorts({ submit: pending });
    const r2 = await new HookService(f2.ports).handle('codex', fixture('codex', 'shell'), opts);
    expect(JSON.parse(r2.stdout).hookSpecificOutput).toMatchObject({ permissionDecision: 'deny' });
  });
  it('a person’s answer that beats the withdrawal stands', async () => {
    const f = fakePorts({ submit: pending, withdrawFails: true });
    const s = new HookService(f.ports);
    f.ports.withdraw = () => {
      f.setStatus({ decision: 'allowed', status: 'approved', reviewed_by: 'user' });
      return Promise.reject(new Error('409'));
    };
    const r = await s.handle('claude-code', fixture('claude-code', 'shell'), opts);
    expect(JSON.parse(r.stdout).hookSpecificOutput).toMatchObject({ permissionDecision: 'allow' });
  });
  it('the hook going away (abort) withdraws at once', async () => {
    const f = fakePorts({ submit: pending });
    f.ports.waitForChange = () => new Promise(() => undefined); // never changes by itself
    const ac = new AbortController();
    const p = new HookService(f.ports).handle('gemini', fixture('gemini', 'shell'), { ...opts, waitS: 3600, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    await p;
    expect(f.withdrawn).toEqual(['act_9']);
  });
  it('Claude Code: an event that gates no tool call (PostToolUse wired by hand) gets no answer, never one labelled PreToolUse', async () => {
    const f = fakePorts({ submit: pending });
    const post = JSON.stringify({ session_id: 's', hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command: 'ls' } });
    const r = await new HookService(f.ports).handle('claude-code', post, opts);
    expect({ stdout: r.stdout, exit_code: r.exit_code }).toEqual({ stdout: '', exit_code: 0 });
  });
  it('an error while deciding answers the failure form, never a pass', async () => {
    const f = fakePorts({
      submit: () => {
        throw new Error('storage cannot be written');
      },
    });
    for (const agent of Object.keys(ADAPTERS) as HookAgent[]) {
      const r = await new HookService(f.ports).handle(agent, fixture(agent, 'shell'), opts);
      expect(r.verdict === 'ask' || r.verdict === 'deny', agent).toBe(true);
    }
  });
});

describe('hostile hook input', () => {
  const denied = (): Decision =>
    ({ action_id: 'act_d', decision: 'denied', status: 'denied', reason: 'no', policy: null, flags: [] }) as unknown as Decision;
  const events = [
    'PreToolUse',
    'PermissionRequest',
    'BeforeTool',
    'beforeShellExecution',
    'beforeMCPExecution',
    'beforeReadFile',
    'preToolUse',
    'pre_run_command',
    'pre_write_code',
    'pre_read_code',
    'pre_mcp_tool_use',
    'x',
  ];
  const tools = [
    'Bash',
    'Write',
    'apply_patch',
    'run_shell_command',
    'mcp__a__b',
    'mcp__',
    'Shell',
    'bash',
    'edit',
    'use_mcp_tool',
    'execute_command',
    'x',
  ];
  const shaped = fc.record(
    {
      hook_event_name: fc.constantFrom(...events),
      agent_action_name: fc.constantFrom(...events),
      hookName: fc.constantFrom('PreToolUse', 'x'),
      tool_name: fc.oneof(fc.constantFrom(...tools), fc.jsonValue()),
      toolName: fc.oneof(fc.constantFrom(...tools), fc.jsonValue()),
      tool_input: fc.jsonValue(),
      toolArgs: fc.oneof(fc.jsonValue(), fc.string()),
      tool_info: fc.jsonValue(),
      preToolUse: fc.record(
        { toolName: fc.oneof(fc.constantFrom(...tools), fc.jsonValue()), parameters: fc.jsonValue() },
        { requiredKeys: [] },
      ),
      command: fc.jsonValue(),
      file_path: fc.jsonValue(),
      session_id: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );
  it('never throws, and answers only in the agent’s forms (exit 0 or 2, at most one JSON line)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(ADAPTERS) as HookAgent[])),
        fc.oneof(shaped, fc.jsonValue(), fc.string()),
        async (agent, v) => {
          const f = fakePorts({ submit: denied });
          const text = typeof v === 'string' ? v : JSON.stringify(v);
          const r = await new HookService(f.ports).handle(agent, text ?? '', opts);
          expect([0, 2]).toContain(r.exit_code);
          const lines = r.stdout.split('\n').filter(Boolean);
          expect(lines.length).toBeLessThanOrEqual(1);
          if (lines.length) JSON.parse(lines[0]!);
          // Whatever reached the core was denied: the answer is never an allow.
          if (r.action_id) expect(r.verdict).toBe('deny');
          if (!r.action_id) expect(r.verdict === 'allow').toBe(false);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('Cursor MCP server ids', () => {
  it('are readable: the URL host or the program the command starts', () => {
    expect(serverIdFrom(undefined, 'npx -y @modelcontextprotocol/server-filesystem /home/dev/app')).toBe('server-filesystem');
    expect(serverIdFrom('https://mcp.example.com/sse', undefined)).toBe('mcp.example.com');
    expect(serverIdFrom(undefined, 'uvx mcp-server-git@1.2 --repo .')).toBe('mcp-server-git');
    expect(serverIdFrom(undefined, 'docker run -i --rm ghcr.io/github/github-mcp-server')).toBe('github-mcp-server');
    expect(request('cursor', fixtureText('cursor', 'mcp')).mcp).toEqual({ server_id: 'server-filesystem', tool: 'read_file' });
  });
});
