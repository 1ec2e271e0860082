import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../helpers.js';

/** The hook's Node transport runs before tool calls where bash and curl are missing: it must load no zod, commander or server code. */

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

function importsOf(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
    const spec = m[1]!;
    if (spec.startsWith('.')) importsOf(join(dirname(file), spec), seen);
    else seen.add(spec);
  }
  return seen;
}

describe('dist/cli/hook.js', () => {
  it('imports only node built-ins and its own small chunks', () => {
    const all = [...importsOf(join(ROOT, 'dist', 'cli', 'hook.js'))];
    const packages = all.filter((s) => !s.startsWith('/') && !s.startsWith('node:'));
    expect(packages).toEqual([]);
    const size = all.filter((s) => s.startsWith('/')).reduce((n, f) => n + readFileSync(f).length, 0);
    expect(size).toBeLessThan(64 * 1024);
  });
});
