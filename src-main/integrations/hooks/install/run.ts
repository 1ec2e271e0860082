import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { resolveDataDir } from '../../../config/paths.js';
import { ADAPTERS } from '../../../services/hooks/registry.js';
import { isHookAgent, type HookAgent, type OnError } from '../../../services/hooks/types.js';
import { holdSeconds } from '../../../services/hooks/verdict.js';
import { addOurs, ConfigEditError, onlyBoilerplate, removeOurs, sameConfig } from '../../../services/hooks/config/edit.js';
import { readManifest, writeManifest, type ManifestEntry } from '../../../services/hooks/config/manifest.js';
import { SCOPES, targetsOf, type ExecTarget, type JsonTarget, type Places, type Scope } from '../../../services/hooks/config/targets.js';
import { isOurCommand, TRANSPORT_NAME } from '../../../services/hooks/config/marks.js';
import { hookCommand, installTransport, nodeCommand, sq } from './transport.js';

/**
 * `gatehouse hook install AGENT [--scope user|project|local] [--uninstall] [--wait S]
 * [--on-error ask|deny|pass] [--data-dir DIR]` for every agent of SPEC 9.4: writes the agent's own
 * config, keeping every other setting; idempotent; `--uninstall` restores the file exactly when
 * nothing else changed in it since (else removes only our entries).
 */
export interface InstallOptions extends Places {
  scope?: string;
  uninstall?: boolean;
  wait?: string | number;
  onError?: string;
  dataDir?: string;
  log?: (line: string) => void;
  /** For tests: the node and bin the last fallback (no bash, no curl) runs. */
  node?: string;
  bin?: string;
}

export class InstallError extends Error {
  override readonly name = 'InstallError';
}

type Obj = Record<string, unknown>;

const isFile = (path: string) => existsSync(path) && statSync(path).isFile();

/** A config's text (null: there is none yet). */
function readConfig(path: string): string | null {
  if (!existsSync(path)) return null;
  if (!statSync(path).isFile()) throw new InstallError(`${path} is a folder, not a file; nothing was changed`);
  return readFileSync(path, 'utf8');
}

/** Runs an edit of a config's text, its refusal (unreadable, another shape) as an InstallError. */
function edit<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ConfigEditError) throw new InstallError(e.message);
    throw e;
  }
}

/**
 * A path that stands where a folder must be for `path` to be written (`.clinerules` a file where
 * `.clinerules/hooks/` goes), or `path` itself when it is a folder; null when nothing is in the way.
 */
function inTheWay(path: string): string | null {
  if (existsSync(path)) return statSync(path).isFile() ? null : path;
  for (let d = dirname(path); ; d = dirname(d)) {
    if (existsSync(d)) return statSync(d).isDirectory() ? null : d;
    if (dirname(d) === d) return null;
  }
}

/**
 * Replaces the file's text atomically. A config that is a symlink (dotfiles kept in a repository
 * and linked into place) is written where it points: a rename onto the link would replace the
 * link with a copy, which its repository never sees and --uninstall cannot turn back into a link.
 */
function writeText(linkOrPath: string, text: string, mode?: number): void {
  const path = existsSync(linkOrPath) ? realpathSync(linkOrPath) : linkOrPath;
  mkdirSync(dirname(path), { recursive: true });
  const m = mode ?? (existsSync(path) ? statSync(path).mode & 0o777 : 0o644);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode: m });
  chmodSync(tmp, m);
  renameSync(tmp, path);
}

/** The folders `mkdir -p` would create for `path`'s parent, outermost first. */
function missingDirs(path: string): string[] {
  const out: string[] = [];
  let d = dirname(path);
  while (!existsSync(d)) {
    out.unshift(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  return out;
}

function removeEmptyDirs(dirs: string[]): void {
  for (const d of [...dirs].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      /* not empty, or gone: leave it */
    }
  }
}

function entryFor(
  agent: HookAgent,
  command: string,
  waitS: number,
  o: { dataDir: string; onError: OnError; node?: string; bin?: string },
): Obj {
  const timeoutS = Math.ceil(waitS) + 10;
  switch (agent) {
    case 'claude-code':
    case 'codex':
      return { type: 'command', command, timeout: timeoutS };
    case 'gemini':
      return { type: 'command', name: 'gatehouse', command, timeout: timeoutS * 1000 };
    case 'cursor':
      return { command, timeout: timeoutS, failClosed: true };
    case 'copilot': {
      const n = nodeCommand(agent, o.dataDir, waitS, o.onError, o.node, o.bin);
      const ps = `& ${[n.node, n.bin, ...n.args].map((a) => `'${a.replace(/'/g, "''")}'`).join(' ')}`;
      return { type: 'command', bash: command, powershell: ps, timeoutSec: timeoutS };
    }
    case 'windsurf':
    case 'cline':
      return { command, show_output: true };
  }
}

const EXEC_MARK = '# gatehouse-hook:';
const execScript = (agent: HookAgent, command: string) =>
  `#!/bin/sh\n${EXEC_MARK} installed by \`gatehouse hook install ${agent}\`; remove with --uninstall\nexec ${command}\n`;
