import { numberProblem } from '../../src-shared/exact-number.js';
import { closingQuote } from './json-shape.js';

/**
 * The strict reading of JSON text (SPEC 5 "Bodies": nothing a client sends is silently changed):
 * what JSON.parse accepts but would alter — a duplicate key (the last would win), a lone surrogate,
 * a number a double cannot hold as written — found on the raw text. Request bodies and the offline
 * audit verifier (an export line must be exactly the record its hash covers) both read JSON this way.
 */

const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export interface JsonProblem {
  path: string;
  message: string;
  /** A forbidden key (`__proto__`…): a request problem rather than a JSON one. */
  forbidden?: boolean;
}

/** One open object or array while scanning, for paths and duplicate keys. */
interface Open {
  array: boolean;
  /** Array: index of the current element. Object: its current key. */
  index: number;
  key: string;
  /** Keys seen (objects only; created at the second key). */
  keys: Set<string> | null;
  expectKey: boolean;
}

/** Number tokens shorter than this with no exponent cannot overflow, underflow or lose an integer digit. */
const SHORT_NUMBER = 16;

function pathOf(stack: readonly Open[]): string {
  let out = '';
  for (const o of stack) out += o.array ? `[${o.index}]` : out === '' ? o.key : `.${o.key}`;
  return out;
}

export interface StrictJsonOptions {
  /** What is wrong with a number token that could be out of range (long or with an exponent); default: SPEC 5's numberProblem. */
  numberProblem?: (token: string) => string | null;
  /** Field names refused anywhere (default: the prototype-polluting ones). */
  forbiddenKeys?: ReadonlySet<string>;
}

/**
 * Scans JSON text that JSON.parse has accepted for what it would silently change, in one pass
 * (strings are skipped with indexOf; only strings with escapes, and numbers that could be out of
 * range, are looked at closely). Returns the first problem, or null.
 */
export function strictJsonProblem(text: string, opts: StrictJsonOptions = {}): JsonProblem | null {
  const checkNumber = opts.numberProblem ?? numberProblem;
  const forbiddenKeys = opts.forbiddenKeys ?? FORBIDDEN_KEYS;
  const rawSurrogates = !text.isWellFormed();
  const stack: Open[] = [];
  /** The next backslash at or after the current string (a search that only moves forward). */
  let nextBackslash = -1;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const end = closingQuote(text, i); // the text is valid JSON: always found
      if (nextBackslash < i) {
        const found = text.indexOf('\\', i);
        nextBackslash = found < 0 ? n : found;
      }
      const hasEscape = nextBackslash < end;
      const top = stack[stack.length - 1];
      if (top && !top.array && top.expectKey) {
        const key = hasEscape ? (JSON.parse(text.slice(i, end + 1)) as string) : text.slice(i + 1, end);
        top.key = key;
        top.expectKey = false;
        if (forbiddenKeys.has(key)) return { path: pathOf(stack), message: `field name '${key}' is not allowed`, forbidden: true };
        if ((hasEscape || rawSurrogates) && !key.isWellFormed())
          return { path: pathOf(stack), message: 'field name has a lone surrogate (an unpaired \\uD800–\\uDFFF)' };
        if (top.keys === null) top.keys = new Set([key]);
        else if (top.keys.has(key)) return { path: pathOf(stack), message: `duplicate key '${key}' (JSON objects must not repeat a key)` };
        else top.keys.add(key);
      } else if (hasEscape || rawSurrogates) {
        // Only strings with escapes (or a body with raw surrogates at all) can hold a lone surrogate.
        const value = hasEscape ? (JSON.parse(text.slice(i, end + 1)) as string) : text.slice(i + 1, end);
        if (!value.isWellFormed())
          return { path: pathOf(stack), message: 'string has a lone surrogate (an unpaired \\uD800–\\uDFFF), which is not text' };
      }
      i = end + 1;
      continue;
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      const start = i;
      let exponent = false;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 101 || d === 69) exponent = true;
        else if (d !== 46 && !(d === 45 || d === 43 || (d >= 48 && d <= 57))) break;
        i++;
      }
      if (exponent || i - start >= SHORT_NUMBER) {
        const problem = checkNumber(text.slice(start, i));
        if (problem) return { path: pathOf(stack), message: problem };
      }
      continue;
    }
    switch (c) {
      case 123: // {
        stack.push({ array: false, index: 0, key: '', keys: null, expectKey: true });
        break;
      case 91: // [
        stack.push({ array: true, index: 0, key: '', keys: null, expectKey: false });
        break;
      case 125: // }
      case 93: // ]
        stack.pop();
        break;
      case 44: {
        // ,
        const top = stack[stack.length - 1];
        if (top?.array) top.index++;
        else if (top) top.expectKey = true;
        break;
      }
    }
    i++;
  }
  return null;
}
