/**
 * How free text is read (SPEC 10 Activity: "free text (prefix match)"), shared by the server, which
 * turns it into a full-text query (src-main/audit/query.ts), and the console, which says what a short
 * word matches. Each whitespace-separated word becomes a phrase of its letter/digit runs (`act_9f2c`
 * is `act 9f2c`, as the index's tokenizer splits it); the phrase's last run matches the start of
 * longer words from MIN_PREFIX characters on (`prod` finds `production`). A shorter last run (`rm`,
 * `ls`, `db`) matches whole words only: the index keeps prefix indexes of 3 to 8 characters, and a
 * 1–2 character prefix would merge the lists of a large part of the vocabulary for every page.
 */
export const MIN_PREFIX = 3;
const MAX_WORDS = 16;
const MAX_TOKENS_PER_WORD = 8;

export interface SearchPhrase {
  /** Lower-case letter/digit runs, in order. */
  tokens: string[];
  /** Whether the last run also matches the start of longer words. */
  prefix: boolean;
}

/** The phrases of a search text (at most 16, of at most 8 runs each); words without letters or digits are left out. */
export function searchPhrases(text: string): SearchPhrase[] {
  const out: SearchPhrase[] = [];
  for (const word of text.normalize('NFKC').split(/\s+/)) {
    const tokens = word.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu);
    if (!tokens) continue;
    const kept = tokens.slice(0, MAX_TOKENS_PER_WORD);
    out.push({ tokens: kept, prefix: [...kept[kept.length - 1]!].length >= MIN_PREFIX });
    if (out.length === MAX_WORDS) break;
  }
  return out;
}

/** The runs of a search that match whole words only (shorter than MIN_PREFIX), as typed, e.g. `rm` of `rm -rf bui`. */
export function wholeWordRuns(text: string): string[] {
  return searchPhrases(text)
    .filter((p) => !p.prefix)
    .map((p) => p.tokens[p.tokens.length - 1]!);
}