const isOurExec = (text: string) => text.includes(EXEC_MARK) || isOurCommand(text);

interface Ctx {
  agent: HookAgent;
  scope: Scope;
  dataDir: string;
  manifest: ManifestEntry[];
}

function record(ctx: Ctx, path: string, original: string | null, created_dirs: string[]): void {
  if (ctx.manifest.some((e) => e.path === path && e.agent === ctx.agent)) return;
  ctx.manifest.push({ agent: ctx.agent, scope: ctx.scope, path, original, created_dirs, installed_at: new Date().toISOString() });
}

/**
 * Records what an install writes into a config. A file changed since the last install wrote it
 * (or written by an older one) has its `original` taken anew — itself without our entries — so an
 * --uninstall never brings back a text the user has since changed.
 */
function recordJson(ctx: Ctx, t: JsonTarget, text: string | null, written: string): void {
  const m = ctx.manifest.find((e) => e.path === t.path && e.agent === ctx.agent);
  if (!m) {
    ctx.manifest.push({
      agent: ctx.agent,
      scope: ctx.scope,
      path: t.path,
      original: text,
      installed: written,
      created_dirs: missingDirs(t.path),
      installed_at: new Date().toISOString(),
    });
    return;
  }
  if (text !== m.installed) {
    const without = text === null ? null : removeOurs(text, t);
    const olderSame = m.installed === undefined && m.original !== null && without !== null && sameConfig(m.original, without, t);
    if (!olderSame) m.original = without === null || (m.original === null && onlyBoilerplate(without, t)) ? null : without;
  }
  m.installed = written;
}

function installJson(ctx: Ctx, t: JsonTarget, entry: Obj): 'added' | 'updated' | 'unchanged' {
  const text = readConfig(t.path);
  const next = edit(() => addOurs(text, t, entry));
  if (next === text) return 'unchanged';
  const had = text !== null && edit(() => removeOurs(text, t)) !== text;
  recordJson(ctx, t, text, next);
  writeText(t.path, next);
  return had ? 'updated' : 'added';
}

/** Whether a recorded original holds nothing of ours (an older Gatehouse hook is not brought back). */
function clean(original: string, t: JsonTarget): boolean {
  try {
    return removeOurs(original, t) === original;
  } catch {
    return false;
  }
}

/**
 * Takes our entries out. The file exactly as the install found it when nothing else changed in it
 * since (deleted when the install created it); else only our entries leave, every other byte stays.
 */
function uninstallJson(ctx: Ctx, t: JsonTarget): boolean {
  if (!isFile(t.path)) return false;
  const text = readFileSync(t.path, 'utf8');
  const next = edit(() => removeOurs(text, t));
  if (next === text) return false;
  const m = ctx.manifest.find((e) => e.path === t.path && e.agent === ctx.agent);
  const unchanged = m?.installed === text;
  if (m && m.original === null && (unchanged || onlyBoilerplate(next, t))) {
    rmSync(t.path, { force: true });
    removeEmptyDirs(m.created_dirs);
  } else if (
    m &&
    m.original !== null &&
    clean(m.original, t) &&
    (unchanged || (m.installed === undefined && sameConfig(m.original, next, t)))
  ) {
    writeText(t.path, m.original);
  } else {
    writeText(t.path, next);
  }
  return true;
}

/** Why an exec target cannot take our script (a file of someone else's there), or null. */
function execRefusal(t: ExecTarget, command: string): string | null {
  if (!existsSync(t.path) || isOurExec(readFileSync(t.path, 'utf8'))) return null;
  return `${t.path} already exists and is not Gatehouse's; it was left untouched (merge it by hand: run ${command} from it)`;
}

/**
 * Everything that would refuse the install, found before anything is written (Cline's two user
 * folders: a script of the user's in the second left ours active in the first, unrecorded): an
 * install is whole or nothing.
 */
function preflight(ctx: Ctx, targets: (JsonTarget | ExecTarget)[], command: string, entry: Obj): void {
  for (const path of [...targets.map((t) => t.path), join(ctx.dataDir, 'hooks', TRANSPORT_NAME)]) {
    const block = inTheWay(path);
    if (block === path) throw new InstallError(`${path} is a folder, not a file; nothing was changed`);
    if (block) throw new InstallError(`${block} is a file, not a folder (${path} goes inside it); nothing was changed`);
  }
  for (const t of targets) {
    if (t.kind === 'exec') {
      const why = execRefusal(t, command);
      if (why) throw new InstallError(why);
    } else {
      const text = readConfig(t.path);
      edit(() => addOurs(text, t, entry));
    }
  }
}

function installExec(ctx: Ctx, t: ExecTarget, command: string): 'added' | 'updated' | 'unchanged' {
  const want = execScript(ctx.agent, command);
  if (existsSync(t.path)) {
    const have = readFileSync(t.path, 'utf8');
    const why = execRefusal(t, command);
    if (why) throw new InstallError(why);
    if (have === want) return 'unchanged';
    writeText(t.path, want, 0o755);
    return 'updated';
  }
  const dirs = missingDirs(t.path);
  record(ctx, t.path, null, dirs);
  writeText(t.path, want, 0o755);
  return 'added';
}

