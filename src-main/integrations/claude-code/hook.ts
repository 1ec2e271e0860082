import { resolveEndpoint } from '../shared/endpoint.js';
import { jsonRequest, LiteUnreachable, type LiteResponse } from '../shared/http-lite.js';
import { mapToolCall, parseHookInput } from './map.js';

/**
 * `gatehouse hook claude-code` — the Claude Code PreToolUse hook (SPEC 9.1).
 *
 * Reads the event on stdin, submits the mapped action with the agent key, long-polls a pending
 * approval up to `--wait` seconds, and prints exactly one JSON line. It always exits 0: Claude Code
 * reads the decision from the JSON, and on any failure the decision is `ask` (or `deny` with
 * `--on-error deny`), never a silent allow.
 *
 * Start-up matters (it runs before every tool call): this module and what it imports use no zod,
 * no commander and no `fetch` (see `fast-entry.ts` and `shared/http-lite.ts`).
 */

export type PermissionDecision = 'allow' | 'deny' | 'ask';

export interface HookOutput {
  hookSpecificOutput: {
    hookEventName: 'PreToolUse';
    permissionDecision: PermissionDecision;
    permissionDecisionReason: string;
  };
}

export interface HookOptions {
  /** Seconds to wait for a pending approval (default 300). */
  wait?: string | number;
  /** What to answer when Gatehouse cannot decide: `ask` (default) or `deny`. */
  onError?: 'ask' | 'deny' | string;
  dataDir?: string;
}

export const DEFAULT_WAIT_S = 300;
/** Margin between the end of the approval wait and the hook's own watchdog. */
const WATCHDOG_MARGIN_MS = 5_000;
/** How long to wait for the event on stdin. */
const STDIN_TIMEOUT_MS = 15_000;

export function output(permissionDecision: PermissionDecision, permissionDecisionReason: string): HookOutput {
  return { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision, permissionDecisionReason } };
}

export function parseWait(w: string | number | undefined): number {
  const n = typeof w === 'number' ? w : Number(w ?? DEFAULT_WAIT_S);
  return Number.isFinite(n) && n >= 0 ? Math.min(n, 86_400) : DEFAULT_WAIT_S;
}

const onErrorOf = (o: HookOptions): 'ask' | 'deny' => (o.onError === 'deny' ? 'deny' : 'ask');

/** The answer when Gatehouse could not decide: never allow. */
export function failureOutput(o: HookOptions, what: string, unreachable: boolean): HookOutput {
  const mode = onErrorOf(o);
  const tail = mode === 'ask' ? 'asking you instead.' : 'refused (--on-error deny).';
  const head = unreachable ? `Gatehouse was unreachable (${what})` : `Gatehouse could not decide (${what})`;
  return output(mode, `${head}; ${tail}`);
}

interface StatusLike {
  action_id?: string;
  decision?: string;
  status?: string;
  reason?: string;
  comment?: string | null;
  reviewed_by?: string | null;
  policy?: { id?: string } | null;
}

class HookFailure extends Error {
  constructor(
    message: string,
    readonly unreachable: boolean,
  ) {
    super(message);
  }
}

function apiMessage(r: LiteResponse): string {
  const b = r.body as { error?: { code?: string; message?: string } } | null;
  return b?.error?.message ? `HTTP ${r.status} ${b.error.code ?? ''}: ${b.error.message}`.replace(/\s+:/, ':') : `HTTP ${r.status}`;
}

function finalOutput(s: StatusLike, toolLabel: string): HookOutput {
  const id = s.action_id ? ` (action ${s.action_id})` : '';
  const reason = s.reason?.trim() || 'no reason given';
  const comment = s.comment?.trim() ? ` — “${s.comment.trim()}”` : '';
  if (s.decision === 'allowed') {
    const how = s.status === 'approved' ? `approved${s.reviewed_by === 'user' ? ' by you' : ''}` : 'allowed';
    return output('allow', `Gatehouse ${how}: ${reason}${comment}${id}`);
  }
  if (s.decision === 'denied') {
    const how = s.status === 'rejected' ? 'rejected' : s.status === 'expired' ? 'let the approval expire (denied)' : 'denied';
    return output('deny', `Gatehouse ${how} this ${toolLabel}: ${reason}${comment}${id}`);
  }
  throw new HookFailure(`unexpected decision ${JSON.stringify(s.decision)}${id}`, false);
}

/**
 * Decides one PreToolUse event. Never throws: failures become `ask` / `deny` outputs.
 * `deadlineMs` bounds the whole run (the approval wait ends there).
 */
