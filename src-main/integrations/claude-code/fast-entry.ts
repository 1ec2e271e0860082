/**
 * The fast entry of `gatehouse hook claude-code`, bundled alone as `dist/cli/hook.js` and loaded by
 * `bin/gatehouse.mjs` without commander or zod: Claude Code runs it before every tool call.
 * Accepts the same options as the commander verb: `--wait S`, `--on-error ask|deny`, `--data-dir DIR`
 * (also in `--opt=value` form). Unknown options are ignored rather than failing: a usage error must
 * not turn into a non-zero exit that lets the tool run.
 */
import { runClaudeCodeHook, type HookOptions } from './hook.js';

export function parseHookArgs(args: string[]): HookOptions {
  const o: HookOptions = {};
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

/** Runs the hook for `argv` (the arguments after `hook claude-code`) and exits 0 once the answer is written. */
export async function main(args: string[]): Promise<void> {
  await runClaudeCodeHook(parseHookArgs(args));
  process.exit(0);
}
