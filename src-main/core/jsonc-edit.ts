import { indentAt, printJson, styleOf, type JsonNode, type JsonValue } from './jsonc.js';

/**
 * Changes to a JSONC text (jsonc.ts's tree), one element at a time: each returns the new text with
 * only that element's bytes (and the comma and line break that go with it) added or taken out, so
 * the comments, layout, key order and numbers around it stay as they were. Adding an element and
 * then removing it gives the text back byte for byte.
 */
export type JsonContainerNode = Extract<JsonNode, { kind: 'object' | 'array' }>;

interface Span {
  start: number;
  end: number;
}

/** The elements of a container: a member from its key to the end of its value, an item as it is. */
const elementsOf = (c: JsonContainerNode): Span[] =>
  c.kind === 'object' ? c.members.map((m) => ({ start: m.start, end: m.value.end })) : c.items;

const splice = (text: string, start: number, end: number, content: string) => text.slice(0, start) + content + text.slice(end);

/**
 * Adds `value` after the container's last element (under `key` in an object), laid out like its
 * neighbours: on its own line at their indentation, or inline in a container written on one line.
 */
export function appendTo(text: string, c: JsonContainerNode, key: string | null, value: JsonValue): string {
  const { indent, eol } = styleOf(text);
  const last = elementsOf(c).at(-1);
  const compact = !(last ? text.slice(c.start, c.end) : text).includes('\n');
  const base = indentAt(text, c.start);
  const inner = last && !compact ? indentAt(text, last.start) : base + indent;
  const printed = (key === null ? '' : `${JSON.stringify(key)}:${compact ? '' : ' '}`) + printJson(value, { indent, eol, compact }, inner);
  if (last) return splice(text, last.end, last.end, `,${compact ? '' : eol + inner}${printed}`);
  // An empty container holding comments keeps them, after the new element.
  if (text.slice(c.start + 1, c.end - 1).trim() !== '')
    return splice(text, c.start + 1, c.start + 1, compact ? printed : `${eol}${inner}${printed}`);
  return splice(text, c.start + 1, c.end - 1, compact ? printed : `${eol}${inner}${printed}${eol}${base}`);
}

/** Removes the container's element `index` with the comma that separates it from the others. */
export function removeFrom(text: string, c: JsonContainerNode, index: number): string {
  const els = elementsOf(c);
  const el = els[index]!;
  const next = els[index + 1];
  const prev = els[index - 1];
  if (next) return splice(text, el.start, next.start, '');
  if (prev) return splice(text, prev.end, el.end, '');
  // The only element: with what separates it from the brackets, the comments there kept.
  const before = text.slice(c.start + 1, el.start).trim() === '';
  const after = text.slice(el.end, c.end - 1);
  if (before && /^\s*,?\s*$/.test(after)) return splice(text, c.start + 1, c.end - 1, '');
  const comma = /^\s*,/.exec(after);
  return splice(text, before ? c.start + 1 : el.start, el.end + (comma ? comma[0].length : 0), '');
}

/** Replaces a value with `value`, printed at the indentation of the line it starts on. */
export function replaceNode(text: string, node: JsonNode, value: JsonValue): string {
  const { indent, eol } = styleOf(text);
  const compact = !text.slice(node.start, node.end).includes('\n');
  return splice(text, node.start, node.end, printJson(value, { indent, eol, compact }, indentAt(text, node.start)));
}