function uninstallExec(ctx: Ctx, t: ExecTarget): boolean {
  if (!isFile(t.path) || !isOurExec(readFileSync(t.path, 'utf8'))) return false;
  rmSync(t.path, { force: true });
  const m = ctx.manifest.find((e) => e.path === t.path && e.agent === ctx.agent);
  if (m) removeEmptyDirs(m.created_dirs);
  return true;
}

const NOTES: Partial<Record<HookAgent, string[]>> = {
  codex: ['Codex runs a new hook only after you trust it: open Codex, type /hooks and trust the Gatehouse hook once.'],
  gemini: ['Gemini CLI reads hooks from settings.json; older versions need hooks enabled in its settings first.'],
  cline: ['Cline runs hooks only with "Enable Hooks" on (Cline settings → Features); hooks do not run on Windows.'],
  copilot: ['The PowerShell entry (Windows) runs the Node transport; it has not been tested on Windows.'],
};

export async function runHookInstall(agentArg: string, o: InstallOptions = {}): Promise<number> {
  const log = o.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  if (!isHookAgent(agentArg)) throw new InstallError(`unknown agent '${agentArg}': one of ${Object.keys(ADAPTERS).join(', ')}`);
  const agent = agentArg;
  const adapter = ADAPTERS[agent];
  const scope = (o.scope ?? 'user') as Scope;
  if (!SCOPES[agent].includes(scope))
    throw new InstallError(`--scope for ${agent} is one of ${SCOPES[agent].join(', ')}, not '${String(o.scope)}'`);
  const onError = (o.onError ?? 'ask') as OnError;
  if (!['ask', 'deny', 'pass'].includes(onError)) throw new InstallError(`--on-error is ask, deny or pass, not '${String(o.onError)}'`);
  const waitRaw = o.wait === undefined ? adapter.defaultWaitS : Number(o.wait);
  if (!Number.isFinite(waitRaw) || waitRaw < 0) throw new InstallError(`--wait must be a number of seconds, not '${String(o.wait)}'`);
  const waitS = Math.floor(holdSeconds(adapter, waitRaw));
  const dataDir = resolveDataDir(o.dataDir);
  const ctx: Ctx = { agent, scope, dataDir, manifest: readManifest(dataDir) };
  const targets = targetsOf(agent, scope, o);

  if (o.uninstall) {
    const done = targets.filter((t) => (t.kind === 'json' ? uninstallJson(ctx, t) : uninstallExec(ctx, t)));
    ctx.manifest = ctx.manifest.filter((e) => !(e.agent === agent && targets.some((t) => t.path === e.path)));
    writeManifest(dataDir, ctx.manifest);
    if (done.length === 0)
      log(`The Gatehouse hook for ${adapter.displayName} is not installed in ${targets.map((t) => t.path).join(' or ')}; nothing to do.`);
    else for (const t of done) log(`Removed the Gatehouse hook for ${adapter.displayName} from ${t.path}.`);
    return 0;
  }

  const command = hookCommand(agent, dataDir, waitS, onError);
  const entry = entryFor(agent, command, waitS, { dataDir, onError, node: o.node, bin: o.bin });
  preflight(ctx, targets, command, entry);
  installTransport(dataDir, { node: o.node, bin: o.bin });
  let results: { t: JsonTarget | ExecTarget; what: 'added' | 'updated' | 'unchanged' }[];
  try {
    results = targets.map((t) => ({ t, what: t.kind === 'json' ? installJson(ctx, t, entry) : installExec(ctx, t, command) }));
  } finally {
    // What was written is recorded even when a later write failed (a full disk): --uninstall finds it.
    writeManifest(dataDir, ctx.manifest);
  }
  for (const { t, what } of results) {
    if (what === 'unchanged') log(`The Gatehouse hook for ${adapter.displayName} is already installed in ${t.path}; nothing to do.`);
    else log(`${what === 'added' ? 'Installed' : 'Updated'} the Gatehouse hook for ${adapter.displayName} in ${t.path} (${scope} scope).`);
  }
  log(`  command: ${command}`);
  log(`Every ${adapter.displayName} tool call is checked by Gatehouse first; a request that needs your approval waits up to ${waitS} s.`);
  if (!adapter.canAsk(null) && agent !== 'cursor')
    log(
      `${adapter.displayName} cannot ask you from a hook: a request nobody answers within ${waitS} s, or a Gatehouse that cannot be reached, is refused.`,
    );
  if (agent === 'cursor')
    log(
      'Cursor can ask only for shell commands and MCP calls: for file reads and other tools, an unanswered request or an unreachable Gatehouse is refused (failClosed).',
    );
  if (onError === 'pass') log('--on-error pass: when Gatehouse cannot be reached the agent goes on as if Gatehouse were not installed.');
  for (const n of NOTES[agent] ?? []) log(n);
  log(`Undo with: gatehouse hook install ${agent} --scope ${scope} --uninstall${o.dataDir ? ` --data-dir ${sq(dataDir)}` : ''}`);
  return 0;
}
