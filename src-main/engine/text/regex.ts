import { RE2JS } from 're2js';
import { budgetLeftMs, budgetOf, chargeWork, checkBudget, DecisionBudgetExceeded } from '../budget.js';
import { reverseMatcherFor } from './reverse-match.js';

/**
 * Regexes an agent's input meets run on RE2 (re2js: a pure-JS port of RE2, linear in the input
 * whatever the pattern, no native build). Users write JavaScript syntax; what RE2 can express is
 * translated to it, and what it cannot (backreferences, lookaround) is refused when the policy is
 * written, with a message naming the construct.
 *
 * Differences kept small on purpose: `\s` and `.` keep their JavaScript meaning (Unicode spaces;
 * `.` stops at \n, \r, U+2028, U+2029 unless the `s` flag is set). Remaining differences are in
 * case folding of a few non-ASCII letters and `^`/`$` with the `m` flag (lines end at \n only).
 */
export interface LinearRegex {
  test(text: string): boolean;
  /** The pattern as the user wrote it, and its flags (for messages and traces). */
  readonly source: string;
  readonly flags: string;
}

/** JavaScript's `\s` (WhiteSpace and LineTerminator), as RE2 class items. */
const JS_SPACE_ITEMS = '\\t\\n\\x0B\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}';
/** JavaScript's `.` without the `s` flag. */
const JS_DOT = '[^\\n\\r\\x{2028}\\x{2029}]';

/** Values longer than this are probed first, so one test cannot blow far past the decision budget. */
const PROBE_ABOVE = 64 * 1024;
const PROBE_CHARS = 8 * 1024;
/** After testing a value at least this long, the budget is checked. */
const CHECK_ABOVE = 4 * 1024;

const FLAG_BITS: Record<string, number> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL, u: 0 };

/**
 * Compiles a user pattern (JavaScript syntax) to a linear-time matcher, or explains why it cannot
 * be one. `flags` is a subset of `imsu`.
 */
export function compileLinearRegex(source: string, flags = ''): LinearRegex | { error: string } {
  for (const f of flags) if (!(f in FLAG_BITS)) return { error: `regex flag '${f}' is not supported (use i, m, s, u)` };
  const unsupported = unsupportedConstruct(source);
  if (unsupported) return { error: unsupported };
  let re: RE2JS;
  let translated: string;
  let bits = 0;
  try {
    translated = jsMeaning(RE2JS.translateRegExp(source), flags.includes('s'));
    for (const f of flags) bits |= FLAG_BITS[f] ?? 0;
    re = RE2JS.compile(translated, bits);
  } catch (e) {
    const message = (e as Error).message.replace(/^error parsing regexp: /, '');
    return { error: `invalid regex: ${message} (regexes use RE2 syntax, which runs in linear time)` };
  }
  // Text without a literal every match contains cannot match: one fast substring search instead of a
  // pass of the matcher (most default patterns name a program or a path: `curl`, `.ssh`, `git`).
  const runs = flags.includes('i') ? [] : literalRuns(source);
  const literals = runs.map((r) => r.text);
  // A match starts at most this many code units before the first literal (the pattern before it is
  // bounded: `(?:^|[\s/])\.ssh` → 2): the search then starts there, not at the start of a long value.
  const lead = runs.length ? 2 * maxWidth(source, 0, runs[0]!.at) : Number.POSITIVE_INFINITY;
  // A pattern whose matches all end where the text ends (`…$`) is run backwards from the end, as RE2
  // does: it stops where a match becomes certain or impossible (`(a+)+$` on `a…a!`: one character).
  const reverse = reverseMatcherFor(translated, bits);
  return {
    source,
    flags,
    test(text: string): boolean {
      chargeWork(text.length);
      let first = 0;
      for (let k = 0; k < literals.length; k++) {
        const at = text.indexOf(literals[k]!);
        if (at < 0) return false;
        if (k === 0) first = at;
      }
      let found = reverse ? reverse.test(text) : null;
      if (found === null) {
        const start = lead === Number.POSITIVE_INFINITY ? 0 : Math.max(0, first - lead);
        if (text.length - start > PROBE_ABOVE) probe(re, start ? text.slice(start) : text, source);
        // RE2 searches from `start` with the whole value as context (`^`, `\b` see what is before it).
        found = start ? re.matcher(text).find(start) : re.test(text);
      }
      if (text.length > CHECK_ABOVE) checkBudget(`regex /${clipped(source)}/ on a ${text.length}-character value`);
      return found;
    },
  };
}

