import { RE2JS } from 're2js';

/**
 * Matching of end-anchored patterns from the end of the text, as RE2 itself does (its "reverse
 * prog"): a pattern whose every match must end where the text ends (`(a+)+$`, `\.pem$`) is
 * reversed and run, anchored, backwards from the last character. The automaton stops as soon as a
 * match is certain or no match can continue, so `(a+)+$` on a mebibyte of `a…a!` reads one
 * character instead of the whole value. re2js has the lazy DFA but no reverse program, so the
 * pattern is reversed here (in RE2 syntax) and compiled by re2js like any other; the backwards run
 * drives re2js's DFA states directly.
 *
 * Every part of this is checked against the forward matcher by a property test
 * (`test/engine/reverse-match.test.ts`); where anything is not as expected (a construct not
 * reversed here, an re2js whose DFA looks different, a DFA out of memory) the caller matches
 * forwards as before.
 */
export interface ReverseMatcher {
  /** Whether the pattern matches `text`; `null` when the backwards run gave up (match forwards). */
  test(text: string): boolean | null;
}

/** Parsed RE2 syntax: a branch is a sequence of quantified items, a node a list of branches. */
type Node = Item[][];
interface Item {
  /** Text of the atom as written (for groups: the opening, e.g. `(?:`). */
  atom: string;
  /** Group contents, for groups. */
  group?: Node;
  /** Quantifier as written (`*`, `{2,5}?`…), or ''. */
  quant: string;
}

class NotReversible extends Error {}

/**
 * The reverse matcher of an RE2-syntax pattern compiled with `flagBits`, or null when the pattern
 * is not end-anchored (then the forward search is already the right one), uses a construct not
 * reversed here, or re2js is not the version this was written against.
 */
export function reverseMatcherFor(re2Pattern: string, flagBits: number): ReverseMatcher | null {
  if (!backwardsRunWorks()) return null;
  return build(re2Pattern, flagBits);
}

function build(re2Pattern: string, flagBits: number): ReverseMatcher | null {
  const multiline = (flagBits & RE2JS.MULTILINE) !== 0;
  let reversed: RE2JS;
  try {
    const tree = parse(re2Pattern);
    if (!endAnchored(tree, multiline)) return null;
    reversed = RE2JS.compile(print(tree, true), flagBits);
  } catch {
    // Not reversed here (NotReversible), or deeper than this walk goes: the forward search stays.
    return null;
  }
  const dfa = dfaOf(reversed);
  if (!dfa) return null;
  return { test: (text) => runBackwards(dfa, text) };
}

let works: boolean | undefined;
/**
 * Once per process: the backwards run answers known cases right (a different re2js than the one
 * this was written against could have DFA states of the same shape and another meaning).
 */
function backwardsRunWorks(): boolean {
  if (works === undefined) {
    const cases: [string, number, string, boolean][] = [
      ['(a+)+$', 0, 'xaa', true],
      ['(a+)+$', 0, 'aax', false],
      ['^b\\w*c\\z', 0, 'bé😀c', false],
      ['^b\\pL*c\\z', 0, 'béc', true],
      ['\\bend$', 0, 'the end', true],
      ['\\bend$', 0, 'theend', false],
      ['x.$', 0, 'x\n', false],
      ['x.$', RE2JS.DOTALL, 'x\n', true],
    ];
    works = cases.every(([pattern, bits, text, expected]) => build(pattern, bits)?.test(text) === expected);
  }
  return works;
}

/** The reversal of an RE2-syntax pattern (exported for tests); throws when it cannot be reversed. */
export function reversePattern(re2Pattern: string): string {
  return print(parse(re2Pattern), true);
}

// ---------------------------------------------------------------------------------------------
// Parsing (only as much of RE2's syntax as reversing needs: atoms stay as written)

