/**
 * Where a path named in a command points, relative to the working tree the command runs in:
 * `inside` (a relative path without `..`), `outside` (absolute, `~`, `..`, a variable at its root:
 * `$HOME/x`, `"$DIR"/*`), or `unknown` (a relative path with a variable or substitution inside).
 */
export type PathPlace = 'inside' | 'outside' | 'unknown';

const DOT_DOT_SEGMENT = /(?:^|\/)\.\.(?:\/|$)/;

/** Targets a redirection may write to without changing any file. */
const HARMLESS_TARGETS: ReadonlySet<string> = new Set(['/dev/null', '/dev/stdout', '/dev/stderr', '/dev/tty']);

export function placeOf(path: string, leftTree: boolean): PathPlace {
  const first = path.charCodeAt(0);
  if (first === 47 || first === 126 || first === 36) return 'outside'; // / ~ $
  if (path.charCodeAt(1) === 58 && /^[A-Za-z]:[\\/]/.test(path)) return 'outside'; // C:\
  if (path.includes('..') && (DOT_DOT_SEGMENT.test(path) || path.includes('\\..'))) return 'outside';
  if (path.includes('$')) return 'unknown';
  return leftTree ? 'outside' : 'inside';
}

export function isHarmlessTarget(target: string): boolean {
  return HARMLESS_TARGETS.has(target) || /^\d+$/.test(target) || target === '-';
}

/** `/usr/bin/rm` → `rm`. */
export function programName(word: string): string {
  const slash = word.lastIndexOf('/');
  return slash >= 0 ? word.slice(slash + 1) : word;
}

export function clip(text: string, max = 80): string {
  const head = text.length > max * 4 ? text.slice(0, max * 4) : text;
  const flat = head.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