/** Escapes whose character stands for itself (outside a class). */
const LITERAL_ESCAPE = /^[.\\/+*?()[\]{}|^$\-=!:,#&~'"<>@%;`_ ]$/;

/**
 * The runs of literal characters (2 or more, in the order they stand) that every match of the
 * JavaScript pattern `source` contains. All of them are searched for, the first one first (like
 * RE2's own prefix search): one absent is enough, and the first is often a program name (`git`)
 * rarer in a long value than a later flag (`--hard`) whose first character may be everywhere. Conservative:
 * only runs outside groups and classes count; a top-level `|` means no run is required; a character
 * followed by `?`, `*` or `{` may be absent, one followed by `+` ends the run; `.`, `^`, `$`, class
 * escapes (`\d`, `\b`…) and code escapes (`\x41`) end the run. Patterns with the `i` flag are not
 * asked (their literals match in several casings).
 */
export function requiredLiterals(source: string): string[] {
  return literalRuns(source).map((r) => r.text);
}

/** The runs of requiredLiterals, each with the index in `source` where it starts. */
function literalRuns(source: string): { text: string; at: number }[] {
  const found: { text: string; at: number }[] = [];
  let run = '';
  let runAt = 0;
  const end = () => {
    if (run.length >= 2) found.push({ text: run, at: runAt });
    run = '';
  };
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === '\\') {
      const next = source[i + 1] ?? '';
      i++;
      if (depth > 0) continue;
      if (LITERAL_ESCAPE.test(next)) {
        if (run === '') runAt = i - 1;
        run += next;
        continue;
      }
      end();
      // What the escape goes on with (`\u0041`, `\x41`, `\u{1F600}`, `\p{L}`, `\cA`, `\012`) is not literal text.
      i = escapeEnd(source, i, next);
      continue;
    }
    if (ch === '[') {
      // Skip the class: in JavaScript it ends at the first unescaped `]` (`[]` and `[^]` included).
      let j = i + 1;
      for (; j < source.length && source[j] !== ']'; j++) if (source[j] === '\\') j++;
      i = j;
      if (depth === 0) end();
      continue;
    }
    if (ch === '(') {
      // Inline flags (`(?i)`, `(?i:…)` in RE2 syntax) could change what a literal matches: no literal then.
      if (source[i + 1] === '?' && source[i + 2] !== ':' && !(source[i + 2] === '<' && /[A-Za-z_$]/.test(source[i + 3] ?? ''))) return [];
      if (depth === 0) end();
      depth++;
      continue;
    }
    if (ch === ')') {
      depth = Math.max(0, depth - 1);
      continue;
    }
    if (depth > 0) continue;
    if (ch === '|') return [];
    if (ch === '?' || ch === '*' || ch === '{') {
      // The character before may be absent (`{0,n}`; `{n}` with n ≥ 1 is treated the same, conservatively).
      // (A quantified astral character is one rune to RE2 but two code units here: drop the run.)
      run = /[\uD800-\uDFFF]$/.test(run) ? '' : run.slice(0, -1);
      end();
      if (ch === '{') {
        // A `{` that is not a quantifier is a literal in JavaScript; rather than tell, give up.
        const q = /^\{\d+(?:,\d*)?\}/.exec(source.slice(i, i + 24));
        if (!q) return [];
        i += q[0].length - 1;
      }
      continue;
    }
    if (ch === '+') {
      end();
      continue;
    }
    if (ch === '.' || ch === '^' || ch === '$') {
      end();
      continue;
    }
    if (run === '') runAt = i;
    run += ch;
  }
  end();
  return found;
}

/**
 * The most code points `source[from, to)` — a sequence of top-level items of a pattern — can match;
 * Infinity when a `*`, `+` or `{n,}` makes it unbounded, or when it holds what is not read here.
 */
export function maxWidth(source: string, from: number, to: number): number {
  let i = from;
  const seq = (inGroup: boolean): number => {
    let best = 0;
    let cur = 0;
    while (i < to) {
      const ch = source[i]!;
      if (ch === ')') {
        if (!inGroup) return Number.POSITIVE_INFINITY;
        i++;
        return Math.max(best, cur);
      }
      if (ch === '|') {
        best = Math.max(best, cur);
        cur = 0;
        i++;
        continue;
      }
      let w: number;
      if (ch === '(') {
        i++;
        if (source[i] === '?') {
          if (source[i + 1] === ':') i += 2;
          else if (source[i + 1] === '<' && /[A-Za-z_$]/.test(source[i + 2] ?? '')) {
            const close = source.indexOf('>', i);
            if (close < 0 || close >= to) return Number.POSITIVE_INFINITY;
            i = close + 1;
          } else return Number.POSITIVE_INFINITY;
        }
        w = seq(true);
      } else if (ch === '[') {
        let j = i + 1;
        for (; j < to && source[j] !== ']'; j++) if (source[j] === '\\') j++;
        if (j >= to) return Number.POSITIVE_INFINITY;
        i = j + 1;
        w = 1;
      } else if (ch === '\\') {
        const next = source[i + 1] ?? '';
        w = next === 'b' || next === 'B' ? 0 : 1;
        i = escapeEnd(source, i + 1, next) + 1;
      } else {
        w = ch === '^' || ch === '$' ? 0 : 1;
        i++;
      }
      const q = source[i];
      if (q === '*' || q === '+') {
        if (w !== 0) w = Number.POSITIVE_INFINITY;
        i++;
      } else if (q === '?') i++;
      else if (q === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 24));
        if (!m) return Number.POSITIVE_INFINITY;
        i += m[0].length;
        const most = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
        if (w !== 0) w *= most;
      }
      if (source[i] === '?' && (q === '*' || q === '+' || q === '?' || q === '{')) i++; // lazy
      cur += w;
    }
    return inGroup ? Number.POSITIVE_INFINITY : Math.max(best, cur);
  };
  return seq(false);
}

