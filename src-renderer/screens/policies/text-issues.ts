import { isMap, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { unresolvedAliases, unresolvedAliasMessage } from '../../../src-shared/yaml-aliases.js';

/** A problem in the policy text: a 1-based line (and optional column), and what is wrong. */
export interface LineIssue {
  line: number;
  column?: number;
  message: string;
}
import type { FieldIssues } from './model.js';

/** The 1-based line of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < Math.min(offset, text.length); i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Parses the policy text. Returns the object, or the parse errors with their lines. JSON is parsed
 * strictly (JSON.parse); where its message gives no position, the YAML parser (a JSON superset)
 * locates the problem.
 */
export function parsePolicyText(text: string, format: 'yaml' | 'json'): { value: unknown; issues: LineIssue[] } {
  if (format === 'json') {
    try {
      return { value: JSON.parse(text) as unknown, issues: [] };
    } catch (e) {
      const at = jsonErrorOffset(text);
      return { value: undefined, issues: [{ line: lineAt(text, at), message: `Does not parse: ${(e as Error).message}` }] };
    }
  }
  const errors = yamlErrors(text);
  if (errors.length) return { value: undefined, issues: errors };
  const doc = parseDocument(text);
  const aliases = unresolvedAliases(doc);
  if (aliases.length)
    return {
      value: undefined,
      issues: aliases.map((a) => ({ line: lineAt(text, a.range?.[0] ?? 0), message: `Does not parse: ${unresolvedAliasMessage(a)}` })),
    };
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }) as unknown, issues: [] };
  } catch (e) {
    // Whatever else YAML cannot turn into a value: never keep showing the last draft that could.
    return { value: undefined, issues: [{ line: 1, message: `Does not parse: ${(e as Error).message}` }] };
  }
}

/**
 * Where JSON text first goes wrong (engines word JSON.parse's errors differently, and not all give
 * a position): a small recursive-descent scan of RFC 8259's grammar.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => (text.startsWith(word, i) ? (i += word.length) : fail());
  const string = () => {
    if (text[i] !== '"') fail();
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      i += text[i] === '\\' ? 2 : 1;
    }
    if (i >= text.length) fail();
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || !m[0]) fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (c === '"') return string();
    if (c === 't') return void literal('true');
    if (c === 'f') return void literal('false');
    if (c === 'n') return void literal('null');
    number();
  };
  try {
    value();
    ws();
    return i < text.length ? i : text.length;
  } catch (at) {
    return typeof at === 'number' ? at : 0;
  }
}

function yamlErrors(text: string): LineIssue[] {
  const doc = parseDocument(text, { prettyErrors: true });
  return doc.errors.map((err) => ({
    line: err.linePos?.[0]?.line ?? 1,
    column: err.linePos?.[0]?.col,
    message: `Does not parse: ${err.message.split('\n')[0]}`,
  }));
}

/** The line of the node at a dotted path (`when.any.0.resource`) in YAML or JSON text, if it is there. */
export function lineOfPath(text: string, path: string): number | null {
  const doc = parseDocument(text);
  let node: unknown = doc.contents;
  let line: number | null = node && (node as YamlNode).range ? lineAt(text, (node as YamlNode).range![0]) : null;
  if (!path || path === '(policy)') return line ?? 1;
  const parts = path.split('.');
  for (let i = 0; i < parts.length;) {
    if (isMap(node)) {
      // A condition key can itself hold dots (`parameters.path`): the longest key that matches wins.
      const items = node.items;
      const pairOf = (n: number) =>
        items.find((p) => String((p.key as { value?: unknown } | null)?.value ?? p.key) === parts.slice(i, i + n).join('.'));
      let n = parts.length - i;
      while (n > 0 && !pairOf(n)) n--;
      const pair = n > 0 ? pairOf(n) : undefined;
      if (!pair) return line;
      i += n;
      const key = pair.key as YamlNode | null;
      if (key?.range) line = lineAt(text, key.range[0]);
      node = pair.value;
    } else if (isSeq(node) && /^\d+$/.test(parts[i]!)) {
      const item = node.items[Number(parts[i])] as YamlNode | undefined;
      if (!item) return line;
      if (item.range) line = lineAt(text, item.range[0]);
      node = item;
      i++;
    } else {
      return line;
    }
  }
  return line;
}

/** Schema and server problems of the draft, each on the line of the field it names. */
export function issuesOnLines(text: string, issues: FieldIssues): LineIssue[] {
  return Object.entries(issues).map(([path, messages]) => ({
    line: lineOfPath(text, path) ?? 1,
    message: `${path}: ${messages.join('; ')}`,
  }));
}
