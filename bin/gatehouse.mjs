#!/usr/bin/env node
// The `gatehouse` command. Runs the prebuilt bundle (no TypeScript at run time).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SERVER_ENV, SERVER_NODE_FLAGS } from './server-runtime.mjs';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli');
const bundle = join(dist, 'main.js');
const argv = process.argv;

// Fast path for the agent hooks (`gatehouse hook AGENT`), which run before every tool call: a small
// separate bundle without commander or zod. Whatever happens it answers in the agent's own form
// (SPEC 9.1, 9.4): a crash or a stray exit code could let the agent run the tool unasked.
const HOOK_AGENTS = new Set(['claude-code', 'codex', 'gemini', 'cursor', 'copilot', 'windsurf', 'cline']);
if (argv[2] === 'hook' && HOOK_AGENTS.has(argv[3]) && !argv.includes('--help') && !argv.includes('-h')) {
  const failed = (why) => {
    const deny = argv.some((a, i) => a === '--on-error=deny' || (a === '--on-error' && argv[i + 1] === 'deny'));
    const asks = !deny && ['claude-code', 'gemini', 'copilot'].includes(argv[3]);
    const reason = `Gatehouse could not decide (${why}); ${asks ? 'asking you instead.' : 'refused.'}`;
    const d = asks ? 'ask' : 'deny';
    // Each agent's own asking or blocking form (the hook bundle renders the same from its adapters).
    const out = {
      'claude-code': { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: d, permissionDecisionReason: reason } },
      codex: { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason } },
      gemini: { decision: d, reason },
      cursor: { permission: 'deny', user_message: reason, agent_message: reason },
      copilot: { permissionDecision: d, permissionDecisionReason: reason },
      cline: { cancel: true, errorMessage: reason },
    }[argv[3]];
    if (!out) {
      // Windsurf blocks on exit 2 with the reason on stderr.
      process.stderr.write(`${reason}\n`, () => process.exit(2));
      return;
    }
    process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(0));
  };
  try {
    const hook = join(dist, 'hook.js');
    if (existsSync(hook)) {
      const { main } = await import(pathToFileURL(hook).href);
      await main(argv.slice(3));
    } else {
      failed('gatehouse is not built yet — run `npm run build` in the gatehouse folder');
    }
  } catch (e) {
    failed(`the hook could not start: ${e?.message ?? e}`);
  }
} else if (!hasNodeSqlite()) {
  await rerunOnBundledNode();
} else {
  // The re-run's loop guard is for this process alone: what it starts (an MCP server behind
  // `mcp-proxy`, a shell, a nested `gatehouse` on the old Node) must be able to re-run in turn.
  delete process.env.GATEHOUSE_REEXEC;
  if (argv[2] === 'serve') startTuned();
  if (!existsSync(bundle)) {
    process.stderr.write('gatehouse: not built yet — run `npm run build` in the gatehouse folder.\n');
    process.exit(1);
  }
  const { main } = await import(pathToFileURL(bundle).href);
  await main(process.argv);
}

// Storage (0.2) is node:sqlite, which Node has unflagged from 22.13 (and 23.4). On an older Node
// (Node 20 is still common) every verb but the hook re-runs itself on the Node 24 runtime the
// package installs through npm (the `node` dependency). The hook never opens the database.
function hasNodeSqlite() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  return major >= 24 || (major === 23 && minor >= 4) || (major === 22 && minor >= 13);
}

/**
 * `gatehouse serve` runs with the server's memory settings (server-runtime.mjs), which must be in
 * place when the process starts: the command replaces itself with the same command and those
 * settings (process.execve: same pid, nothing left behind). Where that is not possible (Windows,
 * a Node without execve) it goes on as it is, with V8's and glibc's defaults.
 */
function startTuned() {
  if (process.env.GATEHOUSE_TUNED || typeof process.execve !== 'function') return;
  try {
    process.execve(
      process.execPath,
      [process.execPath, ...SERVER_NODE_FLAGS, ...process.execArgv, fileURLToPath(import.meta.url), ...argv.slice(2)],
      {
        ...process.env,
        ...SERVER_ENV,
        GATEHOUSE_TUNED: '1',
      },
    );
  } catch {
    // runs untuned
  }
}

async function rerunOnBundledNode() {
  let runtime = null;
  try {
    runtime = join(dirname(createRequire(import.meta.url).resolve('node/package.json')), 'bin', 'node');
  } catch {
    // not installed
  }
  if (!runtime || !existsSync(runtime) || process.env.GATEHOUSE_REEXEC) {
    process.stderr.write(
      `gatehouse: Node ${process.version} has no node:sqlite (Node >= 22.13 needed) and the bundled Node 24 runtime is missing; ` +
        'run `npm install` in the gatehouse folder, or use Node 22.13+.\n',
    );
    process.exit(1);
  }
  const serve = argv[2] === 'serve';
  const child = spawn(runtime, [...(serve ? SERVER_NODE_FLAGS : []), fileURLToPath(import.meta.url), ...argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, ...(serve ? { ...SERVER_ENV, GATEHOUSE_TUNED: '1' } : {}), GATEHOUSE_REEXEC: '1' },
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('error', (e) => {
    process.stderr.write(`gatehouse: could not start ${runtime}: ${e.message}\n`);
    process.exit(1);
  });
  // A child ended by a signal exits as a shell reports it: 128 + that signal's number (137 for a kill -9, not 143).
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (osConstants.signals[signal] ?? 15) : 1)));
}
