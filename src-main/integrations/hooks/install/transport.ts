import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateCredentials } from '../../../config/credentials.js';
import { ensureDataDir } from '../../../config/paths.js';
import { resourcePath } from '../../../core/resources.js';
import { gatehouseBin } from '../../shared/self.js';
import { ADAPTERS } from '../../../services/hooks/registry.js';
import { HOOK_AGENTS, ON_ERROR_MODES, type HookAgent, type HookAnswer, type OnError } from '../../../services/hooks/types.js';
import { failureVerdict, holdSeconds, renderVerdict } from '../../../services/hooks/verdict.js';
import { TRANSPORT_NAME } from '../../../services/hooks/config/marks.js';

/**
 * The installed transport (SPEC 9.4): a POSIX sh script in the data dir, and the agent key in a
 * 0600 header file beside it. Every agent's config names it as
 * `sh '<dir>/hooks/gatehouse-hook.sh' AGENT --data-dir '<dir>' --wait S --on-error M`. Where bash
 * is found the script hands itself over to it and speaks HTTP/1.1 over bash's /dev/tcp with
 * builtins only (no process started for an allowed call); else it posts with curl; without curl
 * it runs the Node transport. The command stays `sh …` either way, so an install is the same on a
 * machine without bash, and still works if bash goes away.
 */

export const hooksDir = (dataDir: string) => join(dataDir, 'hooks');
export const transportPath = (dataDir: string) => join(hooksDir(dataDir), TRANSPORT_NAME);
export const keyHeaderPath = (dataDir: string) => join(hooksDir(dataDir), 'agent-key.header');

/** Single-quotes a word for POSIX sh. */
export const sq = (s: string): string => (/^[A-Za-z0-9_/.:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function hookCommand(agent: HookAgent, dataDir: string, waitS: number, onError: OnError): string {
  return `sh ${sq(transportPath(dataDir))} ${agent} --data-dir ${sq(dataDir)} --wait ${waitS} --on-error ${onError}`;
}

/** The Node transport for the same call (Windows' PowerShell entry of Copilot, and the fallback with neither bash nor curl). */
export function nodeCommand(
  agent: HookAgent,
  dataDir: string,
  waitS: number,
  onError: OnError,
  node = process.execPath,
  bin = gatehouseBin(),
) {
  return { node, bin, args: ['hook', agent, '--data-dir', dataDir, '--wait', String(waitS), '--on-error', onError] };
}

export const FAILURE_WHY = 'the server could not be reached or gave no usable answer; see `gatehouse hook status`';

/**
 * A command printing `text` byte for byte, with no newline inside a quoted word: the script's
 * nested cases are indented line by line (failureCases), which must never reach into what is printed.
 */
function printExactly(text: string): string {
  const lines = text.split('\n');
  const last = lines.pop()!;
  const cmds: string[] = [];
  if (lines.length) cmds.push(`printf '%s\\n' ${lines.map(sq).join(' ')}`);
  if (last) cmds.push(`printf '%s' ${sq(last)}`);
  return cmds.join('; ');
}

function emit(a: HookAnswer, indent: string): string {
  const lines: string[] = [];
  if (a.stdout) lines.push(`${indent}${printExactly(a.stdout)}`);
  if (a.stderr) lines.push(`${indent}{ ${printExactly(a.stderr)}; } >&2`);
  lines.push(`${indent}exit ${a.exit_code}`);
  return lines.join('\n');
}

/**
 * The body of the script's `fail` function: each agent's failure answer for each event and mode.
 * `$first` is the input's text before its first `"hook_event_name"` (the template sets it).
 */
export function failureCases(): string {
  const out: string[] = ['  case $agent in'];
  for (const agent of HOOK_AGENTS) {
    const adapter = ADAPTERS[agent];
    out.push(`  ${agent})`);
    for (const fe of adapter.failureEvents) {
      const modes = ON_ERROR_MODES.map((m) => {
        const a = renderVerdict(adapter, failureVerdict(adapter, fe.event, m, FAILURE_WHY), fe.event);
        return `      ${m === 'ask' ? '*' : m})\n${emit(a, '        ')}\n        ;;`;
      });
      // `ask` last: it is also the answer for an unknown mode.
      modes.push(modes.shift()!);
      const body = `    case $on_error in\n${modes.join('\n')}\n    esac`;
      if (fe.named) {
        const forms = fe.named.flatMap((n) => [`"hook_event_name":"${n}"`, `"hook_event_name": "${n}"`]);
        out.push(
          `    case $input in ${forms.map((f) => `"$first"${sq(f)}*`).join(' | ')})\n${body.replace(/^/gm, '  ')}\n      ;;\n    esac`,
        );
      } else out.push(body);
    }
    out.push('    ;;');
  }
  out.push(`  *)\n    printf '%s\\n' 'Gatehouse: unknown agent in the hook command; refused' >&2\n    exit 2\n    ;;`);
  out.push('  esac');
  return out.join('\n');
}

export function renderTransport(node = process.execPath, bin = gatehouseBin()): string {
  const template = readFileSync(resourcePath('hook-transport.sh'), 'utf8');
  const waits = `$(case $agent in ${HOOK_AGENTS.map((a) => `${a}) echo ${holdSeconds(ADAPTERS[a])} ;;`).join(' ')} *) echo 300 ;; esac)`;
  return template
    .replace('@@FAILURES@@', failureCases())
    .replace('@@DEFAULT_WAIT@@', waits)
    .replace('@@NODE_FALLBACK@@', `${sq(node)} ${sq(bin)}`);
}

function writeAtomic(path: string, text: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/** Writes (or refreshes) the transport and the key header file. Returns the script's path. */
export function installTransport(dataDir: string, o: { node?: string; bin?: string } = {}): string {
  ensureDataDir(dataDir);
  const dir = hooksDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const { credentials } = loadOrCreateCredentials(dataDir);
  const header = `X-API-Key: ${credentials.agent_key}\n`;
  const headerFile = keyHeaderPath(dataDir);
  if (!existsSync(headerFile) || readFileSync(headerFile, 'utf8') !== header) writeAtomic(headerFile, header, 0o600);
  else chmodSync(headerFile, 0o600);
  const script = renderTransport(o.node, o.bin);
  const file = transportPath(dataDir);
  if (!existsSync(file) || readFileSync(file, 'utf8') !== script) writeAtomic(file, script, 0o700);
  return file;
}

/**
 * At a server's start: an installed transport of an earlier release is rewritten with this one's
 * (fixes reach the hooks without a new `hook install`), and the key header follows the agent key.
 * Only a transport that runs this same Node and `gatehouse` is touched; nothing is installed where
 * none was. Returns whether anything was rewritten.
 */
export function refreshInstalledTransport(dataDir: string, o: { node?: string; bin?: string } = {}): boolean {
  const file = transportPath(dataDir);
  if (!existsSync(file)) return false;
  const fallback = `${sq(o.node ?? process.execPath)} ${sq(o.bin ?? gatehouseBin())}`;
  const current = readFileSync(file, 'utf8');
  const script = renderTransport(o.node, o.bin);
  const header = keyHeaderPath(dataDir);
  const staleHeader =
    existsSync(header) && readFileSync(header, 'utf8') !== `X-API-Key: ${loadOrCreateCredentials(dataDir).credentials.agent_key}\n`;
  if (!current.includes(` ${fallback} hook `) || (current === script && !staleHeader)) return false;
  installTransport(dataDir, o);
  return true;
}
