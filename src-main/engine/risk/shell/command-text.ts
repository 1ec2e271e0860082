import type { NormalizedAction } from '../../../../src-shared/index.js';

/**
 * Where the command of a shell action is: the hooks put it in `resource` (cut to 16 KiB) and in
 * `parameters.command` (whole); other agents and MCP tools use `cmd`, `commands` (a string or a
 * list), `script` or `command_line`. Every one present is a command the action runs, so each is
 * read and the one that does most decides. A resource that is a bare URL (`mcp://server/tool`)
 * names the tool, not a command.
 */
const COMMAND_KEYS = ['command', 'cmd', 'commands', 'script', 'command_line'] as const;
const BARE_URL = /^[a-z][a-z0-9+.-]*:\/\/\S*$/i;

/** Arguments that a `command` given as a program name is run with (`{command: "rm", args: ["-rf", "/"]}`). */
const ARG_KEYS = ['args', 'argv', 'arguments'] as const;

/**
 * An argument vector is short: a longer list is a list of commands, read item by item (joining a
 * list of 250,000 items cost ~0.5 s a decision). JSON text of a list is read up to 64 KiB.
 */
const MAX_ARGV = 256;
const MAX_LIST_TEXT = 65_536;

/** A list of strings, from a list or from the JSON text of one (some agents send `"[\"sudo reboot\"]"`). */
function stringList(value: unknown): string[] | null {
  let v = value;
  if (typeof v === 'string') {
    // Most commands are plain text: ruled out from their first character, without trimming a copy.
    if (!mayOpenList(v) || v.length > MAX_LIST_TEXT || !v.trimStart().startsWith('[')) return null;
    try {
      v = JSON.parse(v);
    } catch {
      return null;
    }
  }
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : null;
}

/** One word of a command line as a shell reads it back: quoted when it holds anything but plain characters. */
const shellWord = (w: string): string => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", "'\\''")}'`);

/** A command line the action runs that is not one of its strings: a list's items joined, or an item of a list sent as JSON text. */
export interface JoinedCommand {
  text: string;
  /** Where its parts are, e.g. `parameters.command` or `parameters.args`. */
  from: string;
}

/**
 * The command lines made of lists, since a list may be one command's argument vector (`command:
 * ["rm", "-rf", "/"]`, as exec-style tools send it, or `command: "rm"` with `args`). They are read
 * as commands and scanned like the action's own strings: reading more never lowers the risk.
 */
export function joinedCommands(action: NormalizedAction): JoinedCommand[] {
  const params = action.parameters;
  if (!params) return [];
  const out: JoinedCommand[] = [];
  for (const key of COMMAND_KEYS) {
    const value = own(params, key);
    const list = stringList(value);
    if (!list) continue;
    const from = `parameters.${key}`;
    // The items of a list sent as JSON text are no strings of the action: each is a command line too.
    if (typeof value === 'string') for (const text of list) out.push({ text, from });
    if (list.length > 1 && list.length <= MAX_ARGV) out.push({ text: list.map(shellWord).join(' '), from });
  }
  const program = own(params, 'command') ?? own(params, 'cmd');
  if (typeof program !== 'string') return out;
  for (const key of ARG_KEYS) {
    const args = stringList(own(params, key));
    if (args?.length && args.length < MAX_ARGV) out.push({ text: [program, ...args.map(shellWord)].join(' '), from: `parameters.${key}` });
  }
  return out;
}

/** An own property (a module function, not a closure made per call: this runs on every decision). */
function own(params: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(params, key) ? params[key] : undefined;
}

/**
 * Could `stringList` read this text as a list? False for text that starts with a printable ASCII
 * character other than `[` (no white space to trim, no list): most commands, at no cost.
 */
function mayOpenList(value: string): boolean {
  const first = value.charCodeAt(0);
  return !(first > 0x20 && first < 0x7f && first !== 0x5b);
}

/**
 * Every command text of the action: each string or list item under a command key (a list may be a
 * list of commands: `commands: ["npm test", "git push -f"]`), the joined command lines, and the
 * resource. The command that does most decides.
 */
export function commandTexts(action: NormalizedAction, joined: readonly JoinedCommand[] = joinedCommands(action)): string[] {
  const out: string[] = [];
  const params = action.parameters;
  if (params) {
    for (const key of COMMAND_KEYS) {
      if (!Object.prototype.hasOwnProperty.call(params, key)) continue;
      const value: unknown = params[key];
      if (Array.isArray(value)) for (const v of value) if (typeof v === 'string') out.push(v);
      // (A list sent as JSON text is read by joinedCommands.)
      if (typeof value === 'string' && stringList(value) === null) out.push(value);
    }
  }
  for (const j of joined) out.push(j.text);
  const resource = action.resource;
  if (typeof resource === 'string' && resource.length > 0 && !BARE_URL.test(resource) && !out.includes(resource)) out.push(resource);
  return out;
}
