import type { ChildProcess } from 'node:child_process';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { shellQuote } from '../shared/self.js';
import { McpGovernanceProxy } from './proxy.js';

/**
 * `gatehouse mcp-proxy --server-id ID [--agent-id ID] [--wait S] -- COMMAND [ARGS...]`
 * (SPEC 9.2): an MCP server on this process's stdio that runs the real server as a child and
 * relays everything, deciding each `tools/call` with Gatehouse first. Only MCP messages go to
 * stdout; diagnostics go to stderr (and the child's stderr is passed through).
 * Exits when either side closes: the child is stopped, and its exit code becomes ours.
 */
export interface McpProxyOptions {
  serverId: string;
  agentId?: string;
  wait?: string | number;
  dataDir?: string;
}

const SERVER_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The child's environment: ours, without the Gatehouse key (the governed server has no business with it). */
function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'GATEHOUSE_API_KEY') env[k] = v;
  return env;
}

export async function runMcpProxy(command: string[], o: McpProxyOptions): Promise<number> {
  const log = (l: string) => process.stderr.write(`gatehouse mcp-proxy [${o.serverId}]: ${l}\n`);
  if (!SERVER_ID.test(o.serverId ?? ''))
    throw new Error(`--server-id must be 1-128 characters of A-Z a-z 0-9 . _ : - (got ${JSON.stringify(o.serverId)})`);
  const [cmd, ...args] = command;
  if (!cmd) throw new Error('no server command: gatehouse mcp-proxy --server-id ID -- COMMAND [ARGS...]');
  const waitS = Number(o.wait ?? 300);

  const downstream = new StdioClientTransport({ command: cmd, args, env: childEnv(), stderr: 'inherit' });
  const upstream = new StdioServerTransport();
  const proxy = new McpGovernanceProxy(upstream, downstream, {
    serverId: o.serverId,
    agentId: o.agentId || 'mcp-client',
    waitS: Number.isFinite(waitS) && waitS >= 0 ? waitS : 300,
    commandLine: command.map(shellQuote).join(' '),
    dataDir: o.dataDir,
    log,
  });

  let childExit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  try {
    await proxy.start();
  } catch (e) {
    log(`cannot start ${cmd}: ${(e as Error).message}`);
    return 127;
  }
  const child = (downstream as unknown as { _process?: ChildProcess })._process;
  child?.once('exit', (code, signal) => (childExit = { code, signal }));

  // The client closing our stdin is the normal way an MCP stdio session ends.
  const onStdinEnd = () => void upstream.close();
  process.stdin.once('end', onStdinEnd);
  process.stdin.once('close', onStdinEnd);
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping the server`);
    void upstream.close();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  process.once('SIGHUP', onSignal);

  const side = await proxy.done;
  if (side === 'client') {
    await downstream.close(); // ends the child's stdin, then SIGTERM, then SIGKILL
  } else {
    await upstream.close().catch(() => undefined);
  }
  if (!childExit && child && child.exitCode !== null) childExit = { code: child.exitCode, signal: null };
  const exit = childExit as { code: number | null; signal: NodeJS.Signals | null } | null;
  const code = side === 'server' ? (exit?.code ?? (exit?.signal ? 1 : 0)) : exit?.code && exit.code > 0 && !stopping ? exit.code : 0;
  if (side === 'server') log(`the server exited (${exit?.signal ?? `code ${exit?.code ?? '?'}`})`);
  await new Promise<void>((r) => process.stdout.write('', () => r()));
  process.exit(code);
}
