#!/usr/bin/env node
// The `gatehouse` command. Runs the prebuilt bundle (no TypeScript at run time).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli');
const bundle = join(dist, 'main.js');
const argv = process.argv;

// Fast path for the Claude Code hook, which runs before every tool call: a small separate bundle
// without commander or zod. Whatever happens it answers with one JSON line and exits 0 (SPEC 9.1):
// a crash or a non-zero exit would let Claude Code run the tool unasked.
if (argv[2] === 'hook' && argv[3] === 'claude-code' && !argv.includes('--help') && !argv.includes('-h')) {
  const failed = (why) => {
    const deny = argv.some((a, i) => a === '--on-error=deny' || (a === '--on-error' && argv[i + 1] === 'deny'));
    const reason = `Gatehouse could not decide (${why}); ${deny ? 'refused (--on-error deny).' : 'asking you instead.'}`;
    const out = {
      hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: deny ? 'deny' : 'ask', permissionDecisionReason: reason },
    };
    process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(0));
  };
  try {
    const hook = join(dist, 'hook.js');
    if (existsSync(hook)) {
      const { main } = await import(pathToFileURL(hook).href);
      await main(argv.slice(4));
    } else if (!existsSync(bundle)) {
      failed('gatehouse is not built yet — run `npm run build` in the gatehouse folder');
    } else {
      const { main } = await import(pathToFileURL(bundle).href);
      await main(argv);
      process.exitCode = 0;
    }
  } catch (e) {
    failed(`the hook could not start: ${e?.message ?? e}`);
  }
} else {
  if (!existsSync(bundle)) {
    process.stderr.write('gatehouse: not built yet — run `npm run build` in the gatehouse folder.\n');
    process.exit(1);
  }
  const { main } = await import(pathToFileURL(bundle).href);
  await main(process.argv);
}
