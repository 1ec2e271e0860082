import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addHook, removeHook } from '../../src-main/integrations/claude-code/install.js';
import { BIN, cleanEnv, ensureBuilt, NODE, runCli, UNREACHABLE } from './helpers.js';

/** `gatehouse hook install claude-code` into a temporary HOME / project. */

const existing = {
  model: 'opus',
  permissions: { allow: ['Bash(npm test:*)'], deny: ['Read(./.env)'] },
  env: { FOO: 'bar' },
  hooks: {
    PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: '/usr/local/bin/my-bash-check', timeout: 5 }] }],
    PostToolUse: [{ matcher: 'Write|Edit', hooks: [{ type: 'command', command: 'prettier --write "$FILE"' }] }],
  },
};

const dirs: string[] = [];
function tempHome(settings?: unknown): { home: string; file: string } {
  const home = mkdtempSync(join(tmpdir(), 'gatehouse-home-'));
  dirs.push(home);
  const file = join(home, '.claude', 'settings.json');
  if (settings !== undefined) {
    mkdirSync(join(home, '.claude'), { recursive: true });
    writeFileSync(file, typeof settings === 'string' ? settings : JSON.stringify(settings, null, 2));
  }
  return { home, file };
}
const read = (f: string) =>
  JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown> & {
    hooks?: { PreToolUse?: { matcher: string; hooks: { command: string; timeout?: number; type: string }[] }[] };
  };
const ours = (s: ReturnType<typeof read>) =>
  (s.hooks?.PreToolUse ?? []).flatMap((g) => g.hooks.filter((h) => h.command.includes('hook claude-code')).map((h) => ({ g, h })));

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

