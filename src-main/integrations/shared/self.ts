import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The absolute path of this package's `bin/gatehouse.mjs`, found by walking up from this module
 * (works from the bundle in dist/cli and from the TypeScript sources under tsx).
 */
export function gatehouseBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'gatehouse') {
          const bin = join(dir, 'bin', 'gatehouse.mjs');
          if (existsSync(bin)) return realpathSync(bin);
        }
      } catch {
        /* keep walking */
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const argv1 = process.argv[1];
  if (argv1 && /gatehouse(\.mjs)?$/.test(argv1)) return realpathSync(argv1);
  throw new Error('cannot locate bin/gatehouse.mjs');
}

/** Quotes an argument for the shell line Claude Code runs (POSIX sh; also fine for cmd when no quotes inside). */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_/.:@%+=,-]+$/.test(s)) return s;
  return `"${s.replace(/(["\\$`])/g, '\\$1')}"`;
}
