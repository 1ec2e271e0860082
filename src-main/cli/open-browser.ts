import { spawn } from 'node:child_process';
import { delimiter } from 'node:path';

/**
 * The command that opens `url` in the user's browser: `$BROWSER` where it is set (the convention
 * xdg-open, Python's webbrowser and git follow: the first of its `delimiter`-separated commands,
 * `%s` standing for the URL, else the URL added as the last argument), else the platform's own
 * launcher.
 */
export function browserCommand(url: string, env: NodeJS.ProcessEnv = process.env, platform = process.platform): [string, string[]] {
  const chosen = env.BROWSER?.split(delimiter)
    .map((c) => c.trim())
    .find(Boolean);
  if (chosen) {
    const [cmd, ...args] = chosen.split(/\s+/);
    return args.some((a) => a.includes('%s')) ? [cmd!, args.map((a) => a.replaceAll('%s', url))] : [cmd!, [...args, url]];
  }
  if (platform === 'darwin') return ['open', [url]];
  if (platform === 'win32') return ['cmd', ['/c', 'start', '""', url]];
  return ['xdg-open', [url]];
}

/**
 * Opens a one-time login link in the browser (best effort: without a launcher nothing happens). The
 * browser spends the link it is given, so callers hand it a link of its own and print another.
 */
export function openInBrowser(url: string): void {
  const [cmd, args] = browserCommand(url);
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No launcher: the printed link is enough.
  }
}
