/**
 * JSONC — JSON with comments and trailing commas, as VS Code reads its `mcp.json` and
 * `settings.json` — read into a tree that knows where each value sits in the text, so a caller can
 * replace one value's text and leave every other byte of another program's file as it was (its
 * comments, indentation, key order and numbers: a number stays its source text, never rounded).
 */
export class JsoncError extends Error {
  override readonly name = 'JsoncError';
}

/** A number as written in the source (`9007199254740993` stays exactly that). */
export class JsonNumber {
  constructor(readonly raw: string) {}
  toString(): string {
    return this.raw;
  }
}

export type JsonValue = string | boolean | null | JsonNumber | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

interface Span {
  /** Offset of the value's first character. */
  start: number;
  /** Offset just past its last character. */
  end: number;
}
export interface JsonMember {
  key: string;
  value: JsonNode;
}
export type JsonNode =
  | (Span & { kind: 'object'; members: JsonMember[] })
  | (Span & { kind: 'array'; items: JsonNode[] })
  | (Span & { kind: 'scalar'; value: string | boolean | null | JsonNumber });
export type JsonObjectNode = Extract<JsonNode, { kind: 'object' }>;

// A JSON string: no raw control characters, only JSON's escapes.
// eslint-disable-next-line no-control-regex
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const MAX_DEPTH = 512;

/** Where offset `at` is, as "line L, column C" (1-based). */
export function lineCol(text: string, at: number): string {
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return `line ${line}, column ${at - before.lastIndexOf('\n')}`;
}

class Parser {
  i: number;
  constructor(private readonly text: string) {
    this.i = text.startsWith('\uFEFF') ? 1 : 0;
  }

  fail(what: string): never {
    throw new JsoncError(`${what} at ${lineCol(this.text, this.i)}`);
  }

  /** Skips whitespace and comments. */
  ws(): void {
    const t = this.text;
    for (;;) {
      const c = t[this.i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.i++;
      else if (c === '/' && t[this.i + 1] === '/') {
        const nl = t.indexOf('\n', this.i);
        this.i = nl < 0 ? t.length : nl;
      } else if (c === '/' && t[this.i + 1] === '*') {
        const close = t.indexOf('*/', this.i + 2);
        if (close < 0) this.fail('a comment that never ends');
        this.i = close + 2;
      } else return;
    }
  }

  token(re: RegExp): string | null {
    re.lastIndex = this.i;
    const m = re.exec(this.text);
    if (!m) return null;
    this.i += m[0].length;
    return m[0];
  }

  string(): string {
    const s = this.token(STRING);
    if (s === null) this.fail('an invalid string');
    return JSON.parse(s) as string;
  }

  value(depth: number): JsonNode {
    if (depth > MAX_DEPTH) this.fail('values nested too deep');
    const start = this.i;
    const c = this.text[this.i];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') {
      const value = this.string();
      return { kind: 'scalar', start, end: this.i, value };
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      const n = this.token(NUMBER);
      if (n === null) this.fail('an invalid number');
      return { kind: 'scalar', start, end: this.i, value: new JsonNumber(n) };
    }
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return { kind: 'scalar', start, end: this.i, value };
      }
    }
    this.fail(c === undefined ? 'the text ends where a value was expected' : `unexpected ${JSON.stringify(c)}`);
  }

  object(depth: number): JsonNode {
    const start = this.i++;
    const members: JsonMember[] = [];
    for (;;) {
      this.ws();
      if (this.text[this.i] === '}') break;
      if (this.text[this.i] !== '"') this.fail('expected a property name in quotes');
      const key = this.string();
      this.ws();
      if (this.text[this.i] !== ':') this.fail(`expected ":" after ${JSON.stringify(key)}`);
      this.i++;
      this.ws();
      members.push({ key, value: this.value(depth + 1) });
      this.ws();
      if (this.text[this.i] === ',') this.i++;
      else if (this.text[this.i] !== '}') this.fail('expected "," or "}"');
    }
    this.i++;
    return { kind: 'object', start, end: this.i, members };
  }

  array(depth: number): JsonNode {
    const start = this.i++;
    const items: JsonNode[] = [];
    for (;;) {
      this.ws();
      if (this.text[this.i] === ']') break;
      items.push(this.value(depth + 1));
      this.ws();
      if (this.text[this.i] === ',') this.i++;
      else if (this.text[this.i] !== ']') this.fail('expected "," or "]"');
    }
    this.i++;
    return { kind: 'array', start, end: this.i, items };
  }
}

/** Parses JSONC (a leading BOM, comments and trailing commas allowed); a JsoncError names where it is wrong. */
export function parseJsonc(text: string): JsonNode {
  const p = new Parser(text);
  p.ws();
  const root = p.value(0);
  p.ws();
  if (p.i < text.length) p.fail('unexpected text after the end');
  return root;
}

/** The value of a node (duplicate keys: the last wins, as JSON.parse and the clients read them). */
export function valueOf(node: JsonNode): JsonValue {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'array') return node.items.map(valueOf);
  return Object.fromEntries(node.members.map((m) => [m.key, valueOf(m.value)]));
}

export const isJsonObject = (v: JsonValue | undefined): v is JsonObject =>
  !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonNumber);

/** The object values of every member `key` of an object node. */
export function objectsAt(node: JsonObjectNode, key: string): JsonObjectNode[] {
  return node.members.flatMap((m) => (m.key === key && m.value.kind === 'object' ? [m.value] : []));
}

/** How a file is laid out, so what is written into it looks like the rest of it. */
export interface JsonStyle {
  indent: string;
  eol: string;
  /** All on one line (a minified file). */
  compact: boolean;
}

/** The indentation unit and line ending of `text` (two spaces and \n when it has none). */
export function styleOf(text: string): Omit<JsonStyle, 'compact'> {
  const m = /\n([ \t]+)\S/.exec(text);
  return { indent: m ? m[1]! : '  ', eol: text.includes('\r\n') ? '\r\n' : '\n' };
}

/** The whitespace that starts the line `at` is on. */
export function indentAt(text: string, at: number): string {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, at))![0];
}

/** Prints a value in `style`, its nested lines indented from `base` (the indentation of its own line). */
export function printJson(v: JsonValue, style: JsonStyle, base = ''): string {
  if (v === null || typeof v === 'boolean' || v instanceof JsonNumber) return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  const inner = base + style.indent;
  const parts = Array.isArray(v)
    ? v.map((x) => printJson(x, style, inner))
    : Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${style.compact ? '' : ' '}${printJson(x, style, inner)}`);
  const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
  if (!parts.length) return open + close;
  if (style.compact) return open + parts.join(',') + close;
  return `${open}${style.eol}${inner}${parts.join(`,${style.eol}${inner}`)}${style.eol}${base}${close}`;
}

export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** Applies non-overlapping replacements; every byte outside them is kept. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start);
  let out = text;
  let limit = text.length;
  for (const e of sorted) {
    if (e.end > limit) throw new Error('overlapping edits');
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
    limit = e.start;
  }
  return out;
}
