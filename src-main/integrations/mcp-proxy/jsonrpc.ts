/**
 * JSON-RPC framing for the raw relay (SPEC 9.2): a message travels as its exact text, and the proxy
 * looks at a parsed copy. Nothing here ever re-serialises a message it was given.
 */

export type JsonRpcId = string | number;
export type Msg = Record<string, unknown>;

/** One message: its exact text as it arrived, and a parsed copy to look at (never to forward). */
export interface Frame {
  raw: string;
  msg: Msg;
}

export type Kind = 'request' | 'notification' | 'response' | 'invalid';

export function kindOf(m: Msg): Kind {
  if (typeof m.method === 'string') return m.id === undefined || m.id === null ? 'notification' : 'request';
  if (m.id !== undefined && ('result' in m || 'error' in m)) return 'response';
  return 'invalid';
}

/** A map key for a JSON-RPC id (the number 1 and the string "1" are different ids). */
export const idKey = (id: unknown): string => `${typeof id}:${String(id)}`;

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** The index just past the JSON string that starts at `i` (a quote). */
function skipString(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j + 1;
  }
  return s.length;
}

/** The index just past the JSON value that starts at `i` (after whitespace). */
function skipValue(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 0x22) return skipString(s, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const d = s.charCodeAt(j);
      if (d === 0x22) j = skipString(s, j) - 1;
      else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return s.length;
  }
  let j = i;
  while (j < s.length && !WS.has(s.charCodeAt(j)) && s[j] !== ',' && s[j] !== '}' && s[j] !== ']') j++;
  return j;
}

const skipWs = (s: string, i: number): number => {
  while (i < s.length && WS.has(s.charCodeAt(i))) i++;
  return i;
};

/** The exact texts of the elements of a JSON array text (a JSON-RPC batch), without parsing them. */
export function arrayElements(text: string): string[] {
  const out: string[] = [];
  let i = skipWs(text, 0);
  if (text[i] !== '[') return out;
  i = skipWs(text, i + 1);
  if (text[i] === ']') return out;
  while (i < text.length) {
    const end = skipValue(text, i);
    out.push(text.slice(i, end));
    i = skipWs(text, end);
    if (text[i] !== ',') break;
    i = skipWs(text, i + 1);
  }
  return out;
}

/**
 * The exact text of the value of `key` in a JSON object text (top level only), or undefined.
 * Used where the proxy must echo a value the parser could not carry exactly (an id or a progress
 * token that is an integer beyond 2^53).
 */
export function memberText(objectText: string, key: string): string | undefined {
  let i = skipWs(objectText, 0);
  if (objectText[i] !== '{') return undefined;
  i = skipWs(objectText, i + 1);
  while (i < objectText.length && objectText[i] === '"') {
    const keyEnd = skipString(objectText, i);
    let k: string;
    try {
      k = JSON.parse(objectText.slice(i, keyEnd)) as string;
    } catch {
      return undefined;
    }
    i = skipWs(objectText, keyEnd);
    if (objectText[i] !== ':') return undefined;
    i = skipWs(objectText, i + 1);
    const end = skipValue(objectText, i);
    if (k === key) return objectText.slice(i, end);
    i = skipWs(objectText, end);
    if (objectText[i] !== ',') return undefined;
    i = skipWs(objectText, i + 1);
  }
  return undefined;
}

/**
 * The first key that appears twice in one object anywhere in a (valid) JSON text (or, with
 * `maxDepth` 0, in its top-level object only), or null. Parsers disagree on which of two duplicates
 * wins, so a governed request carrying one could be decided on one value and run with the other:
 * the proxy refuses those.
 */
export function duplicateKey(text: string, maxDepth = Infinity): string | null {
  let dup: string | null = null;
  const value = (i: number, depth = 0): number => {
    i = skipWs(text, i);
    const c = text[i];
    if (depth > maxDepth) return skipValue(text, i);
    if (c === '{') {
      const keys = new Set<string>();
      i = skipWs(text, i + 1);
      while (dup === null && text[i] === '"') {
        const end = skipString(text, i);
        const k = JSON.parse(text.slice(i, end)) as string;
        if (keys.has(k)) dup = k;
        keys.add(k);
        i = skipWs(text, end);
        i = value(i + 1, depth + 1); // after ':'
        i = skipWs(text, i);
        if (text[i] === ',') i = skipWs(text, i + 1);
      }
      return i + 1; // past '}'
    }
    if (c === '[') {
      i = skipWs(text, i + 1);
      while (dup === null && i < text.length && text[i] !== ']') {
        i = skipWs(text, value(i, depth + 1));
        if (text[i] === ',') i = skipWs(text, i + 1);
      }
      return i + 1;
    }
    return skipValue(text, i);
  };
  value(0);
  return dup;
}

/**
 * Parses JSON text keeping every number exact: an integer literal beyond ±(2^53 − 1), or a number
 * too large for a double, becomes its literal text (a string) instead of a rounded number or
 * Infinity. For what the proxy *evaluates* (a call's arguments sent to Gatehouse, whose strict body
 * reader refuses rounded numbers); what it forwards is always the original text.
 */
