#!/usr/bin/env node
// The `gatehouse` command. Runs the prebuilt bundle (no TypeScript at run time).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli');
const bundle = join(dist, 'main.js');
const argv = process.argv;

// Fast path for the Claude Code hook, which runs before every tool call: a small separate bundle
// without commander or zod. It must always answer with one JSON line and exit 0 (SPEC 9.1).
if (argv[2] === 'hook' && argv[3] === 'claude-code' && !argv.includes('--help') && !argv.includes('-h')) {
  const hook = join(dist, 'hook.js');
  if (existsSync(hook)) {
    const { main } = await import(pathToFileURL(hook).href);
    await main(argv.slice(4));
  } else if (!existsSync(bundle)) {
    const deny = argv.some((a, i) => a === '--on-error=deny' || (a === '--on-error' && argv[i + 1] === 'deny'));
    const mode = deny ? 'deny' : 'ask';
    const reason = `Gatehouse could not decide (gatehouse is not built yet — run \`npm run build\` in the gatehouse folder); ${deny ? 'refused (--on-error deny).' : 'asking you instead.'}`;
    process.stdout.write(`${JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: mode, permissionDecisionReason: reason } })}\n`);
    process.exit(0);
  }
}

if (!existsSync(bundle)) {
  process.stderr.write('gatehouse: not built yet — run `npm run build` in the gatehouse folder.\n');
  process.exit(1);
}
const { main } = await import(pathToFileURL(bundle).href);
await main(process.argv);
