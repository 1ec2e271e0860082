import { Command, Option } from 'commander';
import { VERSION } from '../../src-shared/version.js';
import { HOOK_AGENTS } from '../services/hooks/types.js';
import { explain } from './context.js';

/**
 * The `gatehouse` CLI. Each verb's module is imported only when that verb runs, so the hook that
 * runs before every agent tool call does not pay for the server, sql.js or the console.
 */
function run(load: () => Promise<number | void>): Promise<void> {
  return load().then(
    (code) => {
      if (typeof code === 'number') process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`gatehouse: ${explain(e)}\n`);
      process.exitCode = 1;
    },
  );
}

export function buildProgram(): Command {
  const program = new Command('gatehouse').description('Local-first governance console for AI agents').version(VERSION);
  const dataDir = () => new Option('--data-dir <dir>', 'data directory (default: $GATEHOUSE_HOME or ~/.gatehouse)');

  program
    .command('serve')
    .description('run the headless console and API on 127.0.0.1')
    .option('--port <n>', 'port (0 picks a free one; default $GATEHOUSE_PORT or 7077)')
    .option('--host <host>', 'loopback address to bind', '127.0.0.1')
    .addOption(dataDir())
    .option('--open', 'open the console in a browser')
    .action((o) => run(async () => (await import('./commands/serve.js')).runServe(o)));

  program
    .command('open')
    .description('print (and open) a fresh one-time console login link')
    .addOption(dataDir())
    .option('--no-browser', 'only print the link')
    .action((o) => run(async () => (await import('./commands/status.js')).runOpen(o)));

  program
    .command('status')
    .description('server, counts and pending approvals')
    .addOption(dataDir())
    .option('--json', 'print JSON')
    .action((o) => run(async () => (await import('./commands/status.js')).runStatus(o)));

  program
    .command('approvals')
    .description('list pending approvals')
    .addOption(dataDir())
    .option('--json', 'print JSON')
    .action((o) => run(async () => (await import('./commands/status.js')).runApprovals(o)));

  for (const verb of ['approve', 'deny'] as const) {
    program
      .command(`${verb} <id>`)
      .description(`${verb} a pending action (action or approval id)`)
      .addOption(
        new Option('--remember <d>', 'make it a rule').choices(['once', '15m', '1h', '12h', 'until_restart', 'forever']).default('once'),
      )
      .option('--pattern <glob>', 'resource pattern for the remembered rule')
      .option('--apply-to-pending', 'with --remember (not once): also answer every other waiting request the rule matches')
      .option('--comment <text>', 'comment stored with the answer')
      .addOption(dataDir())
      .option('--json', 'print JSON')
      .action((id: string, o) => run(async () => (await import('./commands/status.js')).runResolve(verb, id, o)));
  }

  const policy = program.command('policy').description('list, test, import and export policies');
  policy
    .command('list')
    .description('every policy: on/off, priority, effect, mode, hits')
    .addOption(dataDir())
    .option('--json', 'print JSON')
    .action((o) => run(async () => (await import('./commands/policy.js')).policyList(o)));
  policy
    .command('test')
    .description('what the policies would decide for an action, with the risk factors and the trace')
    .requiredOption('--action <json>', 'the action request as JSON')
    .addOption(dataDir())
    .option('--json', 'print JSON')
    .action((o) => run(async () => (await import('./commands/policy.js')).policyTest(o)));
  policy
    .command('import <file>')
    .description('import a policy file (YAML or JSON: version, settings, risk_rules, policies), all or nothing')
    .addOption(dataDir())
    .action((file: string, o) => run(async () => (await import('./commands/policy.js')).policyImport(file, o)));
  policy
    .command('export')
    .description('the policies, with settings, risk rules and workflows, as a policy file')
    .addOption(new Option('--format <f>').choices(['yaml', 'json']).default('yaml'))
    .option('--out <file>', 'a file, or - for standard output (the default)')
    .addOption(dataDir())
    .action((o) => run(async () => (await import('./commands/policy.js')).policyExport(o)));

  const audit = program.command('audit').description('export and verify the audit log');
  audit
    .command('export')
    .description('stream the audit log to a file: jsonl (verifiable), csv or cef')
    .addOption(new Option('--format <f>').choices(['jsonl', 'csv', 'cef']).makeOptionMandatory())
    .option('--since <iso>', 'an ISO time, or a date (its local midnight)')
    .option('--until <iso>', 'an ISO time, or a date (its local midnight)')
    .option('--include-archive', 'the archived records first, in the same format and window: one chain with the live log')
    .requiredOption('--out <file>', 'a file, or - for standard output')
    .addOption(dataDir())
    .action((o) => run(async () => (await import('./commands/audit-cli.js')).runAuditExport(o)));
  audit
    .command('verify')
    .description('check the hash chain: the live log, an export or archive offline, or the archives and live log as one')
    .option('--file <export.jsonl>', 'verify an exported file, or an archive (.jsonl.gz), offline')
    .option('--partial', 'the file starts after seq 1 (an export made with --since)')
    .option('--checkpoint <cp.txt>', 'with --file: a signed checkpoint the export must reproduce (GET /api/v1/audit/checkpoint)')
    .option('--prefix <file.prefix.json>', 'with --file: the prefix an archive continues from (default: the one beside it)')
    .option('--public-key <audit-key.pub>', 'with --checkpoint or --archive: the key that signed it')
    .option('--archive', 'check archive/ and the live log as one chain, and each archive against its checkpoint')
    .addOption(dataDir())
    .option('--json', 'print JSON')
    .action((o) => run(async () => (await import('./commands/audit-cli.js')).runAuditVerify(o)));

  const report = program.command('report').description('reports for people who do not open the console');
  report
    .command('brief')
    .description('the executive brief: posture, risk trend, decisions, approvals, changes, chain verification')
    .addOption(new Option('--window <w>', 'period').choices(['7d', '30d']).default('30d'))
    .addOption(new Option('--format <f>', 'default: from the --out extension, else pdf').choices(['pdf', 'html', 'json']))
    .requiredOption('--out <file>', 'a file, or - for standard output')
    .addOption(dataDir())
    .action((o) => run(async () => (await import('./commands/report.js')).reportBrief(o)));

  const keys = program.command('keys').description('API keys');
  keys
    .command('list')
    .description('API keys (never their secrets)')
    .addOption(dataDir())
    .option('--json', 'print JSON')
    .action((o) => run(async () => (await import('./commands/keys.js')).keysList(o)));
  keys
    .command('create')
    .description('a new agent or admin key: its secret is printed once')
    .addOption(new Option('--scope <s>').choices(['agent', 'admin']).makeOptionMandatory())
    .requiredOption('--name <name>')
    .option('--agent-id <id>', 'bind the key to one agent')
    .option('--approver <name>', 'admin keys: the approver this key answers workflow steps as (e.g. team-lead)')
    .addOption(dataDir())
    .option('--json', 'print JSON')
    .action((o) => run(async () => (await import('./commands/keys.js')).keysCreate(o)));
  keys
    .command('revoke <id>')
    .description('revoke a key: it stops working at once')
    .addOption(dataDir())
    .action((id: string, o) => run(async () => (await import('./commands/keys.js')).keysRevoke(id, o)));

  const hook = program
    .command('hook')
    .description('coding agents\u2019 pre-tool hooks: the hook each agent runs, installing it, its status');
  for (const agent of HOOK_AGENTS) {
    // `bin/gatehouse.mjs` runs these straight from the small hook bundle; commander only sees --help.
    hook
      .command(agent)
      .description(`the ${agent} hook: reads its JSON on stdin, answers in its own form`)
      .option('--wait <s>', 'seconds to hold a pending approval (default: a little under the agent\u2019s hook timeout)')
      .addOption(new Option('--on-error <mode>', 'when Gatehouse cannot decide').choices(['ask', 'deny', 'pass']).default('ask'))
      .addOption(dataDir())
      .action(() => run(async () => (await import('../integrations/hooks/transport/client.js')).main(process.argv.slice(3))));
  }
  hook
    .command('install <agent>')
    .description(`wire Gatehouse into an agent\u2019s hooks: ${HOOK_AGENTS.join(', ')}`)
    .addOption(
      new Option('--scope <s>', 'user, project, or local (Claude Code only)').choices(['user', 'project', 'local']).default('user'),
    )
    .option('--uninstall', 'remove it again (restores the file exactly when nothing else changed)')
    .option('--wait <s>', 'seconds a pending approval is held (the agent\u2019s timeout is set above it)')
    .addOption(new Option('--on-error <mode>', 'when Gatehouse cannot decide').choices(['ask', 'deny', 'pass']).default('ask'))
    .addOption(dataDir())
    .action((agent: string, o) => run(async () => (await import('../integrations/hooks/install/run.js')).runHookInstall(agent, o)));
  hook
    .command('status')
    .description('which agents are on this machine, which are wired, and their last call')
    .addOption(dataDir())
    .option('--json', 'print JSON')
    .action((o) => run(async () => (await import('./commands/hook-status.js')).runHookStatus(o)));

  program
    .command('mcp-proxy')
    .description('govern an MCP server: gatehouse mcp-proxy --server-id ID -- COMMAND [ARGS...]   or   --url URL [--header "K: V"]...')
    .requiredOption('--server-id <id>')
    .option('--agent-id <id>', 'agent id for its actions', 'mcp-client')
    .option('--wait <s>', 'seconds to wait for an approval', '300')
    .option('--govern-reads', 'also decide resources/read and prompts/get')
    .option('--url <url>', 'a remote MCP server (Streamable HTTP, or HTTP+SSE: found by itself) instead of a command')
    .option('--header <header>', 'an HTTP header for the remote server, "Name: value" (repeatable)', (v: string, prev: string[] = []) => [
      ...prev,
      v,
    ])
    .addOption(dataDir())
    .argument('[command...]')
    .action((command: string[], o) => run(async () => (await import('../integrations/mcp-proxy/run.js')).runMcpProxy(command, o)));

  const mcp = program.command('mcp').description('MCP client configuration');
  mcp
    .command('wrap')
    .description('route every server of an MCP client config (mcpServers or VS Code servers; local or url) through the proxy')
    .requiredOption('--config <file>')
    .option('--unwrap', 'restore the original servers')
    .addOption(dataDir())
    .action((o) => run(async () => (await import('../integrations/mcp-proxy/wrap.js')).runMcpWrap(o)));

  oneLineUsageErrors(program, ['gatehouse']);
  return program;
}

