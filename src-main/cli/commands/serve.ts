import { spawn } from 'node:child_process';
import { resolveDataDir, resolvePort } from '../../config/paths.js';
import { startServer } from '../../server/serve.js';

export interface ServeFlags {
  port?: string;
  host?: string;
  dataDir?: string;
  open?: boolean;
}

/** Opens a URL in the user's browser (best effort; the URL is printed anyway). */
function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '""', url] : [url];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No browser launcher: the printed URL is enough.
  }
}

/** `gatehouse serve`: the headless console. Stops cleanly on SIGINT/SIGTERM. */
export async function runServe(flags: ServeFlags): Promise<void> {
  const dataDir = resolveDataDir(flags.dataDir);
  const server = await startServer({ dataDir, port: resolvePort(flags.port), host: flags.host });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping…\n`);
    server
      .close()
      .then(() => process.exit(0))
      .catch((e: unknown) => {
        process.stderr.write(`gatehouse: error while stopping: ${(e as Error).message}\n`);
        process.exit(1);
      });
  };
  // Before the line that says it listens: whoever reads that line may stop it at once.
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const login = server.loginUrl();
  process.stdout.write(
    [
      `Gatehouse ${server.g.opts.mode} console listening on ${server.url}`,
      `  data directory: ${dataDir}`,
      `  open the console: ${login}`,
      `  (the link logs you in once; \`gatehouse open\` prints a new one)`,
      '',
    ].join('\n'),
  );
  if (flags.open) openBrowser(login);
}
