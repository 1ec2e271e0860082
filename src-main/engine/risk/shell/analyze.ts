import { readShell, type ShellCommand } from './parse.js';
import { clip, isHarmlessTarget, placeOf, programName } from './paths.js';

/**
 * What a shell command does (SPEC 2.4): `read` when every part of it only reads, `write` when every
 * part only changes files inside the working tree, `exec` otherwise; and the dangerous things in it,
 * each described for a person ("deletes files outside the working tree: /etc").
 */
export type ShellEffect = 'read' | 'write' | 'exec';

export interface ShellAnalysis {
  effect: ShellEffect;
  /** The part that decided the effect (the first `exec` part, else the first `write` part), shortened. */
  decidedBy: string;
  /** Dangerous things found, in words; empty when none. */
  dangers: string[];
  /** Why part of the text could not be read in full (the caller holds the action); `null` when it was. */
  unreadable: string | null;
  /** The first recursive flag a command is given (`-r`, `-Rf`, `--recursive`), for the bulk factor; `null` when none. */
  recursive: string | null;
}

/** A recursive option word, as the bulk factor counts them (SPEC 2.4: `-r`, `-R`, `-rf`, `--recursive`). */
const RECURSIVE_OPTION = /^(?:-[a-zA-Z]?[rR][a-zA-Z]?|--recursive)$/;

const EFFECT_RANK: Record<ShellEffect, number> = { read: 0, write: 1, exec: 2 };

/** Programs that only read (their output may still be redirected: that is checked separately). */
const READ_ONLY: ReadonlySet<string> = new Set([
  'ls',
  'll',
  'cat',
  'head',
  'tail',
  'grep',
  'egrep',
  'fgrep',
  'rg',
  'ag',
  'ack',
  'pwd',
  'echo',
  'printf',
  'wc',
  'which',
  'whereis',
  'type',
  'file',
  'stat',
  'du',
  'df',
  'tree',
  'less',
  'more',
  'uniq',
  'cut',
  'tr',
  'diff',
  'cmp',
  'comm',
  'basename',
  'dirname',
  'realpath',
  'readlink',
  'date',
  'whoami',
  'id',
  'uname',
  'hostname',
  'printenv',
  'true',
  'false',
  ':',
  'test',
  '[',
  '[[',
  ']]',
  'jq',
  'nl',
  'od',
  'xxd',
  'hexdump',
  'column',
  'fold',
  'cd',
  'pushd',
  'popd',
  'ps',
  'env',
  'sha256sum',
  'sha1sum',
  'md5sum',
  'shasum',
  'cksum',
  'strings',
  'zcat',
  'bat',
  'fd',
  'locate',
  'man',
  'help',
  'history',
  'uptime',
  'free',
  'lsof',
  'sleep',
  'seq',
  'yes',
  'rev',
  'tac',
  'expand',
  'unexpand',
  'paste',
  'join',
  'look',
  'groups',
  'tty',
  'locale',
  'cal',
  'exit',
  'return',
  'local',
  'export',
  'set',
  'unset',
  'shopt',
  'alias',
  'hash',
  'read',
  'wait',
  'fi',
  'done',
  'esac',
]);

/**
 * Programs whose quoted arguments are text, never run: what `echo "…; rm -rf /"` prints or `git
 * commit -m "…"` records is not a command. Any other program's quoted arguments may be a script.
 */
const TEXT_ONLY: ReadonlySet<string> = new Set([...READ_ONLY, 'git', 'tee', 'touch', 'mkdir'].filter((p) => p !== 'env' && p !== 'find'));

/** Programs that only change the files named as their operands (write when all are in the working tree). */
const TREE_WRITERS: ReadonlySet<string> = new Set([
  'rm',
  'rmdir',
  'mkdir',
  'touch',
  'cp',
  'mv',
  'ln',
  'tee',
  'chmod',
  'truncate',
  'unlink',
]);

/** `find` options that delete, write or run something. */
const FIND_ACTIONS: ReadonlySet<string> = new Set([
  '-delete',
  '-exec',
  '-execdir',
  '-ok',
  '-okdir',
  '-fprint',
  '-fprint0',
  '-fprintf',
  '-fls',
]);

