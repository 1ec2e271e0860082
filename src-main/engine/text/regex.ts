import { RE2JS } from 're2js';
import { budgetLeftMs, budgetOf, chargeWork, checkBudget, DecisionBudgetExceeded } from '../budget.js';

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
  try {
    const translated = jsMeaning(RE2JS.translateRegExp(source), flags.includes('s'));
    let bits = 0;
    for (const f of flags) bits |= FLAG_BITS[f] ?? 0;
    re = RE2JS.compile(translated, bits);
  } catch (e) {
    const message = (e as Error).message.replace(/^error parsing regexp: /, '');
    return { error: `invalid regex: ${message} (regexes use RE2 syntax, which runs in linear time)` };
  }
  return {
    source,
    flags,
    test(text: string): boolean {
      chargeWork(text.length);
      if (text.length > PROBE_ABOVE) probe(re, text, source);
      const found = re.test(text);
      if (text.length > CHECK_ABOVE) checkBudget(`regex /${clipped(source)}/ on a ${text.length}-character value`);
      return found;
    },
  };
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
