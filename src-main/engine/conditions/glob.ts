/**
 * SPEC 3.2 wildcards: `*` is any run of characters (including none and `/`), `?` exactly one.
 * Matching is case-sensitive and whole-string. Patterns are compiled once to the cheapest test
 * that decides them (startsWith / endsWith / includes / a regex).
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

const REGEX_SPECIALS = /[.+^${}()|[\]\\/]/g;

export function compileGlob(pattern: string): (text: string) => boolean {
  if (!pattern.includes('?')) {
    const parts = pattern.split('*');
    if (parts.length === 1) return (text) => text === pattern;
    if (parts.every((p) => p === '')) return () => true;
    if (parts.length === 2) {
      const [head = '', tail = ''] = parts;
      if (tail === '') return (text) => text.startsWith(head);
      if (head === '') return (text) => text.endsWith(tail);
      const minLength = head.length + tail.length;
      return (text) => text.length >= minLength && text.startsWith(head) && text.endsWith(tail);
    }
    if (parts.length === 3 && parts[0] === '' && parts[2] === '') {
      const middle = parts[1] ?? '';
      return (text) => text.includes(middle);
    }
  }
  const source = pattern.replace(REGEX_SPECIALS, '\\$&').replace(/\*+/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]');
  const re = new RegExp(`^${source}$`, 'u');
  return (text) => re.test(text);
}
