import { homedir } from 'node:os';
import { join } from 'node:path';
import type { HookAgent } from '../types.js';

/**
 * Where each agent reads its hooks (SPEC 9.4's table) and what an entry of ours looks like there.
 * `grouped`: `hooks.<event>` is a list of `{matcher?, hooks: [entry]}` (Claude Code, Codex, Gemini);
 * `flat`: `hooks.<event>` is a list of entries (Cursor, Copilot, Windsurf); `exec`: an executable
 * file (Cline).
 */
export type Scope = 'user' | 'project' | 'local';

export interface JsonTarget {
  kind: 'json';
  path: string;
  shape: 'grouped' | 'flat';
  events: string[];
  /** Group fields besides `hooks` (Claude Code's `matcher: "*"`). */
  group?: Record<string, unknown>;
  /** Top-level fields the file must have (Cursor's and Copilot's `version: 1`). */
  top?: Record<string, unknown>;
}
export interface ExecTarget {
  kind: 'exec';
  path: string;
}
export type Target = JsonTarget | ExecTarget;

export interface Places {
  home?: string;
  cwd?: string;
}
const homeOf = (p: Places) => p.home ?? process.env.HOME ?? homedir();
const cwdOf = (p: Places) => p.cwd ?? process.cwd();

export const SCOPES: Record<HookAgent, Scope[]> = {
  'claude-code': ['user', 'project', 'local'],
  codex: ['user', 'project'],
  gemini: ['user', 'project'],
  cursor: ['user', 'project'],
  copilot: ['user', 'project'],
  windsurf: ['user', 'project'],
  cline: ['user', 'project'],
};

export function targetsOf(agent: HookAgent, scope: Scope, p: Places = {}): Target[] {
  const user = scope === 'user';
  const base = user ? homeOf(p) : cwdOf(p);
  switch (agent) {
    case 'claude-code': {
      const file = scope === 'local' ? 'settings.local.json' : 'settings.json';
      return [
        {
          kind: 'json',
          path: join(base, '.claude', file),
          shape: 'grouped',
          events: ['PreToolUse', 'PermissionRequest'],
          group: { matcher: '*' },
        },
      ];
    }
    case 'codex':
      return [{ kind: 'json', path: join(base, '.codex', 'hooks.json'), shape: 'grouped', events: ['PreToolUse'] }];
    case 'gemini':
      return [
        { kind: 'json', path: join(base, '.gemini', 'settings.json'), shape: 'grouped', events: ['BeforeTool'], group: { matcher: '.*' } },
      ];
    case 'cursor':
      return [
        {
          kind: 'json',
          path: join(base, '.cursor', 'hooks.json'),
          shape: 'flat',
          events: ['beforeShellExecution', 'beforeMCPExecution', 'beforeReadFile', 'preToolUse'],
          top: { version: 1 },
        },
      ];
    case 'copilot':
      return [
        {
          kind: 'json',
          path: user ? join(base, '.copilot', 'hooks', 'gatehouse.json') : join(base, '.github', 'hooks', 'gatehouse.json'),
          shape: 'flat',
          events: ['preToolUse'],
          top: { version: 1 },
        },
      ];
    case 'windsurf':
      return [
        {
          kind: 'json',
          path: user ? join(base, '.codeium', 'windsurf', 'hooks.json') : join(base, '.windsurf', 'hooks.json'),
          shape: 'flat',
          events: ['pre_run_command', 'pre_write_code', 'pre_read_code', 'pre_mcp_tool_use'],
        },
      ];
    case 'cline':
      return user
        ? [
            { kind: 'exec', path: join(base, 'Documents', 'Cline', 'Hooks', 'PreToolUse') },
            { kind: 'exec', path: join(base, '.cline', 'hooks', 'PreToolUse') },
          ]
        : [{ kind: 'exec', path: join(base, '.clinerules', 'hooks', 'PreToolUse') }];
  }
}

/** Where an agent lives on this machine: its config folders and its command names. */
export const FOOTPRINTS: Record<HookAgent, { dirs: string[][]; bins: string[] }> = {
  'claude-code': { dirs: [['.claude']], bins: ['claude'] },
  codex: { dirs: [['.codex']], bins: ['codex'] },
  gemini: { dirs: [['.gemini']], bins: ['gemini'] },
  cursor: { dirs: [['.cursor']], bins: ['cursor-agent', 'cursor'] },
  copilot: { dirs: [['.copilot']], bins: ['copilot'] },
  windsurf: { dirs: [['.codeium', 'windsurf']], bins: ['windsurf'] },
  cline: { dirs: [['Documents', 'Cline'], ['.cline']], bins: ['cline'] },
};
export const homeDir = homeOf;
