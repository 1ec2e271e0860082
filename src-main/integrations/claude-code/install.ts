import { homedir } from 'node:os';
import { join } from 'node:path';
import { readJsonObject, writeJsonAtomic, JsonFileError } from '../shared/json-file.js';
import { gatehouseBin, shellQuote } from '../shared/self.js';
import { parseWait } from './hook.js';

/**
 * `gatehouse hook install claude-code [--scope user|project] [--uninstall] [--wait S]`:
 * adds (or removes) the Gatehouse PreToolUse hook in Claude Code's settings.json, keeping every
 * other setting and hook. Idempotent; our entry is recognised by its command containing
 * `hook claude-code`. Writes atomically and keeps the previous file as `settings.json.gatehouse.bak`.
 */
export interface InstallOptions {
  scope?: 'user' | 'project' | string;
  uninstall?: boolean;
  wait?: string | number;
  /** For tests: the folder whose .claude/settings.json is edited (default: $HOME or cwd). */
  baseDir?: string;
  /** Where messages go (default: stdout). */
  log?: (line: string) => void;
}

export const HOOK_MARK = 'hook claude-code';

interface HookCmd {
  type?: string;
  command?: string;
  timeout?: number;
  [k: string]: unknown;
}
interface MatcherGroup {
  matcher?: string;
  hooks?: HookCmd[];
  [k: string]: unknown;
}

export function settingsPath(scope: string, baseDir?: string): string {
  const base = baseDir ?? (scope === 'project' ? process.cwd() : process.env.HOME || homedir());
  return join(base, '.claude', 'settings.json');
}

/** The command line Claude Code runs: absolute node and bin paths, so PATH does not matter. */
export function hookCommand(waitS: number, bin = gatehouseBin(), node = process.execPath): string {
  return `${shellQuote(node)} ${shellQuote(bin)} hook claude-code --wait ${waitS}`;
}

const isOurs = (h: unknown): boolean =>
  !!h && typeof h === 'object' && typeof (h as HookCmd).command === 'string' && (h as HookCmd).command!.includes(HOOK_MARK);

function preToolUse(settings: Record<string, unknown>, file: string, create: boolean): MatcherGroup[] | null {
  let hooks = settings.hooks;
  if (hooks === undefined) {
    if (!create) return null;
    hooks = settings.hooks = {};
  }
  if (!hooks || typeof hooks !== 'object' || Array.isArray(hooks))
    throw new JsonFileError(`${file}: "hooks" is not an object; it was left untouched`);
  const h = hooks as Record<string, unknown>;
  let list = h.PreToolUse;
  if (list === undefined) {
    if (!create) return null;
    list = h.PreToolUse = [];
  }
  if (!Array.isArray(list)) throw new JsonFileError(`${file}: "hooks.PreToolUse" is not a list; it was left untouched`);
  for (const g of list) {
    if (!g || typeof g !== 'object' || Array.isArray(g))
      throw new JsonFileError(`${file}: "hooks.PreToolUse" holds an entry that is not an object; it was left untouched`);
    const gh = (g as MatcherGroup).hooks;
    if (gh !== undefined && !Array.isArray(gh))
      throw new JsonFileError(`${file}: a "hooks.PreToolUse[].hooks" is not a list; it was left untouched`);
  }
  return list as MatcherGroup[];
}

/** Adds our hook to a settings object (in place). Returns what happened. */
export function addHook(
  settings: Record<string, unknown>,
  command: string,
  timeout: number,
  file = 'settings.json',
): 'added' | 'updated' | 'unchanged' {
  const list = preToolUse(settings, file, true)!;
  const ours = list.flatMap((g) => (g.hooks ?? []).filter(isOurs).map((h) => ({ g, h })));
  if (
    ours.length === 1 &&
    ours[0]!.g.matcher === '*' &&
    ours[0]!.h.type === 'command' &&
    ours[0]!.h.command === command &&
    ours[0]!.h.timeout === timeout
  ) {
    return 'unchanged';
  }
  const entry: HookCmd = { type: 'command', command, timeout };
  if (ours.length === 0) {
    list.push({ matcher: '*', hooks: [entry] });
    return 'added';
  }
  // An older or edited copy of ours: replace it in place when its group is ours alone with matcher
  // '*'; otherwise take it out of the shared group (other hooks keep their matcher) and add ours.
  const first = ours[0]!;
  for (const g of list) if (g.hooks) g.hooks = g.hooks.filter((h) => !isOurs(h) || (h === first.h && g === first.g && g.matcher === '*'));
  if (first.g.matcher === '*' && first.g.hooks?.includes(first.h)) {
    first.g.hooks = first.g.hooks.map((h) => (h === first.h ? { ...h, ...entry } : h));
  } else {
    list.push({ matcher: '*', hooks: [entry] });
  }
  const touched = new Set(ours.map((x) => x.g));
  for (let i = list.length - 1; i >= 0; i--) if (touched.has(list[i]!) && list[i]!.hooks?.length === 0) list.splice(i, 1);
  return 'updated';
}

/** Removes our hook (in place), and the containers that only held it. Returns whether anything was removed. */
export function removeHook(settings: Record<string, unknown>, file = 'settings.json'): boolean {
  const list = preToolUse(settings, file, false);
  if (!list) return false;
  let removed = false;
  for (let i = list.length - 1; i >= 0; i--) {
    const g = list[i]!;
    if (!g.hooks) continue;
    const kept = g.hooks.filter((h) => !isOurs(h));
    if (kept.length === g.hooks.length) continue;
    removed = true;
    if (kept.length === 0) list.splice(i, 1);
    else g.hooks = kept;
  }
  if (!removed) return false;
  const hooks = settings.hooks as Record<string, unknown>;
  if (list.length === 0) delete hooks.PreToolUse;
  if (Object.keys(hooks).length === 0) delete settings.hooks;
  return true;
}

export async function runHookInstall(agent: string, o: InstallOptions = {}): Promise<number> {
  const log = o.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  if (agent !== 'claude-code')
    throw new Error(`unknown agent '${agent}': only claude-code is supported (gatehouse hook install claude-code)`);
  const scope = o.scope === 'project' ? 'project' : 'user';
  if (o.scope !== undefined && o.scope !== 'user' && o.scope !== 'project')
    throw new Error(`--scope must be user or project, not '${String(o.scope)}'`);
  const file = settingsPath(scope, o.baseDir);
  const f = readJsonObject(file);

  if (o.uninstall) {
    if (!f.exists || !removeHook(f.data, file)) {
      log(`The Gatehouse hook is not installed in ${file}; nothing to do.`);
      return 0;
    }
    const backup = writeJsonAtomic(file, f.data);
    log(`Removed the Gatehouse hook from ${file}${backup ? ` (previous version: ${backup})` : ''}.`);
    return 0;
  }

  const waitS = parseWait(o.wait);
  const timeout = Math.ceil(waitS) + 10;
  const command = hookCommand(waitS);
  const what = addHook(f.data, command, timeout, file);
  if (what === 'unchanged') {
    log(`The Gatehouse hook is already installed in ${file}; nothing to do.`);
    return 0;
  }
  const backup = writeJsonAtomic(file, f.data);
  log(
    `${what === 'added' ? 'Installed' : 'Updated'} the Gatehouse hook in ${file} (${scope} scope): every Claude Code tool call is checked by Gatehouse first` +
      ` and waits up to ${waitS} s for your approval.${backup ? ` Previous version: ${backup}.` : ''}`,
  );
  log(`  command: ${command}`);
  log(`Undo with: gatehouse hook install claude-code --scope ${scope} --uninstall`);
  return 0;
}