/** The index of the last character of the escape whose letter (`next`) is at `at`. */
function escapeEnd(source: string, at: number, next: string): number {
  const braced = source[at + 1] === '{' ? source.indexOf('}', at + 1) : -1;
  if ((next === 'u' || next === 'p' || next === 'P') && braced > 0) return braced;
  const take = (max: number, re: RegExp) => {
    let i = at;
    while (i - at < max && re.test(source[i + 1] ?? '')) i++;
    return i;
  };
  if (next === 'u') return take(4, /[0-9a-fA-F]/);
  if (next === 'x') return take(2, /[0-9a-fA-F]/);
  if (next === 'c') return take(1, /[A-Za-z]/);
  if (next >= '0' && next <= '9') return take(3, /[0-9]/);
  return at;
}

/**
 * Times the pattern on the first few KiB of a long value and refuses to run it on the whole value
 * when, at that rate, it would not finish within what is left of the decision's budget (cost is
 * linear in the length, so the estimate holds; a cold start only makes it pessimistic).
 */
function probe(re: RE2JS, text: string, source: string): void {
  const left = budgetLeftMs();
  if (left === Number.POSITIVE_INFINITY) return;
  const started = performance.now();
  re.test(text.slice(0, PROBE_CHARS));
  const estimate = ((performance.now() - started) * text.length) / PROBE_CHARS;
  if (estimate > left - (performance.now() - started)) {
    throw new DecisionBudgetExceeded(budgetOf() ?? 0, `regex /${clipped(source)}/ on a ${text.length}-character value`);
  }
}

function clipped(source: string): string {
  return source.length > 40 ? `${source.slice(0, 39)}…` : source;
}

/**
 * The first construct of a JavaScript pattern that RE2 cannot run, described for the person who
 * wrote it; `null` when there is none. Escapes and character classes are skipped over.
 */
function unsupportedConstruct(source: string): string | null {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass && next >= '1' && next <= '9')
        return `backreference \\${next} is not supported: regexes run in linear time (RE2 syntax), which cannot refer back to a group`;
      if (!inClass && next === 'k' && source[i + 2] === '<')
        return 'named backreference \\k<…> is not supported: regexes run in linear time (RE2 syntax), which cannot refer back to a group';
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      // A `]` right after `[` or `[^` is literal in RE2 (and `[]` / `[^]` are handled by the translation).
      if (source[i + 1] === '^') i++;
      continue;
    }
    if (ch === '(' && source[i + 1] === '?') {
      const kind = source.slice(i + 2, i + 4);
      if (kind.startsWith('=') || kind.startsWith('!'))
        return `lookahead (?${kind[0]}…) is not supported: regexes run in linear time (RE2 syntax), which has no lookaround; match the text itself, or add a second condition (with not:)`;
      if (kind === '<=' || kind === '<!')
        return `lookbehind (?${kind}…) is not supported: regexes run in linear time (RE2 syntax), which has no lookaround; match the text itself, or add a second condition (with not:)`;
    }
  }
  return null;
}

/** Rewrites `\s`, `\S` and `.` (in RE2 syntax already) so that they mean what they mean in JavaScript. */
function jsMeaning(pattern: string, dotAll: boolean): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '\\') {
      const next = pattern[i + 1] ?? '';
      i++;
      if (next === 's') out += inClass ? JS_SPACE_ITEMS : `[${JS_SPACE_ITEMS}]`;
      else if (next === 'S' && !inClass) out += `[^${JS_SPACE_ITEMS}]`;
      else out += `\\${next}`;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += ch;
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']') out += pattern[++i];
      continue;
    }
    out += ch === '.' && !dotAll ? JS_DOT : ch;
  }
  return out;
}