/**
 * A usage error (unknown verb or option, a missing argument, a value outside the choices) is one
 * line, like every other CLI error (SPEC 6): `gatehouse: <what>` and the help of the verb that was
 * mistyped (`gatehouse approve --help`), not commander's `error: …` and a second line always
 * pointing at the top-level help.
 */
function oneLineUsageErrors(c: Command, path: string[]): void {
  const help = [...path, '--help'].join(' ');
  c.configureOutput({
    outputError: (str, write) =>
      write(
        `gatehouse: ${str
          .replace(/^error: /, '')
          .replace(/\s*\n\s*/g, ' ')
          .trim()} (see \`${help}\`)\n`,
      ),
  });
  for (const sub of c.commands) oneLineUsageErrors(sub, [...path, sub.name()]);
}

/**
 * Output piped into a reader that stopped reading (`gatehouse hook install … | head -2`): the rest
 * has nowhere to go, so the command ends quietly with its own exit code instead of a stack trace.
 * Not for the MCP proxy, whose stdout is the protocol, nor for an agent's hook (`gatehouse hook
 * AGENT`), whose exit code is its answer: an early exit 0 must never read as "no objection"; nor for
 * `serve`, which goes on serving and, when told to stop, stops cleanly (serve.ts).
 */
function quietOnClosedStdout(argv: string[]): void {
  const hook = argv.indexOf('hook');
  const agentHook = hook >= 0 && !['install', 'status'].includes(argv[hook + 1] ?? '');
  if (argv.includes('mcp-proxy') || agentHook || argv[2] === 'serve') return;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
}

export async function main(argv = process.argv): Promise<void> {
  quietOnClosedStdout(argv);
  await buildProgram().parseAsync(argv);
}
