/** What a JSON text holds, read from the raw text before it is parsed (so an oversized one never is). */
export interface JsonShape {
  /** Deepest nesting of objects and arrays. */
  depth: number;
  /** Values: the text's own, plus every object member and array item at any depth. */
  values: number;
}

/**
 * The shape of a JSON text, counted outside strings in one pass, stopping as soon as it is past
 * either limit (the counts returned are then only "more than the limit"). Every member or item
 * but a container's first follows a comma, so values = 1 + commas + non-empty containers.
 */
export function jsonShape(text: string, limits: { depth?: number; values?: number } = {}): JsonShape {
  const maxDepth = limits.depth ?? Infinity;
  const maxValues = limits.values ?? Infinity;
  let depth = 0;
  let deepest = 0;
  let commas = 0;
  let containers = 0;
  /** The last character outside strings that was not white space. */
  let previous = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 32 || ch === 9 || ch === 10 || ch === 13) continue;
    if (ch === 34) {
      // Strings are skipped whole (a file's content can be most of the text), not read a character at a time.
      i = closingQuote(text, i);
      if (i < 0) break;
    } else if (ch === 123 || ch === 91) {
      if (++depth > deepest) deepest = depth;
      if (deepest > maxDepth) break;
    } else if (ch === 125 || ch === 93) {
      depth--;
      // A container with something in it: its first member or item has no comma before it.
      if (previous !== 123 && previous !== 91 && 1 + commas + ++containers > maxValues) break;
    } else if (ch === 44 && 1 + ++commas + containers > maxValues) break;
    previous = ch;
  }
  return { depth: deepest, values: 1 + commas + containers };
}

/** Index of the quote that closes the string opening at `open` (one not escaped by a backslash), or -1. */
export function closingQuote(text: string, open: number): number {
  let at = text.indexOf('"', open + 1);
  while (at >= 0) {
    let backslashes = 0;
    for (let k = at - 1; k > open && text.charCodeAt(k) === 92; k--) backslashes++;
    if (backslashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return -1;
}