function parse(src: string): Node {
  let i = 0;
  const node = (inGroup: boolean): Node => {
    const branches: Item[][] = [[]];
    while (i < src.length) {
      const ch = src[i]!;
      if (ch === ')') {
        if (!inGroup) throw new NotReversible();
        i++;
        return branches;
      }
      if (ch === '|') {
        branches.push([]);
        i++;
        continue;
      }
      const item = atom();
      if (item.group !== undefined) item.group = node(true);
      item.quant = quantifier();
      branches[branches.length - 1]!.push(item);
    }
    if (inGroup) throw new NotReversible();
    return branches;
  };
  const atom = (): Item => {
    const ch = src[i]!;
    if (ch === '(') {
      if (src[i + 1] !== '?') {
        i++;
        return { atom: '(', group: [], quant: '' };
      }
      // `(?:` and named groups keep their meaning reversed; inline flags (`(?i)`, `(?m:…)`) would
      // need their scope moved with them: not reversed.
      const named = /^\(\?P?<[A-Za-z0-9_]+>/.exec(src.slice(i, i + 260));
      const open = src.startsWith('(?:', i) ? '(?:' : named ? named[0] : null;
      if (!open) throw new NotReversible();
      i += open.length;
      return { atom: open, group: [], quant: '' };
    }
    if (ch === '[') return { atom: charClass(), quant: '' };
    if (ch === '\\') return { atom: escape(), quant: '' };
    if (ch === '*' || ch === '+' || ch === '?') throw new NotReversible(); // a quantifier with nothing before it
    const cp = src.codePointAt(i)!;
    const text = String.fromCodePoint(cp);
    i += text.length;
    return { atom: text, quant: '' };
  };
  const escape = (): string => {
    const from = i;
    const next = src[i + 1];
    if (next === undefined) throw new NotReversible();
    i += 2;
    if (next === 'Q' || next === 'C') throw new NotReversible(); // literal text runs, single bytes
    if ((next === 'x' || next === 'p' || next === 'P') && src[i] === '{') {
      const close = src.indexOf('}', i);
      if (close < 0) throw new NotReversible();
      i = close + 1;
    } else if (next === 'x') i += 2;
    else if (next === 'p' || next === 'P') i += 1;
    else if (next >= '0' && next <= '7') {
      for (let k = 0; k < 2 && src[i]! >= '0' && src[i]! <= '7'; k++) i++;
    } else if (next >= '8' && next <= '9') throw new NotReversible();
    else if (/[\uD800-\uDBFF]/.test(next)) i++; // an escaped astral character
    return src.slice(from, i);
  };
  const charClass = (): string => {
    const from = i;
    i++;
    if (src[i] === '^') i++;
    if (src[i] === ']') i++; // a `]` first in a class is itself
    while (i < src.length && src[i] !== ']') {
      if (src[i] === '\\') {
        i = escapeEndIn(i);
        continue;
      }
      if (src[i] === '[' && src[i + 1] === ':') {
        const close = src.indexOf(':]', i + 2);
        if (close < 0) throw new NotReversible();
        i = close + 2;
        continue;
      }
      i++;
    }
    if (i >= src.length) throw new NotReversible();
    i++;
    return src.slice(from, i);
  };
  const escapeEndIn = (at: number): number => {
    const save = i;
    i = at;
    escape();
    const end = i;
    i = save;
    return end;
  };
  const quantifier = (): string => {
    const from = i;
    const ch = src[i];
    if (ch === '*' || ch === '+' || ch === '?') i++;
    else if (ch === '{') {
      const m = /^\{\d+(?:,\d*)?\}/.exec(src.slice(i, i + 24));
      if (!m) return ''; // a `{` that is not a repetition is a literal: the next atom
      i += m[0].length;
    } else return '';
    if (src[i] === '?') i++; // non-greedy: the same language
    if (src[i] === '*' || src[i] === '+' || src[i] === '?' || (src[i] === '{' && /^\{\d+(?:,\d*)?\}/.test(src.slice(i, i + 24))))
      throw new NotReversible(); // RE2 refuses stacked repetitions; do not guess
    return src.slice(from, i);
  };
  const tree = node(false);
  if (i !== src.length) throw new NotReversible();
  return tree;
}

/**
 * Anchors trade places when the text is read backwards; a literal brace is escaped, so that a run
 * like `}2{` cannot turn into a repetition (`{2}`) once reversed.
 */
const MIRROR: Record<string, string> = { '^': '$', $: '^', '\\A': '\\z', '\\z': '\\A', '{': '\\{', '}': '\\}' };

function print(node: Node, reverse: boolean): string {
  return node
    .map((branch) => {
      const items = reverse ? [...branch].reverse() : branch;
      return items
        .map((it) => {
          const atom = it.group ? `${it.atom}${print(it.group, reverse)})` : reverse ? (MIRROR[it.atom] ?? it.atom) : it.atom;
          return atom + it.quant;
        })
        .join('');
    })
    .join('|');
}

/** Whether every match of the pattern ends where the text ends. */
function endAnchored(node: Node, multiline: boolean): boolean {
  return node.every((branch) => {
    const last = branch[branch.length - 1];
    if (!last || last.quant !== '') return false;
    if (last.group) return endAnchored(last.group, multiline);
    return last.atom === '\\z' || (last.atom === '$' && !multiline);
  });
}

// ---------------------------------------------------------------------------------------------
// The backwards run over re2js's DFA (re2js 2.10: `RE2JS#re2Input.dfa`, `DFA#start/step`)

interface DfaState {
  readonly isMatch: boolean;
  readonly nfaStates: readonly number[];
  readonly nextAnchored: (DfaState | null)[] | null;
}
interface Dfa {
  readonly failed: boolean;
  readonly numClasses: number;
  readonly latin1Class: Int32Array;
  runeClass(rune: number): number;
  start(input: { context(pos: number): number; step(pos: number): number }, pos: number): DfaState | null;
  step(state: DfaState, cls: number, rune: number, anchor: number): DfaState | null;
}

const ANCHOR_START = 1;
const END_TEXT = -1;
/** re2js's empty-width context at the start of a text: EMPTY_BEGIN_LINE | EMPTY_BEGIN_TEXT. */
const BEGIN_TEXT_CONTEXT = 1 | 4;
const START_INPUT = { context: () => BEGIN_TEXT_CONTEXT, step: () => -8 };

function dfaOf(re: RE2JS): Dfa | null {
  const inner = (re as unknown as { re2Input?: { dfa?: unknown; prog?: { numLb?: number } } }).re2Input;
  if (!inner || inner.prog?.numLb !== 0) return null;
  const dfa = inner.dfa as Partial<Dfa> | undefined;
  if (
    !dfa ||
    dfa.failed !== false ||
    typeof dfa.start !== 'function' ||
    typeof dfa.step !== 'function' ||
    typeof dfa.runeClass !== 'function' ||
    typeof dfa.numClasses !== 'number' ||
    !(dfa.latin1Class instanceof Int32Array) ||
    dfa.latin1Class.length !== 256
  )
    return null;
  return dfa as Dfa;
}

function runBackwards(dfa: Dfa, text: string): boolean | null {
  const first = dfa.start(START_INPUT, 0);
  if (first === null || !Array.isArray(first.nfaStates)) return null;
  let state: DfaState = first;
  const latin1 = dfa.latin1Class;
  for (let i = text.length - 1; i >= 0; i--) {
    let rune = text.charCodeAt(i);
    if (rune >= 0xdc00 && rune <= 0xdfff && i > 0) {
      const high = text.charCodeAt(i - 1);
      if (high >= 0xd800 && high <= 0xdbff) {
        rune = (high - 0xd800) * 1024 + (rune - 0xdc00) + 0x10000;
        i--;
      }
    }
    const cls = rune <= 0xff ? latin1[rune]! : dfa.runeClass(rune);
    const table: (DfaState | null)[] | null = state.nextAnchored;
    let next: DfaState | null | undefined = table === null ? null : table[cls];
    if (next === null || next === undefined) {
      next = dfa.step(state, cls, rune, ANCHOR_START);
      if (next === null) return null; // the DFA's memory budget: let the forward matcher decide
    }
    state = next;
    if (state.isMatch) return true;
    if (state.nfaStates.length === 0) return false;
  }
  const last = dfa.step(state, dfa.numClasses, END_TEXT, ANCHOR_START);
  return last === null ? null : last.isMatch;
}