describe('gatehouse hook install claude-code', () => {
  it('adds the hook to ~/.claude/settings.json keeping every other setting and hook; idempotent; uninstall restores', async () => {
    const { home, file } = tempHome(existing);
    const env = cleanEnv({ HOME: home });
    const r1 = await runCli(['hook', 'install', 'claude-code'], null, env);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stdout).toContain(file);
    const s1 = read(file);
    expect(s1.model).toBe('opus');
    expect(s1.permissions).toEqual(existing.permissions);
    expect(s1.env).toEqual(existing.env);
    expect(s1.hooks!.PreToolUse![0]).toEqual(existing.hooks.PreToolUse[0]);
    expect((s1.hooks as Record<string, unknown>).PostToolUse).toEqual(existing.hooks.PostToolUse);
    const o = ours(s1);
    expect(o).toHaveLength(1);
    expect(o[0]!.g.matcher).toBe('*');
    expect(o[0]!.h.type).toBe('command');
    expect(o[0]!.h.command).toBe(`${NODE} ${BIN} hook claude-code --wait 300`);
    expect(o[0]!.h.timeout).toBeGreaterThan(300);
    expect(existsSync(`${file}.gatehouse.bak`)).toBe(true);
    expect(JSON.parse(readFileSync(`${file}.gatehouse.bak`, 'utf8'))).toEqual(existing);

    const r2 = await runCli(['hook', 'install', 'claude-code'], null, env);
    expect(r2.code).toBe(0);
    expect(r2.stdout).toMatch(/already installed/);
    expect(ours(read(file))).toHaveLength(1);
    expect(read(file)).toEqual(s1);

    const r3 = await runCli(['hook', 'install', 'claude-code', '--uninstall'], null, env);
    expect(r3.code, r3.stderr).toBe(0);
    expect(read(file)).toEqual(existing);
    const r4 = await runCli(['hook', 'install', 'claude-code', '--uninstall'], null, env);
    expect(r4.code).toBe(0);
    expect(r4.stdout).toMatch(/not installed/);
  });

  it('creates the file in a fresh HOME, and uninstall leaves no empty containers', async () => {
    const { home, file } = tempHome();
    const env = cleanEnv({ HOME: home });
    expect((await runCli(['hook', 'install', 'claude-code', '--wait', '60'], null, env)).code).toBe(0);
    const s = read(file);
    expect(ours(s)[0]!.h.command).toMatch(/hook claude-code --wait 60$/);
    expect(ours(s)[0]!.h.timeout).toBe(70);
    expect((await runCli(['hook', 'install', 'claude-code', '--uninstall'], null, env)).code).toBe(0);
    expect(read(file)).toEqual({});
  });

  it('updates an older copy of the hook instead of adding a second one', async () => {
    const old = {
      hooks: { PreToolUse: [{ matcher: '*', hooks: [{ type: 'command', command: 'gatehouse hook claude-code', timeout: 60 }] }] },
    };
    const { home, file } = tempHome(old);
    const r = await runCli(['hook', 'install', 'claude-code'], null, cleanEnv({ HOME: home }));
    expect(r.stdout).toMatch(/Updated/);
    const o = ours(read(file));
    expect(o).toHaveLength(1);
    expect(o[0]!.h.timeout).toBe(310);
  });

  it('installs into <cwd>/.claude/settings.json with --scope project', async () => {
    const { home } = tempHome();
    const project = mkdtempSync(join(tmpdir(), 'gatehouse-proj-'));
    dirs.push(project);
    const r = await runCli(['hook', 'install', 'claude-code', '--scope', 'project'], null, cleanEnv({ HOME: home }), { cwd: project });
    expect(r.code, r.stderr).toBe(0);
    expect(ours(read(join(project, '.claude', 'settings.json')))).toHaveLength(1);
    expect(existsSync(join(home, '.claude', 'settings.json'))).toBe(false);
  });

  it('refuses to touch invalid JSON, with a clear error', async () => {
    const bad = '{ "model": "opus", // a comment\n }';
    const { home, file } = tempHome(bad);
    const r = await runCli(['hook', 'install', 'claude-code'], null, cleanEnv({ HOME: home }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not valid JSON/);
    expect(r.stderr).toContain(file);
    expect(readFileSync(file, 'utf8')).toBe(bad);
    const { home: h2, file: f2 } = tempHome({ hooks: { PreToolUse: { matcher: '*' } } });
    const r2 = await runCli(['hook', 'install', 'claude-code'], null, cleanEnv({ HOME: h2 }));
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/PreToolUse/);
    expect(read(f2)).toEqual({ hooks: { PreToolUse: { matcher: '*' } } });
  });

  it('keeps the file mode', async () => {
    const { home, file } = tempHome(existing);
    chmodSync(file, 0o600);
    await runCli(['hook', 'install', 'claude-code'], null, cleanEnv({ HOME: home }));
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('installs a command line that works as Claude Code runs it (sh -c, JSON on stdin)', async () => {
    const { home, file } = tempHome();
    await runCli(['hook', 'install', 'claude-code'], null, cleanEnv({ HOME: home }));
    const command = ours(read(file))[0]!.h.command;
    const out = execFileSync('sh', ['-c', command], {
      input: JSON.stringify({
        session_id: 's',
        tool_name: 'Bash',
        tool_input: { command: 'ls' },
        tool_use_id: 't',
        hook_event_name: 'PreToolUse',
      }),
      env: cleanEnv({ HOME: home, GATEHOUSE_URL: UNREACHABLE, GATEHOUSE_API_KEY: 'gk_agent_x' }),
      cwd: tmpdir(),
    }).toString();
    expect(JSON.parse(out).hookSpecificOutput.permissionDecision).toBe('ask');
  });

  it('rejects an unknown agent', async () => {
    const { home } = tempHome();
    const r = await runCli(['hook', 'install', 'cursor'], null, cleanEnv({ HOME: home }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/only claude-code/);
  });
});

describe('addHook / removeHook', () => {
  it('takes our hook out of a shared group without changing the other hooks or their matcher', () => {
    const s = {
      hooks: {
        PreToolUse: [
          {
            matcher: 'Bash',
            hooks: [
              { type: 'command', command: 'mine' },
              { type: 'command', command: 'x hook claude-code' },
            ],
          },
        ],
      },
    };
    expect(addHook(s, 'node gh hook claude-code --wait 300', 310)).toBe('updated');
    expect(s.hooks.PreToolUse).toEqual([
      { matcher: 'Bash', hooks: [{ type: 'command', command: 'mine' }] },
      { matcher: '*', hooks: [{ type: 'command', command: 'node gh hook claude-code --wait 300', timeout: 310 }] },
    ]);
    expect(addHook(s, 'node gh hook claude-code --wait 300', 310)).toBe('unchanged');
    expect(removeHook(s)).toBe(true);
    expect(s).toEqual({ hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'mine' }] }] } });
    expect(removeHook(s)).toBe(false);
  });
});