export function parseKeepingNumbers(text: string): unknown {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = skipString(text, i) - 1;
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const end = skipValue(text, i);
      const literal = text.slice(i, end);
      const n = Number(literal);
      const lossy = !Number.isFinite(n) || (/^-?\d+$/.test(literal) && !Number.isSafeInteger(n));
      if (lossy) {
        out += `${text.slice(from, i)}"${literal}"`;
        from = end;
      }
      i = end - 1;
    }
  }
  return JSON.parse(from === 0 ? text : out + text.slice(from)) as unknown;
}

/** A message parsed with its numbers exact (see parseKeepingNumbers), to report, never to echo. */
export function exactMessage(f: Frame): Msg {
  try {
    const v = parseKeepingNumbers(f.raw);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Msg) : f.msg;
  } catch {
    return f.msg;
  }
}

/** A request's `params` parsed with its numbers exact; `{}` when absent. */
export function exactParams(f: Frame): Record<string, unknown> {
  const params = exactMessage(f).params;
  return params && typeof params === 'object' && !Array.isArray(params) ? (params as Record<string, unknown>) : {};
}

/** JSON text for a value the proxy echoes from a message: exact when the parser lost precision. */
export function echoText(value: unknown, rawPath: () => string | undefined): string {
  if (typeof value === 'number' && !Number.isSafeInteger(value) && Number.isInteger(value)) {
    const raw = rawPath();
    if (raw !== undefined && /^-?\d+$/.test(raw)) return raw;
  }
  return JSON.stringify(value);
}

/** The exact text of a message's `id` (for answers the proxy writes itself). */
export function idText(f: Frame): string {
  return echoText(f.msg.id, () => memberText(f.raw, 'id'));
}

/** A line read as JSON-RPC (readLine). */
export interface ReadLine {
  /** One message, or the elements of a batch that are objects, each with its own exact text. */
  frames: Frame[];
  /** A JSON array (a batch, 2025-03-26), even of one element or none. */
  batch: boolean;
  /** How many elements of the batch are not objects (`1`, `"x"`, `null`, `[]`): JSON-RPC 2.0 answers each with an Invalid Request error. */
  invalid: number;
}

const isObject = (v: unknown): v is Msg => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Reads one line: one message, or the elements of a batch (2025-03-26), each with its own exact
 * text; a batch element that is not an object is counted, not returned. Lines that are not
 * JSON-RPC come back as `null` (the caller logs and drops them).
 */
export function readLine(line: string): ReadLine | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (Array.isArray(v)) {
    const texts = arrayElements(line);
    if (texts.length !== v.length) return null;
    const frames: Frame[] = [];
    let invalid = 0;
    for (let i = 0; i < v.length; i++) {
      const m = v[i] as unknown;
      if (isObject(m)) frames.push({ raw: texts[i]!, msg: m });
      else invalid++;
    }
    return { frames, batch: true, invalid };
  }
  if (!isObject(v)) return null;
  return { frames: [{ raw: line, msg: v }], batch: false, invalid: 0 };
}

/** One line as messages (readLine), or `null` when it is not JSON-RPC or a batch holds an element that is not an object. */
export function parseLine(line: string): Frame[] | null {
  const r = readLine(line);
  return r && r.invalid === 0 ? r.frames : null;
}

/**
 * What a line that is not valid UTF-8 becomes: JSON text must be UTF-8, and decoding it anyway would
 * replace bytes, so it is handed on as this (which no JSON parser accepts) and dropped like any
 * other unreadable line — never forwarded altered.
 */
export const INVALID_UTF8_LINE = '\u0000(a line that is not valid UTF-8)';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const decode = (b: Uint8Array): string => {
  try {
    return utf8.decode(b);
  } catch {
    return INVALID_UTF8_LINE;
  }
};

/**
 * Splits a byte stream into lines (newline-delimited JSON-RPC, the MCP stdio framing) without
 * decoding across chunk boundaries: a line is decoded once it is whole, so multi-byte characters
 * split between chunks arrive intact. A trailing `\r` stays part of the line (forwarded as is).
 */
export class LineSplitter {
  private parts: Buffer[] = [];

  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      if (this.parts.length) {
        this.parts.push(piece);
        lines.push(decode(Buffer.concat(this.parts)));
        this.parts = [];
      } else {
        lines.push(decode(piece));
      }
      start = nl + 1;
    }
    if (start < chunk.length) this.parts.push(chunk.subarray(start));
    return lines;
  }

  /** What is left without a final newline (a peer that ends its stream mid-line). */
  rest(): string | null {
    if (!this.parts.length) return null;
    const s = decode(Buffer.concat(this.parts));
    this.parts = [];
    return s;
  }
}

/** A line that carries nothing (blank or whitespace only). */
export const isBlank = (line: string): boolean => line.trim() === '';
