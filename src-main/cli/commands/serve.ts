import { resolveDataDir, resolvePort } from '../../config/paths.js';
import { refreshInstalledTransport } from '../../integrations/hooks/install/transport.js';
import { startServer } from '../../server/serve.js';
import { openInBrowser } from '../open-browser.js';

export interface ServeFlags {
  port?: string;
  host?: string;
  dataDir?: string;
  open?: boolean;
}

/** `gatehouse serve`: the headless console. Stops cleanly on SIGINT/SIGTERM. */
export async function runServe(flags: ServeFlags): Promise<void> {
  const dataDir = resolveDataDir(flags.dataDir);
  const server = await startServer({ dataDir, port: resolvePort(flags.port), host: flags.host });
  try {
    refreshInstalledTransport(dataDir);
  } catch (e) {
    process.stderr.write(
      `gatehouse: the installed hook transport could not be refreshed (${(e as Error).message}); \`gatehouse hook install\` rewrites it\n`,
    );
  }
  // Its output is a courtesy: a reader that went away (`| tee` ended, the terminal closed) must not end
  // the server, nor cut its stop short between server.json and the database's close.
  for (const out of [process.stdout, process.stderr]) out.on('error', () => undefined);
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
  // The terminal it runs in was closed: the same clean stop (final checkpoint, server.json removed).
  process.on('SIGHUP', () => stop('SIGHUP'));
  const login = server.loginUrl();
  process.stdout.write(
    [
      `Gatehouse ${server.g.opts.mode} console listening on ${server.url}`,
      `  data directory: ${dataDir}`,
      `  open the console: ${login}`,
      `  (the link logs you in once; \`gatehouse open\` prints a new one)`,
      ...(flags.open ? ['  (your browser is opened with a link of its own: this one is still unused)'] : []),
      '',
    ].join('\n'),
  );
  // The browser spends the link it opens: it gets another than the one printed for the user.
  if (flags.open) openInBrowser(server.loginUrl());
}
