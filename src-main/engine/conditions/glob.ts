import { wildcardMatcher } from '../text/wildcard.js';
import { textTestFunction, type TextTest } from './text-test.js';

/**
 * SPEC 3.2 wildcards: `*` is any run of characters (including none and `/`), `?` exactly one.
 * Matching is case-sensitive and whole-string. Patterns are compiled once to the cheapest test
 * that decides them (startsWith / endsWith / includes, else the linear matcher of text/wildcard.ts).
 */

export function isWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/** The literal text before the first wildcard (`/etc/` for `/etc/*`). */
export function literalPrefix(pattern: string): string {
  const cut = firstWildcard(pattern);
  return cut < 0 ? pattern : pattern.slice(0, cut);
}

/** The literal text after the last wildcard (`.env` for `*.env`). */
export function literalSuffix(pattern: string): string {
  const star = pattern.lastIndexOf('*');
  const question = pattern.lastIndexOf('?');
  const cut = Math.max(star, question);
  return cut < 0 ? pattern : pattern.slice(cut + 1);
}

function firstWildcard(pattern: string): number {
  const star = pattern.indexOf('*');
  const question = pattern.indexOf('?');
  if (star < 0) return question;
  if (question < 0) return star;
  return Math.min(star, question);
}

/** The cheapest exact test deciding a wildcard pattern (startsWith / endsWith / includes / the wildcard matcher). */
export function globTest(pattern: string): TextTest {
  if (!pattern.includes('?')) {
    const parts = pattern.split('*');
    if (parts.length === 1) return { kind: 'equals', text: pattern };
    if (parts.every((p) => p === '')) return { kind: 'always' };
    if (parts.length === 2) {
      const [head = '', tail = ''] = parts;
      if (tail === '') return { kind: 'prefix', text: head };
      if (head === '') return { kind: 'suffix', text: tail };
      return { kind: 'affixes', prefix: head, suffix: tail };
    }
    if (parts.length === 3 && parts[0] === '' && parts[2] === '') return { kind: 'contains', text: parts[1] ?? '' };
  }
  return { kind: 'matcher', test: wildcardMatcher(pattern) };
}

export function compileGlob(pattern: string): (text: string) => boolean {
  return textTestFunction(globTest(pattern));
}