const GIT_READS: ReadonlySet<string> = new Set([
  'status',
  'log',
  'diff',
  'show',
  'blame',
  'rev-parse',
  'ls-files',
  'ls-tree',
  'ls-remote',
  'describe',
  'shortlog',
  'grep',
  'cat-file',
  'rev-list',
  'whatchanged',
  'help',
  'version',
  'show-ref',
  'count-objects',
  'check-ignore',
  'merge-base',
  'name-rev',
  'var',
  'for-each-ref',
  'annotate',
  'cherry',
]);
const GIT_TREE_WRITES: ReadonlySet<string> = new Set([
  'add',
  'commit',
  'checkout',
  'switch',
  'restore',
  'merge',
  'rebase',
  'reset',
  'clean',
  'mv',
  'rm',
  'init',
  'apply',
  'cherry-pick',
  'revert',
  'am',
  'notes',
  'stash',
  'tag',
  'branch',
  'remote',
  'config',
  'reflog',
  'update-index',
  'gc',
  'prune',
  'bisect',
  'format-patch',
]);
/** git options that take the next word as their value. */
const GIT_OPTIONS_WITH_VALUE: ReadonlySet<string> = new Set(['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--exec-path']);

const SHELLS: ReadonlySet<string> = new Set([
  'sh',
  'bash',
  'zsh',
  'dash',
  'ksh',
  'fish',
  'ash',
  'csh',
  'tcsh',
  'python',
  'python3',
  'perl',
  'ruby',
  'node',
  // They run a script in the current shell: `source <(curl …)`, `eval "$(curl …)"`.
  'source',
  '.',
  'eval',
]);
const DOWNLOADERS: ReadonlySet<string> = new Set(['curl', 'wget']);

