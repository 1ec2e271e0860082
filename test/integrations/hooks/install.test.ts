import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonc, valueOf, type JsonValue } from '../../../src-main/core/jsonc.js';
import { runHookInstall } from '../../../src-main/integrations/hooks/install/run.js';
import { SCOPES, targetsOf, type Scope } from '../../../src-main/services/hooks/config/targets.js';
import { integrationStatus } from '../../../src-main/services/hooks/status.js';
import { HOOK_AGENTS, type HookAgent } from '../../../src-main/services/hooks/types.js';
import { cleanEnv, ensureBuilt, runCli } from '../helpers.js';

/** `gatehouse hook install AGENT` for every agent and scope (SPEC 9.1, 9.4). */

const dirs: string[] = [];
const temp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  dirs.push(d);
  return d;
};
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});
beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

/** Every file under `dir` with its bytes (the before/after picture of an install and uninstall). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out[`${relative(dir, p)}/`] = '';
        walk(p);
      } else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

interface Setup {
  home: string;
  cwd: string;
  data: string;
  lines: string[];
  install: (scope: Scope, extra?: Record<string, unknown>) => Promise<number>;
}
function setup(): Setup {
  const home = temp('gatehouse-inst-home-');
  const cwd = temp('gatehouse-inst-proj-');
  const data = temp('gatehouse-inst-data-');
  const lines: string[] = [];
  return {
    home,
    cwd,
    data,
    lines,
    install: (scope, extra = {}) =>
      runHookInstall(agentOf.current, { scope, home, cwd, dataDir: data, log: (l) => lines.push(l), ...extra }),
  };
}
const agentOf = { current: 'claude-code' as HookAgent };

/** A realistic config of each agent, with settings and hooks of its own (4-space indented). */
const EXISTING: Record<Exclude<HookAgent, 'cline'>, Record<string, unknown>> = {
  'claude-code': {
    model: 'opus',
    permissions: { allow: ['Bash(npm test:*)'], deny: ['Read(./.env)'] },
    hooks: {
      PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: '/usr/local/bin/my-bash-check', timeout: 5 }] }],
      PostToolUse: [{ matcher: 'Write|Edit', hooks: [{ type: 'command', command: 'prettier --write "$FILE"' }] }],
    },
  },
  codex: {
    hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'python3 ~/.codex/hooks/check.py', timeout: 30 }] }] },
  },
  gemini: {
    theme: 'GitHub',
    general: { vimMode: true },
    hooks: { BeforeTool: [{ matcher: 'write_file', hooks: [{ type: 'command', command: './lint.sh' }] }] },
  },
  cursor: {
    version: 1,
    hooks: { afterFileEdit: [{ command: './format.sh' }], beforeShellExecution: [{ command: './audit.sh', timeout: 5 }] },
  },
  copilot: { version: 1, hooks: { sessionStart: [{ type: 'command', bash: './start.sh' }] } },
  windsurf: { hooks: { post_write_code: [{ command: 'prettier --write', show_output: true }] } },
};

const ourCommands = (v: unknown): string[] => {
  const out: string[] = [];
  const walk = (x: unknown) => {
    if (typeof x === 'string' && x.includes('gatehouse-hook.sh')) out.push(x);
    else if (x && typeof x === 'object') for (const y of Object.values(x as object)) walk(y);
  };
  walk(v);
  return out;
};

