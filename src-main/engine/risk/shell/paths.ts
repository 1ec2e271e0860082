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
  // Brace expansion makes one word many paths (`{/,x}` is `/ x`): the word is where its farthest path is.
  if (path.includes('{')) {
    if (path.length > MAX_BRACE_WORD) return 'unknown';
    const alternatives = braceExpansion(path);
    if (alternatives === TOO_MANY) return 'unknown';
    if (alternatives !== null) {
      let place: PathPlace = 'inside';
      for (const alternative of alternatives) {
        const p = placeOf(alternative, leftTree);
        if (p === 'outside') return p;
        if (p === 'unknown') place = p;
      }
      return place;
    }
  }
  const first = path.charCodeAt(0);
  if (first === 47 || first === 126 || first === 36) return 'outside'; // / ~ $
  if (path.charCodeAt(1) === 58 && /^[A-Za-z]:[\\/]/.test(path)) return 'outside'; // C:\
  if (path.includes('..') && (DOT_DOT_SEGMENT.test(path) || path.includes('\\..'))) return 'outside';
  if (path.includes('$')) return 'unknown';
  return leftTree ? 'outside' : 'inside';
}

/** Paths a word with braces may stand for, at most this many (a longer expansion is not followed). */
const MAX_BRACE_PATHS = 64;
/** A word with braces longer than this is not expanded (no path is): where it points is not known. */
const MAX_BRACE_WORD = 4096;
const TOO_MANY = 'too many';

/**
 * The words brace expansion makes of `path` (`a{b,c}d` → `abd acd`, nested groups too), `null` when
 * it has no group with a comma (`{}`, `{a..z}`, an unclosed brace), `TOO_MANY` past MAX_BRACE_PATHS.
 */
function braceExpansion(path: string): string[] | typeof TOO_MANY | null {
  const out: string[] = [];
  const pending = [path];
  let expanded = false;
  while (pending.length > 0) {
    const word = pending.pop() as string;
    const group = firstGroup(word);
    if (group === null) {
      out.push(word);
      continue;
    }
    expanded = true;
    if (out.length + pending.length + group.commas.length + 1 > MAX_BRACE_PATHS) return TOO_MANY;
    const prefix = word.slice(0, group.open);
    const suffix = word.slice(group.close + 1);
    let from = group.open + 1;
    for (const comma of [...group.commas, group.close]) {
      pending.push(prefix + word.slice(from, comma) + suffix);
      from = comma + 1;
    }
  }
  return expanded ? out : null;
}

/** The first `{…}` to close with a comma at its own level: where it opens, closes and its commas (one pass). */
function firstGroup(word: string): { open: number; close: number; commas: number[] } | null {
  const open: { at: number; commas: number[] }[] = [];
  for (let i = word.indexOf('{'); i >= 0 && i < word.length; i++) {
    const c = word[i];
    if (c === '{') open.push({ at: i, commas: [] });
    else if (c === ',' && open.length > 0) (open[open.length - 1] as { commas: number[] }).commas.push(i);
    else if (c === '}' && open.length > 0) {
      const group = open.pop() as { at: number; commas: number[] };
      if (group.commas.length > 0) return { open: group.at, close: i, commas: group.commas };
    }
  }
  return null;
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
