import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetsOf } from '../../../src-main/services/hooks/config/targets.js';
import { HOOK_AGENTS, type HookAgent } from '../../../src-main/services/hooks/types.js';
import { cleanEnv, runCli, startServer, UNREACHABLE, type LiveServer } from '../helpers.js';
import { ACTION_TYPE, fixture, KINDS, type Kind } from './fixtures/index.js';
import { expectForm } from './forms.js';
import { installedCommand, nodeHook, spawnHook, withWait, type HookRun } from './run.js';

/**
 * SPEC 9.1 / 9.4 end to end: each agent's documented hook JSON (fixtures/, with sources) fed to
 * the command `gatehouse hook install` wrote — the sh transport, through bash's /dev/tcp here — and to the Node transport,
 * against a live server on 127.0.0.1 port 0. Every answer is checked in that agent's own form.
 */

let server: LiveServer;
let home: string;
let dead: string;
let env: Record<string, string>;
const commands = new Map<HookAgent, { cmd: string; args: string[] }>();
let n = 0;
const tag = (what: string) => `${what}-${++n}`;

async function recorded(agent: HookAgent, t: string): Promise<Record<string, unknown>> {
  const id = agent === 'gemini' ? 'gemini-cli' : agent;
  const page = await server.admin<{ items: Record<string, unknown>[] }>('GET', `/api/v1/actions?agent_id=${id}&limit=200`);
  const a = page.items.find((x) => String(x.resource ?? '').includes(t));
  if (!a) throw new Error(`no ${id} action recorded with ${t}`);
  return a;
}

const run = (agent: HookAgent, input: string, c = commands.get(agent)!) => spawnHook(c.cmd, c.args, input, env);
const deadCommand = (agent: HookAgent) => {
  const c = commands.get(agent)!;
  const line = c.cmd === 'sh' ? c.args[1]! : withWait(c, 300).args[1]!;
  return { cmd: 'sh', args: ['-c', line.replace(`--data-dir ${server.dataDir}`, `--data-dir ${dead}`)] };
};

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'gatehouse-hooks-home-'));
  server = await startServer({ env: { HOME: home } });
  env = cleanEnv({ HOME: home });
  // A data dir whose server is gone: its server.json names a closed port.
  dead = mkdtempSync(join(tmpdir(), 'gatehouse-hooks-dead-'));
  mkdirSync(join(dead, 'hooks'));
  writeFileSync(join(dead, 'server.json'), JSON.stringify({ url: UNREACHABLE, port: 9, pid: 1 }, null, 2));
  copyFileSync(join(server.dataDir, 'credentials.json'), join(dead, 'credentials.json'));
  const policy = (id: string, effect: string, glob: string) =>
    server.admin('POST', '/api/v1/policies', { id, name: `hook test ${id}`, effect, priority: 600, when: { resource: glob } });
  await policy('hook-allow', 'allow', '*allowed-by-policy*');
  await policy('hook-deny', 'deny', '*forbidden*');
  await policy('hook-approve', 'require_approval', '*needs-approval*');
  for (const agent of HOOK_AGENTS) {
    const r = await runCli(['hook', 'install', agent, '--data-dir', server.dataDir], null, env);
    expect(r.code, r.stderr).toBe(0);
    commands.set(agent, installedCommand(agent, targetsOf(agent, 'user', { home })[0]!.path));
  }
  copyFileSync(join(server.dataDir, 'hooks', 'agent-key.header'), join(dead, 'hooks', 'agent-key.header'));
}, 120_000);

afterAll(async () => {
  await server?.stop();
  for (const d of [home, dead]) if (d) rmSync(d, { recursive: true, force: true });
});

async function held(agent: HookAgent, kind: Kind, verb: 'approve' | 'deny', c = commands.get(agent)!): Promise<HookRun> {
  const t = tag('needs-approval');
  const p = run(agent, fixture(agent, kind, t), c);
  await server.resolveWhenPending((a) => String(a.resource ?? '').includes(t), verb, { comment: `hook test ${verb}` });
  return p;
}

