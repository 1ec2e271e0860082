/**
 * JSONC — JSON with comments and trailing commas, as VS Code reads its `mcp.json` and
 * `settings.json` — read into a tree that knows where each value sits in the text, so a caller can
 * replace one value's text and leave every other byte of another program's file as it was (its
 * comments, indentation, key order and numbers: a number stays its source text, never rounded).
 */
import {
  applyEdits as applyLibraryEdits,
  createScanner,
  parseTree,
  printParseErrorCode,
  type Node,
  type ParseError,
  type ParseOptions,
  type SyntaxKind,
} from 'jsonc-parser';

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

const OPTIONS: ParseOptions = { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false };
const MAX_DEPTH = 512;

/** Where offset `at` is, as "line L, column C" (1-based). */
export function lineCol(text: string, at: number): string {
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return `line ${line}, column ${at - before.lastIndexOf('\n')}`;
}

// jsonc-parser's SyntaxKind is a const enum, which isolated modules cannot read as values: its
// members' numbers, each checked against the member it stands for.
const OPEN_BRACE: SyntaxKind.OpenBraceToken = 1;
const CLOSE_BRACE: SyntaxKind.CloseBraceToken = 2;
const OPEN_BRACKET: SyntaxKind.OpenBracketToken = 3;
const CLOSE_BRACKET: SyntaxKind.CloseBracketToken = 4;
const EOF: SyntaxKind.EOF = 17;

/** How deep arrays and objects nest, by the library's own (iterative) scanner: a tree is built only when shallow. */
function depthOf(text: string): number {
  const scanner = createScanner(text, true);
  let depth = 0;
  let max = 0;
  for (let k = scanner.scan(); k !== EOF; k = scanner.scan()) {
    if (k === OPEN_BRACE || k === OPEN_BRACKET) max = Math.max(max, ++depth);
    else if (k === CLOSE_BRACE || k === CLOSE_BRACKET) depth--;
  }
  return max;
}

/** `PropertyNameExpected` → "property name expected". */
const inWords = (code: string): string => code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

function toNode(n: Node, text: string): JsonNode {
  const span = { start: n.offset, end: n.offset + n.length };
  switch (n.type) {
    case 'object':
      return {
        kind: 'object',
        ...span,
        members: (n.children ?? []).map((p) => ({ key: String(p.children![0]!.value), value: toNode(p.children![1]!, text) })),
      };
    case 'array':
      return { kind: 'array', ...span, items: (n.children ?? []).map((c) => toNode(c, text)) };
    case 'number':
      return { kind: 'scalar', ...span, value: new JsonNumber(text.slice(span.start, span.end)) };
    default:
      return { kind: 'scalar', ...span, value: n.value as string | boolean | null };
  }
}

/**
 * Parses JSONC (a leading BOM, comments and trailing commas allowed) with jsonc-parser, the reader
 * VS Code uses for these very files; a JsoncError names where it is wrong.
 */
export function parseJsonc(text: string): JsonNode {
  // The BOM is read as a space, so every offset stays that of the file.
  const body = text.startsWith('\uFEFF') ? ` ${text.slice(1)}` : text;
  if (depthOf(body) > MAX_DEPTH) throw new JsoncError(`values nested more than ${MAX_DEPTH} deep`);
  const errors: ParseError[] = [];
  const root = parseTree(body, errors, OPTIONS);
  const e = errors[0];
  if (e) throw new JsoncError(`${inWords(printParseErrorCode(e.error))} at ${lineCol(text, e.offset)}`);
  if (!root) throw new JsoncError(`no value at ${lineCol(text, text.length)}`);
  return toNode(root, body);
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

/** Applies non-overlapping replacements (the library throws on overlap); every byte outside them is kept. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  return applyLibraryEdits(
    text,
    edits.map((e) => ({ offset: e.start, length: e.end - e.start, content: e.text })),
  );
}
