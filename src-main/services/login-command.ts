import { existsSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { packageRoot } from '../core/resources.js';

/** POSIX shell quoting: bare when safe, else single quotes. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function real(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

/** Whether `gatehouse` on this PATH is this very package's bin (e.g. after `npm link`). */
export function gatehouseOnPath(bin: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const target = real(bin);
  if (!target) return false;
  const names = process.platform === 'win32' ? ['gatehouse.cmd', 'gatehouse.exe', 'gatehouse'] : ['gatehouse'];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const n of names) {
      const p = join(dir, n);
      if (existsSync(p) && real(p) === target) return true;
      if (existsSync(p) && process.platform === 'win32') return true; // npm's .cmd shims cannot be followed
    }
  }
  return false;
}

/**
 * The exact command that prints a fresh console login link for this server (SPEC 4): `gatehouse
 * open` when this package's `gatehouse` is on PATH, else `node <path to bin/gatehouse.mjs> open`,
 * always with this server's data dir (the CLI finds the port in its `server.json`).
 */
export function loginCommand(dataDir: string, opts: { bin?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const bin = opts.bin ?? join(packageRoot(), 'bin', 'gatehouse.mjs');
  const exe = gatehouseOnPath(bin, opts.env) ? 'gatehouse' : `node ${shellQuote(bin)}`;
  return `${exe} open --data-dir ${shellQuote(dataDir)}`;
}