describe.each(HOOK_AGENTS)('%s through the installed hook', (agent) => {
  it('maps shell, write, read and MCP calls; an explicit allow and a fallback allow answer in the agent’s form', async () => {
    for (const kind of KINDS) {
      const t = tag('allowed-by-policy');
      expectForm(agent, kind, await run(agent, fixture(agent, kind, t)), 'allow');
      const a = await recorded(agent, t);
      expect(a.action_type, `${agent}/${kind}`).toBe(ACTION_TYPE[agent][kind]);
      expect(a.agent_id).toBe(agent === 'gemini' ? 'gemini-cli' : agent);
      expect(a.status).toBe('allowed');
      if (kind === 'mcp') expect(a.mcp).toMatchObject({ server_id: expect.any(String), tool: 'read_file' });
      const p = tag('plain');
      expectForm(agent, kind, await run(agent, fixture(agent, kind, p)), 'pass');
      expect((await recorded(agent, p)).policy).toBeNull();
    }
  });

  it('denies in the agent’s deny form with the reason', async () => {
    for (const kind of KINDS) {
      const t = tag('forbidden');
      expectForm(agent, kind, await run(agent, fixture(agent, kind, t)), 'deny', /hook test hook-deny|hook-deny/);
      expect((await recorded(agent, t)).status).toBe('denied');
    }
  });

  it('holds a pending action until a person approves it (allow, or no opinion where allow would loosen the agent)', async () => {
    const r = await held(agent, 'shell', 'approve');
    expectForm(agent, 'shell', r, 'allow', /approved/);
  });

  it('holds a pending action until a person rejects it (deny with the reason)', async () => {
    const r = await held(agent, 'write', 'deny');
    expectForm(agent, 'write', r, 'deny', /rejected/);
  });

  it('past its hold the action is withdrawn and leaves the inbox; the agent asks, or refuses where it cannot ask', async () => {
    const t = tag('needs-approval');
    const kind: Kind = 'mcp';
    const r = await run(agent, fixture(agent, kind, t), withWait(commands.get(agent)!, 1));
    expectForm(agent, kind, r, 'ask', /withdrawn/);
    const a = await recorded(agent, t);
    expect(a.status).toBe('withdrawn');
    const pending = await server.admin<{ items: { action_id: string }[] }>('GET', '/api/v1/approvals?status=pending');
    expect(pending.items.map((i) => i.action_id)).not.toContain(a.action_id);
  });

  it('Gatehouse unreachable: asks, or refuses where the agent cannot ask — never a silent pass', async () => {
    const r = await run(agent, fixture(agent, 'shell', tag('plain')), deadCommand(agent));
    expectForm(agent, 'shell', r, 'ask', /could not be reached/);
  });

  it('garbage input: asks, or refuses where the agent cannot ask', async () => {
    const kind: Kind = agent === 'cursor' ? 'read' : 'shell';
    for (const input of ['not json {', '[]', '{}', '']) expectForm(agent, kind, await run(agent, input), 'ask');
  });

  it('the Node transport (`gatehouse hook AGENT`) answers the same', async () => {
    const c = nodeHook(agent, server.dataDir, 30);
    const t = tag('forbidden');
    expectForm(agent, 'shell', await run(agent, fixture(agent, 'shell', t), c), 'deny', /hook-deny/);
    expectForm(agent, 'shell', await held(agent, 'shell', 'approve', c), 'allow', /approved/);
    expectForm(agent, 'shell', await run(agent, fixture(agent, 'shell', tag('plain')), nodeHook(agent, dead, 30)), 'ask', /unreachable/);
    expectForm(agent, agent === 'cursor' ? 'read' : 'shell', await run(agent, 'garbage', c), 'ask');
    // A --wait typed by hand that is not a number of seconds holds for the agent's default (as the
    // shell transport does), never for none: that withdrew every held action at once.
    const typo = { cmd: c.cmd, args: c.args.map((a, i) => (c.args[i - 1] === '--wait' ? 'soon' : a)) };
    expectForm(agent, 'shell', await held(agent, 'shell', 'approve', typo), 'allow', /approved/);
  });
});

