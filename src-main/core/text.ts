import type { ErrorDetail } from '../../src-shared/index.js';

const MAX_DEPTH = 256;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The first place in a parsed JSON (or YAML) value that cannot be stored faithfully: a string or
 * key with a lone UTF-16 surrogate (no canonical JSON, no UTF-8 on disk), or a number that is not
 * finite. Returns the field and why, or null. (Duplicate keys and numbers beyond 2^53 must be
 * caught earlier, on the raw text, by the JSON reader.)
 */
export function illFormedField(value: unknown, path = ''): ErrorDetail | null {
  const stack: [unknown, string, number][] = [[value, path, 0]];
  while (stack.length) {
    const [v, at, depth] = stack.pop()!;
    if (typeof v === 'string') {
      // isWellFormed: the engine's own check (one-byte text answers at once), several times faster than a regex.
      if (!v.isWellFormed()) return { path: at || '(body)', message: 'contains a lone UTF-16 surrogate (not valid Unicode)' };
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { path: at || '(body)', message: 'number is out of range' };
    } else if (v !== null && typeof v === 'object' && depth < MAX_DEPTH) {
      if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, `${at}[${i}]`, depth + 1]));
      else
        for (const [k, x] of Object.entries(v)) {
          const child = at ? `${at}.${k}` : k;
          if (!k.isWellFormed())
            return {
              path: child.replace(new RegExp(LONE_SURROGATE, 'g'), '\uFFFD'),
              message: 'field name contains a lone UTF-16 surrogate',
            };
          stack.push([x, child, depth + 1]);
        }
    }
  }
  return null;
}

/**
 * Calls `each` with every string and object key in `values`, depth first, down to `maxDepth` levels,
 * and stops as soon as it answers true (then returns true). Nothing is allocated per value: it runs
 * over every body that may need the secrets thread, and over big hook inputs.
 */
export function someText(values: readonly unknown[], each: (text: string) => boolean, maxDepth: number): boolean {
  const visit = (v: unknown, depth: number): boolean => {
    if (typeof v === 'string') return each(v);
    if (v === null || typeof v !== 'object' || depth > maxDepth) return false;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (visit(v[i], depth + 1)) return true;
      return false;
    }
    for (const k of Object.keys(v)) if (each(k) || visit((v as Record<string, unknown>)[k], depth + 1)) return true;
    return false;
  };
  for (const v of values) if (visit(v, 0)) return true;
  return false;
}
