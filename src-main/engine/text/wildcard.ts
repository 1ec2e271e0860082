import { chargeWork, checkBudget } from '../budget.js';

/**
 * SPEC 3.2 wildcards matched without backtracking: `*` is any run of characters (none included),
 * `?` exactly one character (a code point); the whole value must match, case-sensitively.
 *
 * The pattern is cut at its stars into segments. The first must match at the start, the last at
 * the end, and each one between is taken at its earliest place after the previous one: taking a
 * segment as early as possible only leaves more room for the rest, so one pass decides. A segment
 * is found with `indexOf` when it is literal; a segment with `?` is compared position by position,
 * and that search checks the decision budget as it goes.
 */
export type WildcardMatcher = (text: string) => boolean;

const SURROGATE = /[\uD800-\uDFFF]/;
const BUDGET_CHECK_EVERY = 1 << 16;

/** A sequence matched element by element: a string (code units) or an array of code points. */
type Seq = string | readonly string[];

interface Compiled {
  head: Seq;
  middles: Seq[];
  /** `null` when the pattern has no star (the head must then be the whole value). */
  tail: Seq | null;
}

export function wildcardMatcher(pattern: string): WildcardMatcher {
  const units = compile(pattern.split('*'));
  if (!pattern.includes('?')) return (text) => matches(text, units, false);
  // `?` is one code point: values with surrogate pairs are compared as arrays of code points.
  const points = compile(pattern.split('*').map((s) => Array.from(s)));
  return (text) => (SURROGATE.test(text) ? matches(Array.from(text), points, true) : matches(text, units, true));
}

function compile(segments: Seq[]): Compiled {
  const head = segments[0] ?? '';
  if (segments.length === 1) return { head, middles: [], tail: null };
  return { head, middles: segments.slice(1, -1).filter((s) => s.length > 0), tail: segments[segments.length - 1] ?? '' };
}

function matches(text: Seq, { head, middles, tail }: Compiled, wild: boolean): boolean {
  if (tail === null) return text.length === head.length && matchesAt(text, head, 0, wild);
  const end = text.length - tail.length;
  if (end < head.length || !matchesAt(text, head, 0, wild) || !matchesAt(text, tail, end, wild)) return false;
  let pos = head.length;
  for (const segment of middles) {
    const at = find(text, segment, pos, end, wild);
    if (at < 0) return false;
    pos = at + segment.length;
  }
  return true;
}

/** Does `segment` match `text` at `at` (`?` matching any one element)? */
function matchesAt(text: Seq, segment: Seq, at: number, wild: boolean): boolean {
  if (!wild && typeof text === 'string' && typeof segment === 'string') return text.startsWith(segment, at);
  for (let k = 0; k < segment.length; k++) {
    const p = segment[k];
    if (p !== '?' && p !== text[at + k]) return false;
  }
  return true;
}

/** The earliest index ≥ `from` where `segment` matches and ends at or before `end`; -1 if none. */
function find(text: Seq, segment: Seq, from: number, end: number, wild: boolean): number {
  const last = end - segment.length;
  if (last < from) return -1;
  if (typeof text === 'string' && typeof segment === 'string' && !(wild && segment.includes('?'))) {
    const at = text.indexOf(segment, from);
    return at >= 0 && at <= last ? at : -1;
  }
  let work = 0;
  for (let i = from; i <= last; i++) {
    if (matchesAt(text, segment, i, true)) return i;
    work += segment.length;
    if (work >= BUDGET_CHECK_EVERY) {
      chargeWork(work);
      work = 0;
      checkBudget('wildcard pattern');
    }
  }
  return -1;
}