/** Wrappers that run the rest of the words as a command, and their options that take a value. */
const WRAPPERS: Record<string, ReadonlySet<string>> = {
  sudo: new Set(['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-U', '-T']),
  doas: new Set(['-u', '-C']),
  env: new Set(['-u', '-C', '-S']),
  nice: new Set(['-n']),
  nohup: new Set(),
  time: new Set(),
  timeout: new Set(['-s', '-k', '--signal', '--kill-after']),
  command: new Set(),
  builtin: new Set(),
  exec: new Set(['-a']),
  stdbuf: new Set(['-i', '-o', '-e']),
  ionice: new Set(['-c', '-n', '-p']),
  xargs: new Set(['-I', '-n', '-P', '-L', '-d', '-E', '-s', '-a', '--max-args', '--max-procs', '--delimiter', '--arg-file']),
  watch: new Set(['-n', '-d', '--interval']),
  then: new Set(),
  do: new Set(),
  else: new Set(),
  elif: new Set(),
  if: new Set(),
  while: new Set(),
  until: new Set(),
};
/** Wrappers whose first operand is not the command (`timeout 10 cmd`). */
const WRAPPER_TAKES_OPERAND: ReadonlySet<string> = new Set(['timeout']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** The command a simple command runs once wrappers and assignments are set aside. */
interface Unwrapped {
  program: string;
  args: string[];
  /** Run through sudo / doas. */
  asRoot: string | null;
  /** Operands come from the input (`xargs rm`): not known. */
  fromInput: boolean;
  /** The program word holds a variable or substitution: what runs is not known. */
  dynamic: boolean;
}

/** A program word longer than this is no program the analysis knows (and is not looked up). */
const MAX_PROGRAM_WORD = 256;

function unwrap(words: readonly string[]): Unwrapped | null {
  let i = 0;
  let asRoot: string | null = null;
  let fromInput = false;
  for (;;) {
    while (i < words.length && (words[i] as string).length <= MAX_PROGRAM_WORD && ASSIGNMENT.test(words[i] as string)) i++;
    const word = words[i];
    // `sudo -i`, `sudo -s`, a bare `sudo`: a root shell, whatever it then runs.
    if (word === undefined) return asRoot === null ? null : { program: '', args: [], asRoot, fromInput, dynamic: false };
    if (word.length > MAX_PROGRAM_WORD) return { program: '', args: words.slice(i + 1), asRoot, fromInput, dynamic: true };
    const name = programName(word);
    const valueOptions = Object.prototype.hasOwnProperty.call(WRAPPERS, name) ? WRAPPERS[name] : undefined;
    if (!valueOptions || word.includes('$')) {
      return { program: word.includes('$') ? word : name, args: words.slice(i + 1), asRoot, fromInput, dynamic: word.includes('$') };
    }
    if (name === 'sudo' || name === 'doas') asRoot = name;
    if (name === 'xargs') fromInput = true;
    i++;
    while (i < words.length) {
      const w = words[i] as string;
      if (w === '--') {
        i++;
        break;
      }
      if (!w.startsWith('-') || w === '-') break;
      i += valueOptions.has(w) ? 2 : 1;
    }
    if (WRAPPER_TAKES_OPERAND.has(name)) i++;
  }
}

interface Part {
  effect: ShellEffect;
  shown: Shown;
}

/** A command as shown in a detail, built only when it is shown (a command can be a megabyte long). */
class Shown {
  private text: string | null = null;
  constructor(private readonly words: readonly string[]) {}
  toString(): string {
    if (this.text === null) {
      let joined = '';
      for (const w of this.words) {
        joined += joined === '' ? w : ` ${w}`;
        if (joined.length > 200) break;
      }
      this.text = clip(joined);
    }
    return this.text;
  }
}

/** Options of a command (words starting with `-` before `--`) and its operands. */
function split(args: readonly string[]): { options: string[]; operands: string[] } {
  const options: string[] = [];
  const operands: string[] = [];
  let ended = false;
  for (const a of args) {
    if (!ended && a === '--') ended = true;
    else if (!ended && a.startsWith('-') && a !== '-') options.push(a);
    else operands.push(a);
  }
  return { options, operands };
}

/** A short option cluster (`-rf`) or long option naming the flag. */
function hasFlag(options: readonly string[], short: string, long: string): boolean {
  for (const o of options) {
    if (o === long) return true;
    if (!o.startsWith('--') && o.length > 1 && o.includes(short)) return true;
  }
  return false;
}

/** Paths an option carries in its value (`--target-directory=/etc`). */
function optionPaths(options: readonly string[]): string[] {
  const out: string[] = [];
  for (const o of options) {
    const eq = o.indexOf('=');
    if (o.startsWith('--') && eq > 0) out.push(o.slice(eq + 1));
  }
  return out;
}

class Analyzer {
  readonly dangers: string[] = [];
  unreadable: string | null = null;
  recursive: string | null = null;
  private worst: Part | null = null;
  private leftTree = false;
  private cdTarget = '';
  private download: { pipeline: number; shown: Shown } | null = null;
  /** Quoted arguments of commands that may run them (anything but programs that only print, search or record text). */
  private readonly scripts: string[] = [];
  private previous: { fed: boolean; download: boolean; pipeline: number; shown: Shown } | null = null;

  constructor(private readonly depth: number) {}

  result(): ShellAnalysis {
    const worst = this.worst;
    const { dangers, unreadable, recursive } = this;
    if (!worst) return { effect: 'exec', decidedBy: '(no command)', dangers, unreadable, recursive };
    return { effect: worst.effect, decidedBy: String(worst.shown), dangers, unreadable, recursive };
  }

  run(text: string): void {
    const reading = readShell(text, (cmd) => this.command(cmd));
    if (reading.stoppedBecause !== null) {
      this.unreadable ??= reading.stoppedBecause;
      this.part('exec', new Shown([`(${reading.stoppedBecause})`]));
    }
    if (reading.tooDeep) {
      this.unreadable ??= 'command substitutions nested too deep to follow';
      this.part('exec', new Shown(['(substitutions nested too deep to follow)']));
    }
    // Quoted scripts (`sh -c '…'`, `ssh host '…'`, `eval "…"`) are read for dangers, not for the effect:
    // the program they are handed to (sh, ssh, eval) already makes the command `exec`. They are read
    // together, one per line (a quote left open in one only moves the rest one quoting level down).
    if (this.scripts.length === 0) return;
    const scripts = this.scripts.join('\n');
    if (!mayBeDangerous(scripts)) return;
    if (this.depth >= MAX_QUOTE_DEPTH) {
      this.unreadable ??= `quoting nested more than ${MAX_QUOTE_DEPTH} levels deep`;
      return;
    }
    const nested = new Analyzer(this.depth + 1);
    nested.run(scripts);
    for (const d of nested.dangers) this.danger(d);
    this.unreadable ??= nested.unreadable;
    this.recursive ??= nested.recursive;
  }

  private danger(detail: string): void {
    if (!this.dangers.includes(detail)) this.dangers.push(detail);
  }

  private command(cmd: ShellCommand): void {
    const shown = new Shown(cmd.words);
    const unwrapped = unwrap(cmd.words);
    let effect: ShellEffect = 'read';
    if (unwrapped) {
      if (cmd.quoted.length > 0 && !TEXT_ONLY.has(unwrapped.program)) for (const q of cmd.quoted) this.scripts.push(q);
      if (this.recursive === null) {
        for (const a of unwrapped.args) {
          if (a === '--') break;
          if (a.startsWith('-') && RECURSIVE_OPTION.test(a)) {
            this.recursive = a;
            break;
          }
        }
      }
      effect = this.effectOf(unwrapped, shown);
      if (this.downloadRun(unwrapped, cmd.pipeline, shown)) effect = 'exec';
      if (unwrapped.asRoot) {
        this.danger(`runs as root (${unwrapped.asRoot}): ${shown}`);
        effect = 'exec';
      }
    }
    for (const r of cmd.redirects) {
      if (!r.op.includes('>') || r.op.endsWith('&') || isHarmlessTarget(r.target)) continue;
      const place = placeOf(r.target, this.leftTree);
      effect = maxEffect(effect, place === 'inside' ? 'write' : 'exec');
    }
    this.part(effect, shown);
  }

  private part(effect: ShellEffect, shown: Shown): void {
    if (!this.worst || EFFECT_RANK[effect] > EFFECT_RANK[this.worst.effect]) this.worst = { effect, shown };
  }

  /**
   * `curl … | sh` (a download piped into an interpreter later in the same pipeline), `bash <(curl …)`
   * and `sh -c "$(curl …)"` (an interpreter fed by a substitution read just before or after it).
   */
  private downloadRun(u: Unwrapped, pipeline: number, shown: Shown): boolean {
    const interpreter = SHELLS.has(u.program);
    const fed = interpreter && (u.args.length === 0 || u.args.some((a) => a.includes('$')));
    const download = DOWNLOADERS.has(u.program);
    const prev = this.previous;
    let found: Shown | null = null;
    if (interpreter && this.download && this.download.pipeline === pipeline) found = this.download.shown;
    else if (download && prev?.fed && prev.pipeline !== pipeline) found = shown;
    else if (fed && prev?.download && prev.pipeline !== pipeline) found = prev.shown;
    if (download) this.download = { pipeline, shown };
    this.previous = { fed, download, pipeline, shown };
    if (found === null) return false;
    this.danger(`runs a script straight from the network (curl … | sh): ${found}`);
    return true;
  }

  private effectOf(u: Unwrapped, shown: Shown): ShellEffect {
    if (u.dynamic) return 'exec';
    const { program, args } = u;
    const { options, operands } = split(args);
    if (program.startsWith('mkfs')) {
      this.danger(`formats a disk (${program}): ${shown}`);
      return 'exec';
    }
    switch (program) {
      case 'cd':
      case 'pushd': {
        const target = operands[0] ?? '~';
        if (target === '-' || placeOf(target, this.leftTree) !== 'inside') {
          this.leftTree = true;
          this.cdTarget = target;
        }
        return 'read';
      }
      case 'dd':
        if (args.some((a) => a.startsWith('of='))) {
          this.danger(`writes raw data over a device or file (dd ${args.find((a) => a.startsWith('of=')) ?? 'of='}): ${shown}`);
          return 'exec';
        }
        return 'exec';
      case 'find':
        return this.find(args, shown);
      case 'sort':
        return hasFlag(options, 'o', '--output') || options.some((o) => o.startsWith('--output=')) ? 'exec' : 'read';
      case 'git':
        return this.git(args, shown);
      case 'chmod':
        if (hasFlag(options, 'R', '--recursive') && operands.length > 0 && worldWritable(operands[0] as string)) {
          this.danger(`makes files writable by everyone, recursively (chmod -R ${clip(operands[0] as string, 20)}): ${shown}`);
          return 'exec';
        }
        return this.treeWrite(options, operands.slice(1), u.fromInput);
      case 'rm':
        return this.rm(options, operands, u.fromInput);
    }
    if (READ_ONLY.has(program)) return program === 'env' && operands.length > 0 ? 'exec' : 'read';
    if (TREE_WRITERS.has(program)) return this.treeWrite(options, operands, u.fromInput);
    return 'exec';
  }

  /**
   * `find` only reads unless it deletes, writes or runs something. Whatever it deletes or runs a
   * deleting program on is everything under its starting points: from outside the working tree
   * (`find / -delete`, `find ~ -exec rm {} +`) that is deleting files outside it, recursively.
   */
  private find(args: readonly string[], shown: Shown): ShellEffect {
    if (!args.some((a) => FIND_ACTIONS.has(a))) return 'read';
    let i = 0;
    // Options before the starting points: -H -L -P, -O<level>, -D <debug opts>.
    while (i < args.length && /^-(?:[HLP]|O\d*|D)$/.test(args[i] as string)) i += args[i] === '-D' ? 2 : 1;
    const starts: string[] = [];
    while (i < args.length && !/^[-(!]/.test(args[i] as string)) starts.push(args[i++] as string);
    const outside = (starts.length > 0 ? starts : ['.']).find((p) => placeOf(p, this.leftTree) === 'outside');
    for (let j = i; j < args.length; j++) {
      const a = args[j] as string;
      let deletes = a === '-delete';
      if (['-exec', '-execdir', '-ok', '-okdir'].includes(a)) {
        const end = args.findIndex((w, k) => k > j && (w === ';' || w === '+'));
        const run = args.slice(j + 1, end < 0 ? args.length : end);
        // What it runs, with `{}` standing for the starting point, is read like a quoted script.
        if (run.length > 0) this.scripts.push(run.map((w) => quoteWord(w.replaceAll('{}', outside ?? '.'))).join(' '));
        const program = unwrap(run);
        deletes = program !== null && ['rm', 'unlink', 'shred', 'rmdir'].includes(program.program);
        if (end > j) j = end;
      }
      if (deletes && outside !== undefined) {
        this.danger(`deletes files outside the working tree: ${clip(outside, 60)} (${clip(String(shown), 60)})`);
        return 'exec';
      }
    }
    return 'exec';
  }

  private rm(options: readonly string[], operands: readonly string[], fromInput: boolean): ShellEffect {
    const recursive = hasFlag(options, 'r', '--recursive') || hasFlag(options, 'R', '--recursive');
    if (recursive) {
      const outside = operands.find((p) => placeOf(p, this.leftTree) === 'outside');
      if (outside !== undefined) {
        const after = this.leftTree && placeOf(outside, false) === 'inside' ? ` (after cd ${this.cdTarget})` : '';
        this.danger(`deletes files outside the working tree: ${clip(outside, 60)}${after}`);
        return 'exec';
      }
    }
    return this.treeWrite(options, operands, fromInput);
  }

  private treeWrite(options: readonly string[], operands: readonly string[], fromInput: boolean): ShellEffect {
    if (fromInput) return 'exec';
    for (const p of [...operands, ...optionPaths(options)]) if (placeOf(p, this.leftTree) !== 'inside') return 'exec';
    return 'write';
  }

  private git(args: readonly string[], shown: Shown): ShellEffect {
    let i = 0;
    let elsewhere = false;
    // `-c core.pager=…`, `--config-env` and `--exec-path` can make any git command run a program.
    let configured = false;
    while (i < args.length && (args[i] as string).startsWith('-')) {
      const a = args[i] as string;
      if (a === '-c' || a.startsWith('--config-env') || a.startsWith('--exec-path')) configured = true;
      // The value of `-c key=value` may be a program git runs through a shell (core.pager, core.sshCommand,
      // an alias's `!…`): read for dangers like a quoted script (reading more never lowers the risk).
      if (a === '-c') this.scripts.push(configValue(args[i + 1] ?? ''));
      if (a === '-C' || a.startsWith('--work-tree') || a.startsWith('--git-dir')) {
        const value = a.includes('=') ? a.slice(a.indexOf('=') + 1) : (args[i + 1] ?? '');
        if (placeOf(value, this.leftTree) !== 'inside') elsewhere = true;
      }
      i += GIT_OPTIONS_WITH_VALUE.has(a) ? 2 : 1;
    }
    const sub = args[i] ?? '';
    const rest = args.slice(i + 1);
    const { options, operands } = split(rest);
    if (
      sub === 'push' &&
      (hasFlag(options, 'f', '--force') ||
        options.some((o) => o.startsWith('--force') || o === '--mirror') ||
        operands.some((o) => o.startsWith('+')))
    ) {
      this.danger(`force-push rewrites history on a shared branch: ${shown}`);
      return 'exec';
    }
    if (sub === 'reset' && options.includes('--hard')) {
      this.danger(`throws away uncommitted work (git reset --hard): ${shown}`);
      return 'exec';
    }
    if (configured) return 'exec';
    // `git diff|log|show --output=FILE` writes that file.
    const output = options.find((o) => o === '--output' || o.startsWith('--output='));
    if (output !== undefined) {
      const file = output.includes('=') ? output.slice(output.indexOf('=') + 1) : (operands[0] ?? '');
      return placeOf(file, this.leftTree) === 'inside' && !elsewhere ? 'write' : 'exec';
    }
    if (GIT_READS.has(sub) || sub === '--version' || sub === '') return 'read';
    if (sub === 'branch' && gitBranchOnlyLists(options, operands)) return 'read';
    if (sub === 'remote' && (operands.length === 0 || ['show', 'get-url'].includes(operands[0] as string))) return 'read';
    if (sub === 'tag' && operands.length === 0 && options.every((o) => ['-l', '--list', '-n'].includes(o))) return 'read';
    if (sub === 'config' && options.some((o) => ['--get', '--list', '-l', '--get-all', '--get-regexp'].includes(o))) return 'read';
    if (sub === 'stash' && ['list', 'show'].includes(operands[0] as string)) return 'read';
    if (sub === 'reflog' && (operands.length === 0 || operands[0] === 'show')) return 'read';
    if (GIT_TREE_WRITES.has(sub) && !elsewhere) {
      for (const p of [...operands, ...optionPaths(options)]) if (placeOf(p, this.leftTree) !== 'inside') return 'exec';
      return 'write';
    }
    return 'exec';
  }
}

/**
 * A chmod mode that lets everyone write (`777`, `0666`, `a+rwx`, `o+w`, `u+rwx,g+rwx,o+rwx`): the
 * others' digit has the write bit, or a clause for `o` or `a` adds or sets `w`.
 */
function worldWritable(mode: string): boolean {
  if (/^[0-7]{3,4}$/.test(mode)) return [2, 3, 6, 7].includes(Number(mode[mode.length - 1]));
  return mode.split(',').some((clause) => /^[ugo]*[ao][ugoa]*[+=][rwxXst]*w/.test(clause));
}

/** A word as shell text that reads back as that one word. */
function quoteWord(word: string): string {
  return /^[\w@%+=:,./{}~-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** What a `git -c key=value` sets, as a command line (an alias's leading `!` marks a shell command). */
function configValue(setting: string): string {
  const eq = setting.indexOf('=');
  const value = eq < 0 ? '' : setting.slice(eq + 1);
  return value.startsWith('!') ? value.slice(1) : value;
}

const BRANCH_CHANGES: ReadonlySet<string> = new Set([
  '-d',
  '-D',
  '-m',
  '-M',
  '-c',
  '-C',
  '-f',
  '-u',
  '--delete',
  '--move',
  '--copy',
  '--force',
  '--set-upstream-to',
  '--unset-upstream',
  '--edit-description',
  '--track',
  '--no-track',
]);

function gitBranchOnlyLists(options: readonly string[], operands: readonly string[]): boolean {
  if (options.some((o) => BRANCH_CHANGES.has(o.split('=')[0] as string))) return false;
  // `git branch NAME` creates a branch; with --list / --contains / --merged the operands are patterns or commits.
  return (
    operands.length === 0 ||
    options.some((o) => ['--list', '-l', '--contains', '--merged', '--no-merged', '--points-at'].includes(o.split('=')[0] as string))
  );
}

function maxEffect(a: ShellEffect, b: ShellEffect): ShellEffect {
  return EFFECT_RANK[a] >= EFFECT_RANK[b] ? a : b;
}

/** Quoted scripts inside quoted scripts are followed this many levels deep. */
const MAX_QUOTE_DEPTH = 4;

/** Programs whose name must appear for a line of shell to be dangerous (fork bombs aside). */
export const DANGEROUS_PROGRAMS: readonly string[] = ['rm', 'mkfs', 'dd', 'chmod', 'curl', 'wget', 'sudo', 'doas', 'git', 'find'];

/**
 * A program name as a pattern that allows quotes and backslashes inside it (`r''m`, `s\\udo`: the
 * shell removes them). Linear: it starts with a literal letter, and its runs of quote characters
 * cannot overlap.
 */
export function quoteTolerant(name: string): string {
  return name.split('').join(`['"\\\\]*`);
}

/** Could the text hold a dangerous command at all? */
const DANGER_HINT = new RegExp(DANGEROUS_PROGRAMS.map(quoteTolerant).join('|'));

export function mayBeDangerous(text: string): boolean {
  return DANGER_HINT.test(text);
}

/** Reads shell text: its effect and its dangers (fork bombs included). Linear in the text per quoting level. */
export function analyzeShell(text: string): ShellAnalysis {
  const analyzer = new Analyzer(0);
  analyzer.run(text);
  const result = analyzer.result();
  const bomb = forkBomb(text);
  if (bomb) result.dangers.push(bomb);
  if (result.dangers.length > 0) result.effect = 'exec';
  return result;
}

const FORK_BODY_LIMIT = 512;
const NAME_LIMIT = 64;

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}
function isNameChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58 || c === 45 || c === 46;
}

/**
 * A function that pipes itself into itself in the background (`:(){ :|:& };:`, `bomb() { bomb | bomb & }`),
 * found in one pass: each `(` is looked at once, with bounded look-around.
 */
export function forkBomb(text: string): string | null {
  return text.includes('function') ? (bombIn(text) ?? functionKeywordBomb(text)) : bombIn(text);
}

/** bash's `function NAME { … }` (no parentheses needed): its header, up to the `{`. */
const FUNCTION_HEADER = /function[ \t]{1,64}([\w:.-]{1,64})[ \t\n]{0,64}(?:\([ \t]{0,64}\)[ \t\n]{0,64})?\{/y;

/**
 * The same with the `function` keyword: `function f { f|f& }; f`. Each header is read once, with
 * bounded look-ahead; a body is read only up to the next `}` and only when no other `function`
 * starts inside it, so no character is read in two bodies.
 */
function functionKeywordBomb(text: string): string | null {
  let closeAt = -2;
  for (let at = text.indexOf('function'), next: number; at >= 0; at = next) {
    next = text.indexOf('function', at + 8);
    if (at > 0 && isNameChar(text.charCodeAt(at - 1))) continue;
    FUNCTION_HEADER.lastIndex = at;
    const header = FUNCTION_HEADER.exec(text);
    if (!header) continue;
    const open = at + header[0].length - 1;
    if (closeAt !== -1 && closeAt <= open) closeAt = text.indexOf('}', open + 1);
    if (closeAt < 0) return null;
    if (closeAt - open > FORK_BODY_LIMIT || (next >= 0 && next < closeAt)) continue;
    const name = header[1] as string;
    if (
      text
        .slice(open + 1, closeAt)
        .replace(/\s+/g, '')
        .includes(`${name}|${name}&`)
    )
      return `fork bomb: '${clip(name, 20)}' endlessly starts copies of itself`;
  }
  return null;
}

function bombIn(text: string): string | null {
  // The next `}` at or after a position, found with one forward-moving search over the whole text.
  let closeAt = -2;
  for (let open = text.indexOf('('); open >= 0; open = text.indexOf('(', open + 1)) {
    let j = open + 1;
    while (j < text.length && isSpace(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) !== 41) continue;
    j++;
    while (j < text.length && isSpace(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) !== 123) continue;
    let k = open - 1;
    while (k >= 0 && open - k <= NAME_LIMIT && isSpace(text.charCodeAt(k))) k--;
    const nameEnd = k + 1;
    while (k >= 0 && nameEnd - k <= NAME_LIMIT && isNameChar(text.charCodeAt(k))) k--;
    const name = text.slice(k + 1, nameEnd);
    if (name === '') continue;
    if (closeAt !== -1 && closeAt <= j) closeAt = text.indexOf('}', j + 1);
    if (closeAt < 0) return null;
    if (closeAt - j > FORK_BODY_LIMIT) continue;
    const body = text.slice(j + 1, closeAt).replace(/\s+/g, '');
    if (body.includes(`${name}|${name}&`)) return `fork bomb: '${clip(name, 20)}' endlessly starts copies of itself`;
  }
  return null;
}