describe('the sh transport without bash or curl', () => {
  it('hands over to the Node transport', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'gatehouse-nocurl-'));
    try {
      for (const tool of ['sh', 'cat']) symlinkSync(`/bin/${tool}`, join(bin, tool));
      const c = commands.get('codex')!;
      const r = await spawnHook('/bin/sh', ['-c', c.args[1]!], fixture('codex', 'shell', tag('forbidden')), { ...env, PATH: bin });
      expectForm('codex', 'shell', r, 'deny', /hook-deny/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe('Claude Code specifics (SPEC 9.1)', () => {
  const agent: HookAgent = 'claude-code';

  it('a subagent’s id and type go into the context', async () => {
    const t = tag('allowed-by-policy');
    const input = JSON.parse(fixture(agent, 'subagent')) as Record<string, Record<string, unknown>>;
    input.tool_input!.command = `echo ${t}`;
    expectForm(agent, 'shell', await run(agent, JSON.stringify(input)), 'allow');
    expect((await recorded(agent, t)).context).toMatchObject({
      subagent_id: 'agent-7f3a',
      subagent_type: 'code-reviewer',
      cwd: '/Users/dev/my-app',
    });
  });

  it('a fallback allow is no decision at all (docker system prune -af does not skip Claude Code’s prompt)', async () => {
    const input = JSON.parse(fixture(agent, 'shell')) as Record<string, Record<string, unknown>>;
    input.tool_input!.command = 'docker system prune -af';
    const r = await run(agent, JSON.stringify(input));
    expect(r.stdout).not.toContain('"allow"');
  });

  it('PermissionRequest answers from Gatehouse’s decision for the same tool call', async () => {
    const pre = (t: string) => {
      const i = JSON.parse(fixture(agent, 'shell')) as Record<string, unknown> & { tool_input: Record<string, unknown> };
      i.tool_input.command = `echo ${t}`;
      return i;
    };
    const ask = (i: Record<string, unknown>) => {
      const p = JSON.parse(fixture(agent, 'permission-request')) as Record<string, unknown>;
      return JSON.stringify({ ...p, session_id: i.session_id, tool_input: i.tool_input });
    };
    const allowed = pre(tag('allowed-by-policy'));
    await run(agent, JSON.stringify(allowed));
    const r1 = await run(agent, ask(allowed));
    expect(r1.code).toBe(0);
    expect(JSON.parse(r1.stdout)).toEqual({ hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'allow' } } });
    const plain = pre(tag('plain'));
    await run(agent, JSON.stringify(plain));
    const r2 = await run(agent, ask(plain));
    expect(r2).toMatchObject({ code: 0, stdout: '' });
    const denied = pre(tag('forbidden'));
    await run(agent, JSON.stringify(denied));
    const r3 = JSON.parse((await run(agent, ask(denied))).stdout) as {
      hookSpecificOutput: { decision: { behavior: string; message: string } };
    };
    expect(r3.hookSpecificOutput.decision.behavior).toBe('deny');
    expect(r3.hookSpecificOutput.decision.message).toMatch(/hook-deny/);
    // Unknown to Gatehouse (another server, a restart): the dialog shows as usual.
    const r4 = await run(agent, ask(pre(tag('never-seen'))));
    expect(r4).toMatchObject({ code: 0, stdout: '' });
  });

  it('hook_fallback: allow turns a fallback allow into allow', async () => {
    await server.admin('PUT', '/api/v1/settings', { hook_fallback: 'allow' });
    try {
      expectForm(agent, 'shell', await run(agent, fixture(agent, 'shell', tag('plain'))), 'allow');
    } finally {
      await server.admin('PUT', '/api/v1/settings', { hook_fallback: 'pass' });
    }
    expectForm(agent, 'shell', await run(agent, fixture(agent, 'shell', tag('plain'))), 'pass');
  });

  it('--on-error deny refuses and --on-error pass passes when Gatehouse is unreachable', async () => {
    const base = deadCommand(agent).args[1]!;
    const deny = await spawnHook('sh', ['-c', base.replace('--on-error ask', '--on-error deny')], fixture(agent, 'shell'), env);
    expectForm(agent, 'shell', deny, 'deny', /--on-error deny/);
    const pass = await spawnHook('sh', ['-c', base.replace('--on-error ask', '--on-error pass')], fixture(agent, 'shell'), env);
    expectForm(agent, 'shell', pass, 'pass');
  });

  it('the hook process going away withdraws the held action', async () => {
    const t = tag('needs-approval');
    const ac = new AbortController();
    const creds = server.agentKey;
    const p = fetch(`${server.url}/api/v1/hooks/claude-code?wait=60`, {
      method: 'POST',
      headers: { 'x-api-key': creds, 'content-type': 'application/json' },
      body: fixture(agent, 'shell', t),
      signal: ac.signal,
    }).catch(() => null);
    const id = await server.waitForPending((a) => String(a.resource ?? '').includes(t));
    ac.abort();
    await p;
    let status = '';
    for (let i = 0; i < 100 && status !== 'withdrawn'; i++) {
      status = (await server.admin<{ status: string }>('GET', `/api/v1/actions/${id}/status`)).status;
      if (status !== 'withdrawn') await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe('withdrawn');
  });
});

describe('gatehouse hook status and GET /api/v1/integrations', () => {
  it('lists every agent, where it is wired, and its last call', async () => {
    for (const agent of HOOK_AGENTS) await run(agent, fixture(agent, 'read', tag('plain')));
    const body = await server.admin<{
      items: { agent: string; installed: { scope: string; path: string }[]; last_call_at: string | null }[];
    }>('GET', '/api/v1/integrations');
    expect(body.items.map((i) => i.agent)).toEqual([...HOOK_AGENTS]);
    for (const i of body.items) expect(i.last_call_at, i.agent).not.toBeNull();
    const r = await runCli(['hook', 'status', '--data-dir', server.dataDir], null, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Claude Code\s+hook installed \(user: .*settings\.json\) — last call \d+ (s|min) ago/);
    expect(r.stdout).toMatch(/Cline\s+hook installed/);
    const agentKey = await fetch(`${server.url}/api/v1/integrations`, { headers: { 'x-api-key': server.agentKey } });
    expect(agentKey.status).toBe(403);
  });
});
