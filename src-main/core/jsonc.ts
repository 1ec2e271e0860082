import { createScanner, parseTree, printParseErrorCode, type Node, type ParseError, type SyntaxKind } from 'jsonc-parser';

/**
 * JSONC — JSON with comments and trailing commas, as VS Code reads its `mcp.json` and
 * `settings.json` — read (with jsonc-parser, VS Code's own reader) into a tree that knows where each
 * value sits in the text, so a caller can replace one value's text and leave every other byte of
 * another program's file as it was (its comments, indentation, key order and numbers: a number
 * stays its source text, never rounded).
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
  /** Offset of the key's opening quote (where the member starts). */
  start: number;
  value: JsonNode;
}
export type JsonNode =
  | (Span & { kind: 'object'; members: JsonMember[] })
  | (Span & { kind: 'array'; items: JsonNode[] })
  | (Span & { kind: 'scalar'; value: string | boolean | null | JsonNumber });
export type JsonObjectNode = Extract<JsonNode, { kind: 'object' }>;

/** Deeper than this is refused: jsonc-parser recurses once per level, and so do valueOf and printJson. */
const MAX_DEPTH = 512;
const PARSE_OPTIONS = { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false };

/** Where offset `at` is, as "line L, column C" (1-based). */
function lineCol(text: string, at: number): string {
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return `line ${line}, column ${at - before.lastIndexOf('\n')}`;
}

// jsonc-parser's SyntaxKind is an ambient const enum, which isolatedModules code cannot read, so its
// numbers (checked against it by the compiler): `{` → `}`, `[` → `]`, and the end of the text.
const OPENS = new Map<SyntaxKind, SyntaxKind>([
  [1, 2],
  [3, 4],
]);
const EOF: SyntaxKind = 17;

/**
 * Refuses text nested deeper than MAX_DEPTH before jsonc-parser recurses into it (100,000 `[`
 * overflow its stack). A closer ends a level only when it matches the innermost opener, as in the
 * parser: counting every `]` or `}` would let `[},[},…` (which the parser reads ever deeper)
 * through.
 */
function checkDepth(text: string): void {
  const scanner = createScanner(text, true);
  const closers: SyntaxKind[] = [];
  for (let t = scanner.scan(); t !== EOF; t = scanner.scan()) {
    const close = OPENS.get(t);
    if (close !== undefined) {
      if (closers.push(close) > MAX_DEPTH)
        throw new JsoncError(`values nested deeper than ${MAX_DEPTH} at ${lineCol(text, scanner.getTokenOffset())}`);
    } else if (t === closers.at(-1)) closers.pop();
  }
}

function toNode(n: Node, text: string): JsonNode {
  const span: Span = { start: n.offset, end: n.offset + n.length };
  const children = n.children ?? [];
  switch (n.type) {
    case 'object':
      // A property node's children are its key and its value (both there when nothing was in error).
      return {
        ...span,
        kind: 'object',
        members: children.map((p) => ({
          key: p.children![0]!.value as string,
          start: p.offset,
          value: toNode(p.children![1]!, text),
        })),
      };
    case 'array':
      return { ...span, kind: 'array', items: children.map((c) => toNode(c, text)) };
    case 'number':
      return { ...span, kind: 'scalar', value: new JsonNumber(text.slice(span.start, span.end)) };
    default:
      return { ...span, kind: 'scalar', value: n.value as string | boolean | null };
  }
}

/** Parses JSONC (a leading BOM, comments and trailing commas allowed); a JsoncError names where it is wrong. */
export function parseJsonc(text: string): JsonNode {
  // jsonc-parser reads a BOM as a stray symbol; a space in its place keeps every offset.
  const body = text.startsWith('\uFEFF') ? ` ${text.slice(1)}` : text;
  checkDepth(body);
  const errors: ParseError[] = [];
  const root = parseTree(body, errors, PARSE_OPTIONS);
  const first = errors[0];
  if (first) throw new JsoncError(`${printParseErrorCode(first.error)} at ${lineCol(text, first.offset)}`);
  return toNode(root!, text);
}

/** The value of a node (duplicate keys: the last wins, as JSON.parse and the clients read them). */
export function valueOf(node: JsonNode): JsonValue {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'array') return node.items.map(valueOf);
  return Object.fromEntries(node.members.map((m) => [m.key, valueOf(m.value)]));
}

/** A plain value (as JSON.parse gives or a caller builds) as a JsonValue: its numbers become JsonNumbers. */
export function toJsonValue(v: unknown): JsonValue {
  if (typeof v === 'number') return new JsonNumber(JSON.stringify(v));
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || v instanceof JsonNumber) return v;
  if (Array.isArray(v)) return v.map(toJsonValue);
  return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, toJsonValue(x)]));
}

/** Whether two values are the same JSON, key order included; numbers compare as written. */
export function sameJson(a: JsonValue, b: JsonValue): boolean {
  if (a instanceof JsonNumber || b instanceof JsonNumber) return a instanceof JsonNumber && b instanceof JsonNumber && a.raw === b.raw;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) || Array.isArray(b))
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]!));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameJson(a[k]!, b[k]!));
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