describe.each(HOOK_AGENTS)('hook install %s', (agent) => {
  for (const scope of SCOPES[agent]) {
    it(`${scope} scope: installs into a fresh machine, is idempotent, and --uninstall leaves no trace`, async () => {
      agentOf.current = agent;
      const s = setup();
      const base = scope === 'user' ? s.home : s.cwd;
      const before = snapshot(base);
      expect(await s.install(scope)).toBe(0);
      const targets = targetsOf(agent, scope, s);
      for (const t of targets) {
        expect(existsSync(t.path), t.path).toBe(true);
        const text = readFileSync(t.path, 'utf8');
        if (t.kind === 'exec') {
          expect(statSync(t.path).mode & 0o111).toBeTruthy();
          expect(text).toMatch(/^#!\/bin\/sh\n/);
          expect(text).toContain(`gatehouse-hook.sh ${agent} --data-dir ${s.data}`);
          continue;
        }
        const cfg = JSON.parse(text) as Record<string, unknown>;
        const cmds = ourCommands(cfg);
        expect(cmds.length).toBe(t.events.length);
        for (const c of cmds) {
          expect(c).toContain(`--data-dir ${s.data}`);
          expect(c).toContain(` ${agent} `);
        }
        const hooks = cfg.hooks as Record<string, unknown[]>;
        for (const ev of t.events) expect(hooks[ev], ev).toHaveLength(1);
        // Each agent's fail-closed options and a timeout above the hold.
        const entry = JSON.stringify(hooks[t.events[0]!]![0]);
        if (agent === 'claude-code') {
          expect(hooks[t.events[0]!]![0]).toMatchObject({ matcher: '*', hooks: [{ type: 'command', timeout: 310 }] });
          expect(Object.keys(hooks)).toEqual(['PreToolUse', 'PermissionRequest']);
        }
        if (agent === 'codex') expect(hooks.PreToolUse![0]).toMatchObject({ hooks: [{ type: 'command', timeout: 310 }] });
        if (agent === 'gemini')
          expect(hooks.BeforeTool![0]).toMatchObject({ matcher: '.*', hooks: [{ type: 'command', name: 'gatehouse', timeout: 310_000 }] });
        if (agent === 'cursor') {
          expect(cfg.version).toBe(1);
          for (const ev of t.events) expect(hooks[ev]![0]).toMatchObject({ timeout: 310, failClosed: true });
        }
        if (agent === 'copilot')
          expect(hooks.preToolUse![0]).toMatchObject({ type: 'command', timeoutSec: 310, powershell: expect.stringContaining('hook') });
        if (agent === 'windsurf') expect(hooks.pre_run_command![0]).toMatchObject({ show_output: true });
        expect(entry).toContain('gatehouse-hook.sh');
      }
      // The transport and the 0600 key file in the data dir.
      expect(statSync(join(s.data, 'hooks', 'agent-key.header')).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(s.data, 'hooks', 'agent-key.header'), 'utf8')).toMatch(/^X-API-Key: gk_agent_/);
      const installed = snapshot(base);
      s.lines.length = 0;
      expect(await s.install(scope)).toBe(0);
      expect(s.lines[0]).toMatch(/already installed/);
      expect(snapshot(base)).toEqual(installed);
      expect(integrationStatus({ dataDir: s.data, home: s.home }).find((i) => i.agent === agent)!.installed).toEqual(
        targets.map((t) => ({ scope, path: t.path })),
      );
      expect(await s.install(scope, { uninstall: true })).toBe(0);
      expect(snapshot(base)).toEqual(before);
      s.lines.length = 0;
      expect(await s.install(scope, { uninstall: true })).toBe(0);
      expect(s.lines[0]).toMatch(/not installed/);
    });
  }

  if (agent !== 'cline') {
    it('keeps every other setting and hook, and --uninstall restores the file byte for byte', async () => {
      agentOf.current = agent;
      const s = setup();
      const t = targetsOf(agent, 'user', s)[0]!;
      const original = `${JSON.stringify(EXISTING[agent], null, 4)}\n`;
      mkdirSync(dirname(t.path), { recursive: true });
      writeFileSync(t.path, original);
      await s.install('user');
      const cfg = JSON.parse(readFileSync(t.path, 'utf8')) as Record<string, unknown>;
      const theirs = EXISTING[agent] as Record<string, unknown>;
      for (const [k, v] of Object.entries(theirs)) if (k !== 'hooks') expect(cfg[k]).toEqual(v);
      const hooks = cfg.hooks as Record<string, unknown[]>;
      for (const [ev, list] of Object.entries(theirs.hooks as Record<string, unknown[]>))
        expect(hooks[ev]!.slice(0, list.length)).toEqual(list);
      expect(readFileSync(t.path, 'utf8')).toMatch(/^\{\n {4}"/); // the file's own indentation
      await s.install('user', { uninstall: true });
      expect(readFileSync(t.path, 'utf8')).toBe(original);
    });

    it('--uninstall after the user changed the file removes only our entries', async () => {
      agentOf.current = agent;
      const s = setup();
      const t = targetsOf(agent, 'user', s)[0]!;
      mkdirSync(dirname(t.path), { recursive: true });
      writeFileSync(t.path, JSON.stringify(EXISTING[agent], null, 2));
      await s.install('user');
      const cfg = JSON.parse(readFileSync(t.path, 'utf8')) as Record<string, unknown>;
      cfg.addedLater = { keep: true };
      writeFileSync(t.path, JSON.stringify(cfg, null, 2));
      await s.install('user', { uninstall: true });
      expect(JSON.parse(readFileSync(t.path, 'utf8'))).toEqual({ ...EXISTING[agent], addedLater: { keep: true } });
    });

    it('a config that is a symlink (dotfiles) stays one: install and --uninstall write where it points', async () => {
      agentOf.current = agent;
      const s = setup();
      const t = targetsOf(agent, 'user', s)[0]!;
      const dotfiles = temp('gatehouse-inst-dotfiles-');
      const real = join(dotfiles, 'config.json');
      const original = `${JSON.stringify(EXISTING[agent], null, 4)}\n`;
      writeFileSync(real, original);
      mkdirSync(dirname(t.path), { recursive: true });
      symlinkSync(real, t.path);
      await s.install('user');
      expect(lstatSync(t.path).isSymbolicLink()).toBe(true);
      expect(ourCommands(JSON.parse(readFileSync(real, 'utf8'))).length).toBeGreaterThan(0);
      await s.install('user', { uninstall: true });
      expect(lstatSync(t.path).isSymbolicLink()).toBe(true);
      expect(readFileSync(real, 'utf8')).toBe(original);
    });

    it('leaves a config it cannot read untouched', async () => {
      agentOf.current = agent;
      const s = setup();
      const t = targetsOf(agent, 'user', s)[0]!;
      mkdirSync(dirname(t.path), { recursive: true });
      writeFileSync(t.path, '{ "hooks": [ oops');
      await expect(s.install('user')).rejects.toThrow(/not valid JSON/);
      expect(readFileSync(t.path, 'utf8')).toBe('{ "hooks": [ oops');
      writeFileSync(t.path, '{"hooks": []}');
      await expect(s.install('user')).rejects.toThrow(/"hooks" is not an object/);
      expect(readFileSync(t.path, 'utf8')).toBe('{"hooks": []}');
    });
  }
});

describe('hook install specifics', () => {
  it('replaces a 0.1 Claude Code hook (Node command without a data dir) in place instead of adding a second', async () => {
    agentOf.current = 'claude-code';
    const s = setup();
    const t = targetsOf('claude-code', 'user', s)[0]!;
    mkdirSync(dirname(t.path), { recursive: true });
    const old = {
      hooks: {
        PreToolUse: [
          {
            matcher: '*',
            hooks: [
              { type: 'command', command: '/usr/bin/node /opt/gatehouse/bin/gatehouse.mjs hook claude-code --wait 300', timeout: 310 },
            ],
          },
        ],
      },
    };
    writeFileSync(t.path, JSON.stringify(old, null, 2));
    await s.install('user');
    const cfg = JSON.parse(readFileSync(t.path, 'utf8')) as { hooks: Record<string, { hooks: { command: string }[] }[]> };
    expect(cfg.hooks.PreToolUse).toHaveLength(1);
    expect(cfg.hooks.PreToolUse![0]!.hooks[0]!.command).toContain(`--data-dir ${s.data}`);
    expect(s.lines[0]).toMatch(/^Updated/);
  });

  it('refuses to overwrite a Cline PreToolUse hook that is not ours', async () => {
    agentOf.current = 'cline';
    const s = setup();
    const t = targetsOf('cline', 'project', s)[0]!;
    mkdirSync(dirname(t.path), { recursive: true });
    writeFileSync(t.path, '#!/bin/sh\necho \'{"cancel":false}\'\n', { mode: 0o755 });
    await expect(s.install('project')).rejects.toThrow(/not Gatehouse's/);
    expect(readFileSync(t.path, 'utf8')).toBe('#!/bin/sh\necho \'{"cancel":false}\'\n');
  });

  it('an install refused for one of its files writes none of them (Cline’s two user folders)', async () => {
    agentOf.current = 'cline';
    const s = setup();
    const [first, second] = targetsOf('cline', 'user', s);
    expect(second).toBeDefined();
    mkdirSync(dirname(second!.path), { recursive: true });
    writeFileSync(second!.path, '#!/bin/sh\necho mine\n', { mode: 0o755 });
    await expect(s.install('user')).rejects.toThrow(/not Gatehouse's/);
    expect(existsSync(first!.path)).toBe(false);
    expect(existsSync(dirname(first!.path))).toBe(false);
    expect(readFileSync(second!.path, 'utf8')).toBe('#!/bin/sh\necho mine\n');
  });

  it('--wait sets the hold and the agent timeout above it; Cline’s hold stays within its 30 s limit', async () => {
    agentOf.current = 'gemini';
    const s = setup();
    await s.install('user', { wait: 42 });
    const g = JSON.parse(readFileSync(targetsOf('gemini', 'user', s)[0]!.path, 'utf8')) as {
      hooks: { BeforeTool: { hooks: { command: string; timeout: number }[] }[] };
    };
    expect(g.hooks.BeforeTool[0]!.hooks[0]).toMatchObject({ timeout: 52_000, command: expect.stringContaining('--wait 42') });
    agentOf.current = 'cline';
    await s.install('project', { wait: 300 });
    expect(readFileSync(targetsOf('cline', 'project', s)[0]!.path, 'utf8')).toMatch(/--wait 26 /);
  });

  it('hook status finds a user-scope install made under another HOME (the server runs with its own)', async () => {
    for (const agent of ['claude-code', 'cline'] as const) {
      agentOf.current = agent;
      const s = setup();
      await s.install('user');
      const paths = targetsOf(agent, 'user', s).map((t) => t.path);
      const serverHome = temp('gatehouse-inst-server-home-');
      const seen = () => integrationStatus({ dataDir: s.data, home: serverHome }).find((i) => i.agent === agent)!;
      expect(seen().installed).toEqual(paths.map((path) => ({ scope: 'user', path })));
      expect(seen().found).toBe(true);
      await s.install('user', { uninstall: true });
      expect(seen().installed).toEqual([]);
    }
  });

  it('the CLI says where an agent cannot ask, tells Codex users to trust the hook, and rejects bad options', async () => {
    const home = temp('gatehouse-inst-cli-');
    const data = temp('gatehouse-inst-cli-data-');
    const env = cleanEnv({ HOME: home });
    for (const agent of ['codex', 'windsurf', 'cline'] as const) {
      const r = await runCli(['hook', 'install', agent, '--data-dir', data], null, env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/cannot ask you from a hook/);
      if (agent === 'codex') expect(r.stdout).toMatch(/\/hooks/);
    }
    const cursor = await runCli(['hook', 'install', 'cursor', '--data-dir', data], null, env);
    expect(cursor.stdout).toMatch(/Cursor can ask only for shell commands and MCP calls/);
    const bad = await runCli(['hook', 'install', 'vim', '--data-dir', data], null, env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown agent 'vim'/);
    const local = await runCli(['hook', 'install', 'codex', '--scope', 'local', '--data-dir', data], null, env);
    expect(local.code).toBe(1);
    expect(local.stderr).toMatch(/--scope for codex is one of user, project/);
  });
});

/**
 * A config as people write them for agents that read JSONC (Gemini CLI, VS Code-style files): a
 * BOM, CRLF, three-space indentation, a comment before every member, trailing commas everywhere, a
 * block comment and an integer beyond 2^53.
 */
const BIG = '9007199254740993';
function jsonc(v: unknown, ind = ''): string {
  const inner = `${ind}   `;
  if (Array.isArray(v)) return `[\r\n${v.map((x) => `${inner}${jsonc(x, inner)},`).join('\r\n')}\r\n${ind}]`;
  if (v && typeof v === 'object')
    return `{\r\n${Object.entries(v)
      .map(([k, x]) => `${inner}// about ${k}\r\n${inner}${JSON.stringify(k)}:  ${jsonc(x, inner)},`)
      .join('\r\n')}\r\n${ind}}`;
  return v === 'BIG' ? BIG : JSON.stringify(v);
}
const nastyOf = (agent: Exclude<HookAgent, 'cline'>) =>
  `\uFEFF/* written by hand */\r\n${jsonc({ bigNumber: 'BIG', ...EXISTING[agent], tail: { n: 'BIG', list: [1, 'BIG'] } })}\r\n`;

/** The value of a config with our entries taken out (and the lists and `hooks` left empty by that). */
function withoutOurs(v: JsonValue): JsonValue {
  const hooks = (v as Record<string, JsonValue>).hooks as Record<string, JsonValue[]>;
  const out: Record<string, JsonValue[]> = {};
  for (const [ev, list] of Object.entries(hooks)) {
    const kept = list
      .map((x) => {
        const g = x as Record<string, JsonValue>;
        return Array.isArray(g.hooks) ? { ...g, hooks: g.hooks.filter((h) => ourCommands(h).length === 0) } : g;
      })
      .filter((x) => ourCommands(x).length === 0 && !(Array.isArray(x.hooks) && x.hooks.length === 0));
    if (kept.length) out[ev] = kept;
  }
  const { hooks: _, ...rest } = v as Record<string, JsonValue>;
  return Object.keys(out).length ? { ...rest, hooks: out } : rest;
}

/** Whether `small` is `big` with characters only added (none changed, moved or taken out). */
function onlyAdded(small: string, big: string): boolean {
  let i = 0;
  for (let j = 0; j < big.length && i < small.length; j++) if (big[j] === small[i]) i++;
  return i === small.length;
}

describe.each(HOOK_AGENTS.filter((a): a is Exclude<HookAgent, 'cline'> => a !== 'cline'))(
  'hook install %s edits a JSONC config in place',
  (agent) => {
    it('comments, trailing commas, a big integer, odd indentation, CRLF and a BOM: install changes only our entries, uninstall gives the bytes back', async () => {
      agentOf.current = agent;
      const s = setup();
      const t = targetsOf(agent, 'user', s)[0]! as Extract<ReturnType<typeof targetsOf>[number], { kind: 'json' }>;
      const original = nastyOf(agent);
      mkdirSync(dirname(t.path), { recursive: true });
      writeFileSync(t.path, original, { mode: 0o640 });
      expect(await s.install('user')).toBe(0);
      const installed = readFileSync(t.path, 'utf8');
      expect(onlyAdded(original, installed)).toBe(true);
      const v = valueOf(parseJsonc(installed));
      expect(withoutOurs(v)).toEqual(valueOf(parseJsonc(original)));
      expect(ourCommands(v)).toHaveLength(t.events.length);
      expect(installed.split(BIG)).toHaveLength(4);
      expect(installed.replace(/\r\n/g, '')).not.toContain('\n'); // what was added uses the file's CRLF
      expect(statSync(t.path).mode & 0o777).toBe(0o640);
      expect(integrationStatus({ dataDir: s.data, home: s.home }).find((i) => i.agent === agent)!.installed).toEqual([
        { scope: 'user', path: t.path },
      ]);
      expect(await s.install('user')).toBe(0);
      expect(readFileSync(t.path, 'utf8')).toBe(installed);
      expect(await s.install('user', { uninstall: true })).toBe(0);
      expect(readFileSync(t.path, 'utf8')).toBe(original);

      // Without the record of the install (another data dir), the entries come out of the text just as well.
      await s.install('user');
      rmSync(join(s.data, 'hooks', 'installed.json'));
      await s.install('user', { uninstall: true });
      expect(readFileSync(t.path, 'utf8')).toBe(original);
    });

    it('--uninstall after the user edited the file elsewhere keeps the edit and takes out exactly our entries', async () => {
      agentOf.current = agent;
      const s = setup();
      const t = targetsOf(agent, 'user', s)[0]!;
      const original = nastyOf(agent);
      mkdirSync(dirname(t.path), { recursive: true });
      writeFileSync(t.path, original);
      await s.install('user');
      const edit = (x: string) => x.replace('// about bigNumber', '// about bigNumber (edited later)');
      writeFileSync(t.path, edit(readFileSync(t.path, 'utf8')));
      await s.install('user', { uninstall: true });
      expect(readFileSync(t.path, 'utf8')).toBe(edit(original));
    });

    it('plain JSON (what JSON.parse reads) keeps its big integer, CRLF and layout through install and uninstall', async () => {
      agentOf.current = agent;
      const s = setup();
      const t = targetsOf(agent, 'user', s)[0]!;
      const original = `{\r\n  "zeta": ${BIG},\r\n  "alpha": [1,2,  3],\r\n  "hooks": ${JSON.stringify(EXISTING[agent].hooks)}\r\n}`;
      mkdirSync(dirname(t.path), { recursive: true });
      writeFileSync(t.path, original);
      await s.install('user');
      const installed = readFileSync(t.path, 'utf8');
      expect(installed).toContain(`"zeta": ${BIG},\r\n  "alpha": [1,2,  3],\r\n`);
      expect(onlyAdded(original, installed)).toBe(true);
      await s.install('user', { uninstall: true });
      expect(readFileSync(t.path, 'utf8')).toBe(original);
    });

    it('a JSONC file without hooks: added, found by hook status, and gone again byte for byte', async () => {
      agentOf.current = agent;
      const s = setup();
      const t = targetsOf(agent, 'user', s)[0]!;
      const original = '{\n\t// mine\n\t"version": 1,\n\t"n": 9007199254740993, /* keep */\n}\n';
      mkdirSync(dirname(t.path), { recursive: true });
      writeFileSync(t.path, original);
      await s.install('user');
      const installed = readFileSync(t.path, 'utf8');
      expect(onlyAdded(original, installed)).toBe(true);
      expect(installed).toMatch(/\n\t"hooks": \{\n\t\t"/);
      expect(integrationStatus({ dataDir: s.data, home: s.home }).find((i) => i.agent === agent)!.installed).toHaveLength(1);
      await s.install('user', { uninstall: true });
      expect(readFileSync(t.path, 'utf8')).toBe(original);
    });
  },
);

describe('hook install: a file where a folder must be', () => {
  for (const agent of HOOK_AGENTS)
    for (const scope of SCOPES[agent])
      it(`${agent} --scope ${scope}: one clear line naming the path in the way, nothing changed`, async () => {
        agentOf.current = agent;
        const s = setup();
        const base = scope === 'user' ? s.home : s.cwd;
        const t = targetsOf(agent, scope, s)[0]!;
        const top = join(base, relative(base, t.path).split('/')[0]!);
        writeFileSync(top, 'a file of mine\n');
        const before = snapshot(base);
        const err = await s.install(scope).then(
          () => null,
          (e: unknown) => e as Error,
        );
        expect(err?.message).toBe(`${top} is a file, not a folder (${t.path} goes inside it); nothing was changed`);
        expect(snapshot(base)).toEqual(before);
        expect(existsSync(join(s.data, 'hooks'))).toBe(false);
      });

  it('the CLI: `.clinerules` a file makes `hook install cline --scope project` exit 1 with that one line', async () => {
    const cwd = temp('gatehouse-inst-cli-proj-');
    const data = temp('gatehouse-inst-cli-data-');
    writeFileSync(join(cwd, '.clinerules'), '- be brief\n');
    const r = await runCli(['hook', 'install', 'cline', '--scope', 'project', '--data-dir', data], null, cleanEnv({ HOME: cwd }), { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `gatehouse: ${join(cwd, '.clinerules')} is a file, not a folder (${join(cwd, '.clinerules', 'hooks', 'PreToolUse')} goes inside it); nothing was changed\n`,
    );
    expect(readFileSync(join(cwd, '.clinerules'), 'utf8')).toBe('- be brief\n');
  });

  it('a folder where the config file goes is refused the same way', async () => {
    agentOf.current = 'gemini';
    const s = setup();
    const t = targetsOf('gemini', 'user', s)[0]!;
    mkdirSync(t.path, { recursive: true });
    await expect(s.install('user')).rejects.toThrow(`${t.path} is a folder, not a file; nothing was changed`);
    expect(await s.install('user', { uninstall: true })).toBe(0);
  });
});
