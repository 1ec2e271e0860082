import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveDataDir } from '../../../config/paths.js';
import { jsonRequest, LiteUnreachable } from '../../shared/http-lite.js';
import { adapterOf } from '../../../services/hooks/registry.js';
import { HookInputError, isHookAgent, type HookAgent, type HookAnswer, type OnError } from '../../../services/hooks/types.js';
import { failureVerdict, holdSeconds, renderVerdict } from '../../../services/hooks/verdict.js';

/**
 * `gatehouse hook AGENT` — the Node transport (SPEC 9.4): the fallback where bash and curl are missing, and
 * the command for hand use. Reads the agent's hook JSON on stdin, posts it to
 * `POST /api/v1/hooks/AGENT`, prints the answer's stdout/stderr and exits with its code. On any
 * failure it answers the agent's own asking or blocking form. Loads no zod and no commander.
 */
export interface HookArgs {
  wait?: string;
  onError?: string;
  dataDir?: string;
}

export function parseHookArgs(args: string[]): HookArgs {
  const o: HookArgs = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const value = () => (a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : args[++i]);
    if (name === '--wait') o.wait = value();
    else if (name === '--on-error') o.onError = value();
    else if (name === '--data-dir') o.dataDir = value();
  }
  return o;
}

const onErrorOf = (s?: string): OnError => (s === 'deny' || s === 'pass' ? s : 'ask');

/**
 * `--wait S` in seconds; anything but a number of seconds holds for the agent's default, as the
 * shell transport does (a typo must not turn every approval into an immediate withdraw).
 */
const waitOf = (s?: string): number | null => (s !== undefined && /^\d+(?:\.\d+)?$/.test(s.trim()) ? Number(s) : null);

function readJsonFile(file: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The event of the input, where it can be read (to pick the failure form). */
function eventOf(agent: HookAgent, text: string): string | null {
  try {
    const v: unknown = JSON.parse(text);
    if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
    return adapterOf(agent).parse(v as Record<string, unknown>).event;
  } catch (e) {
    return e instanceof HookInputError ? e.event : null;
  }
}

export function failureAnswer(agent: HookAgent, text: string, mode: OnError, what: string): HookAnswer {
  const a = adapterOf(agent);
  const event = eventOf(agent, text);
  return renderVerdict(a, failureVerdict(a, event, mode, what), event);
}

/** Decides one hook call through the server. Never throws. */
export async function callHook(agent: HookAgent, text: string, o: HookArgs, env: NodeJS.ProcessEnv = process.env): Promise<HookAnswer> {
  const mode = onErrorOf(o.onError);
  const waitS = holdSeconds(adapterOf(agent), waitOf(o.wait));
  try {
    // The data dir the command names decides; the environment only without one.
    const dataDir = resolveDataDir(o.dataDir, env);
    const url = (!o.dataDir && env.GATEHOUSE_URL) || (readJsonFile(join(dataDir, 'server.json'))?.url as string | undefined);
    const key = (!o.dataDir && env.GATEHOUSE_API_KEY) || (readJsonFile(join(dataDir, 'credentials.json'))?.agent_key as string | undefined);
    if (!url) return failureAnswer(agent, text, mode, `no server.json in ${dataDir} — is Gatehouse running?`);
    if (!key) return failureAnswer(agent, text, mode, `no agent key in ${dataDir}/credentials.json`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    // Garbage input is the server's to answer too (in the agent's form); send it as a JSON string.
    const path = `/api/v1/hooks/${agent}?wait=${waitS}&on_error=${mode}`;
    const r = await jsonRequest(url.replace(/\/+$/, ''), 'POST', path, {
      apiKey: key,
      body: body === undefined ? text : body,
      timeoutMs: (waitS + 4) * 1000,
    });
    const a = r.body as Partial<HookAnswer> | null;
    if (r.status !== 200 || !a || typeof a.stdout !== 'string' || typeof a.stderr !== 'string' || !Number.isInteger(a.exit_code))
      return failureAnswer(agent, text, mode, `HTTP ${r.status} from ${url}`);
    return { stdout: a.stdout, stderr: a.stderr, exit_code: a.exit_code! };
  } catch (e) {
    const what = e instanceof LiteUnreachable ? `unreachable: ${e.message}` : `internal error: ${(e as Error)?.message ?? String(e)}`;
    return failureAnswer(agent, text, mode, what);
  }
}

/** Reads stdin until EOF, or as soon as a complete JSON object has arrived. */
function readStdin(timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const stdin = process.stdin;
    const chunks: Buffer[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stdin.pause();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    stdin.on('data', (c: Buffer) => {
      chunks.push(c);
      const tail = c.toString('utf8', Math.max(0, c.length - 8)).trimEnd();
      if (tail.endsWith('}')) {
        try {
          JSON.parse(Buffer.concat(chunks).toString('utf8'));
          finish();
        } catch {
          /* incomplete: keep reading */
        }
      }
    });
    stdin.on('end', finish);
    stdin.on('error', finish);
    const timer = setTimeout(finish, timeoutMs);
    timer.unref();
  });
}

const write = (stream: NodeJS.WriteStream, s: string) => new Promise<void>((r) => (s ? stream.write(s, () => r()) : r()));

/** The process: `gatehouse hook AGENT [--wait S] [--on-error ask|deny|pass] [--data-dir DIR]`. */
export async function main(args: string[]): Promise<void> {
  const agentArg = args[0] ?? '';
  if (!isHookAgent(agentArg)) {
    process.stderr.write(`gatehouse hook: unknown agent '${agentArg}'; refused\n`);
    process.exit(2);
  }
  const agent = agentArg;
  const o = parseHookArgs(args.slice(1));
  const mode = onErrorOf(o.onError);
  let text = '';
  let printed = false;
  const print = async (a: HookAnswer) => {
    if (printed) return;
    printed = true;
    await write(process.stdout, a.stdout);
    await write(process.stderr, a.stderr);
    process.exit(a.exit_code);
  };
  const bail = (why: string) => void print(failureAnswer(agent, text, mode, why));
  process.on('uncaughtException', (e) => bail(`internal error: ${(e as Error)?.message ?? String(e)}`));
  process.on('unhandledRejection', (e) => bail(`internal error: ${(e as Error)?.message ?? String(e)}`));
  const waitS = holdSeconds(adapterOf(agent), waitOf(o.wait));
  setTimeout(() => bail(`no decision within ${waitS} s`), (waitS + 6) * 1000).unref();
  text = await readStdin(15_000);
  await print(await callHook(agent, text, o));
}
