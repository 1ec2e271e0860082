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
import { addOurs, ConfigShapeError, deepEqual, indentOf, removeOurs } from '../../../services/hooks/config/edit.js';
import { readManifest, writeManifest, type ManifestEntry } from '../../../services/hooks/config/manifest.js';
import { SCOPES, targetsOf, type ExecTarget, type JsonTarget, type Places, type Scope } from '../../../services/hooks/config/targets.js';
import { isOurCommand } from '../../../services/hooks/config/marks.js';
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

function readObject(path: string): { text: string | null; data: Obj } {
  if (!existsSync(path)) return { text: null, data: {} };
  const text = readFileSync(path, 'utf8');
  if (text.trim() === '') return { text, data: {} };
  let v: unknown;
  try {
    v = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new InstallError(`${path} is not valid JSON (${(e as Error).message}); fix it first — it was left untouched`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new InstallError(`${path} does not hold a JSON object; it was left untouched`);
  return { text, data: v as Obj };
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

function installJson(ctx: Ctx, t: JsonTarget, entry: Obj): 'added' | 'updated' | 'unchanged' {
  const { text, data } = readObject(t.path);
  const before = JSON.parse(JSON.stringify(data)) as Obj;
  const had = text !== null && removeOurs(JSON.parse(JSON.stringify(data)) as Obj, t);
  try {
    addOurs(data, t, entry);
  } catch (e) {
    if (e instanceof ConfigShapeError) throw new InstallError(e.message);
    throw e;
  }
  if (deepEqual(before, data)) return 'unchanged';
  const dirs = missingDirs(t.path);
  record(ctx, t.path, text, dirs);
  writeText(t.path, `${JSON.stringify(data, null, indentOf(text))}\n`);
  return had ? 'updated' : 'added';
}

function uninstallJson(ctx: Ctx, t: JsonTarget): boolean {
  if (!existsSync(t.path)) return false;
  const { text, data } = readObject(t.path);
  let removed: boolean;
  try {
    removed = removeOurs(data, t);
  } catch (e) {
    if (e instanceof ConfigShapeError) throw new InstallError(e.message);
    throw e;
  }
  if (!removed) return false;
  const m = ctx.manifest.find((e) => e.path === t.path && e.agent === ctx.agent);
  const boilerplate = Object.keys(data).every((k) => t.top && k in t.top && deepEqual(data[k], t.top[k]));
  if (m && m.original === null && boilerplate) {
    rmSync(t.path, { force: true });
    removeEmptyDirs(m.created_dirs);
  } else if (m && m.original !== null && originalMatches(m.original, data)) {
    writeText(t.path, m.original);
  } else {
    writeText(t.path, `${JSON.stringify(data, null, indentOf(text))}\n`);
  }
  return true;
}

function originalMatches(original: string, data: Obj): boolean {
  if (original.trim() === '') return Object.keys(data).length === 0;
  try {
    return deepEqual(JSON.parse(original.replace(/^\uFEFF/, '')), data);
  } catch {
    return false;
  }
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
function preflight(targets: (JsonTarget | ExecTarget)[], command: string, entry: Obj): void {
  for (const t of targets) {
    if (t.kind === 'exec') {
      const why = execRefusal(t, command);
      if (why) throw new InstallError(why);
      continue;
    }
    const { data } = readObject(t.path);
    try {
      addOurs(JSON.parse(JSON.stringify(data)) as Obj, t, entry);
    } catch (e) {
      if (e instanceof ConfigShapeError) throw new InstallError(e.message);
      throw e;
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
  if (!existsSync(t.path) || !isOurExec(readFileSync(t.path, 'utf8'))) return false;
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
  preflight(targets, command, entry);
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