export async function decide(
  stdinText: string,
  o: HookOptions = {},
  env: NodeJS.ProcessEnv = process.env,
  startedMs = Date.now(),
): Promise<HookOutput> {
  const waitS = parseWait(o.wait);
  const deadline = startedMs + waitS * 1000;
  let toolLabel = 'tool call';
  try {
    const ev = parseHookInput(stdinText);
    toolLabel = `${ev.tool_name} call`;
    const action = mapToolCall(ev);
    const ep = resolveEndpoint({ dataDir: o.dataDir, scope: 'agent', env });
    if (!ep.url)
      throw new HookFailure(
        `no server.json in ${ep.dataDir} and no GATEHOUSE_URL — is it running? Start it with \`gatehouse serve\``,
        true,
      );
    if (!ep.apiKey) throw new HookFailure(`no API key: set GATEHOUSE_API_KEY or check ${ep.dataDir}/credentials.json`, false);
    const call = async (method: 'GET' | 'POST', path: string, body: unknown, timeoutMs: number) => {
      try {
        return await jsonRequest(ep.url!, method, path, { apiKey: ep.apiKey, body, timeoutMs });
      } catch (e) {
        if (e instanceof LiteUnreachable) throw new HookFailure(`${ep.url}: ${e.message}`, true);
        throw e;
      }
    };

    const sub = await call('POST', '/api/v1/actions/submit', action, 15_000);
    if (sub.status !== 200 && sub.status !== 201) throw new HookFailure(apiMessage(sub), sub.status >= 500);
    let s = (sub.body ?? {}) as StatusLike;
    const id = s.action_id;
    while (s.decision === 'pending') {
      // Seconds left, to the tenth (the server's long-poll takes fractional waits, up to 60).
      const remainingS = Math.floor((deadline - Date.now()) / 100) / 10;
      if (remainingS <= 0 || !id) {
        throw new HookFailure(
          `still waiting for your approval after ${waitS} s${id ? `; approve or deny action ${id} in the console` : ''}`,
          false,
        );
      }
      const w = Math.min(60, remainingS);
      const r = await call('GET', `/api/v1/actions/${encodeURIComponent(id)}/status?wait=${w}`, undefined, (w + 15) * 1000);
      if (r.status !== 200) throw new HookFailure(apiMessage(r), r.status >= 500);
      s = (r.body ?? {}) as StatusLike;
    }
    return finalOutput(s, toolLabel);
  } catch (e) {
    if (e instanceof HookFailure) return failureOutput(o, e.message, e.unreachable);
    return failureOutput(o, (e as Error)?.message ?? String(e), false);
  }
}

/** Reads the event from stdin: until EOF, or as soon as a complete JSON object has arrived. */
function readStdin(timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onErr);
      stdin.pause();
      if (err) reject(err);
      else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onData = (c: Buffer) => {
      chunks.push(c);
      const last = c.toString('utf8', Math.max(0, c.length - 8)).trimEnd();
      if (last.endsWith('}')) {
        try {
          JSON.parse(Buffer.concat(chunks).toString('utf8'));
          finish();
        } catch {
          /* incomplete: keep reading */
        }
      }
    };
    const onEnd = () => finish();
    const onErr = (e: Error) => finish(e);
    const timer = setTimeout(() => (chunks.length ? finish() : finish(new Error('no hook input on stdin'))), timeoutMs);
    timer.unref();
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.on('error', onErr);
  });
}

/**
 * The process-level hook: reads stdin, prints exactly one JSON line, returns 0. A watchdog prints
 * the failure answer and exits 0 if anything hangs past `--wait` plus a few seconds (below the
 * `timeout` the installer gives Claude Code), so the tool never runs unasked.
 */
export async function runClaudeCodeHook(o: HookOptions = {}): Promise<number> {
  const started = Date.now();
  let printed = false;
  const print = (out: HookOutput): Promise<void> => {
    if (printed) return Promise.resolve();
    printed = true;
    return new Promise((resolve) => {
      try {
        process.stdout.write(`${JSON.stringify(out)}\n`, () => resolve());
      } catch {
        resolve();
      }
    });
  };
  const bail = (why: string) => void print(failureOutput(o, why, false)).then(() => process.exit(0));
  const onUncaught = (e: unknown) => bail(`internal error: ${(e as Error)?.message ?? String(e)}`);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  const watchdog = setTimeout(() => bail(`no decision within ${parseWait(o.wait)} s`), parseWait(o.wait) * 1000 + WATCHDOG_MARGIN_MS);
  try {
    let text: string;
    try {
      text = await readStdin(STDIN_TIMEOUT_MS);
    } catch (e) {
      await print(failureOutput(o, (e as Error).message, false));
      return 0;
    }
    await print(await decide(text, o, process.env, started));
  } catch (e) {
    await print(failureOutput(o, `internal error: ${(e as Error)?.message ?? String(e)}`, false));
  } finally {
    clearTimeout(watchdog);
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
    process.exitCode = 0;
  }
  return 0;
}
