import type { TextDetector } from './types.js';

/**
 * SPEC 2.4: DROP, TRUNCATE, or DELETE / UPDATE without WHERE, in any statement of the text.
 *
 * One pass over the keywords: each is checked where it stands (sticky patterns whose runs of
 * spaces or name characters belong to that keyword alone), its statement ends at the next `;`, and
 * the next WHERE is found with a search that only moves forward. Linear in the text however many
 * keywords and statements it holds.
 */
const KEYWORD = /\b(drop|truncate|delete|update)\b/gi;
const DROP = /drop\s+(table|database|schema|view|index|column|user|role|function|procedure|trigger|sequence|collection)\b/iy;
const TRUNCATE = /truncate\s+(?:table\s+)?[\w."`[\]]/iy;
const DELETE = /delete\s+from\s+\S/iy;
const UPDATE = /update\s+[\w."`[\]]+\s+set\b/iy;
const WHERE = /\bwhere\b/gi;

const COMMENT_OR_QUOTE = /--|\/\*|#|['"`]/g;

/**
 * The comments (`-- …`, `# …`, `/* … *\/`) and quoted strings or names of a text, met in order: a
 * WHERE inside one (`DELETE FROM users -- WHERE id = 1`, `SET note = 'where'`) filters nothing.
 * Asked about positions that only grow, it reads each opener and closer once (linear, nothing built).
 * A comment or quote left open runs to the end. Statements still end at every `;` of the text, so
 * this can only find more.
 */
class CommentsAndQuotes {
  private start = -1;
  private end = -1;

  constructor(private readonly text: string) {}

  /** Is `at` inside a comment or quote? `at` must not be smaller than at the last call. */
  covers(at: number): boolean {
    while (this.end <= at && this.start !== Number.POSITIVE_INFINITY) this.next();
    return this.start <= at && at < this.end;
  }

  private next(): void {
    COMMENT_OR_QUOTE.lastIndex = Math.max(this.end, 0);
    const m = COMMENT_OR_QUOTE.exec(this.text);
    if (!m) {
      this.start = this.end = Number.POSITIVE_INFINITY;
      return;
    }
    const opener = m[0];
    const closer = opener === '--' || opener === '#' ? '\n' : opener === '/*' ? '*/' : opener;
    const found = this.text.indexOf(closer, m.index + opener.length);
    this.start = m.index;
    this.end = found < 0 ? this.text.length : found + closer.length;
  }
}

/** The first WHERE at or after `from` outside comments and quotes (`from` only grows between calls). */
function whereFrom(text: string, from: number, ignored: CommentsAndQuotes): number {
  WHERE.lastIndex = from;
  for (let w = WHERE.exec(text); w !== null; w = WHERE.exec(text)) if (!ignored.covers(w.index)) return w.index;
  return Number.POSITIVE_INFINITY;
}

function stickyMatch(re: RegExp, text: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(text);
}

export const destructiveSql: TextDetector = {
  factor: 'destructive-sql',
  detect(text) {
    KEYWORD.lastIndex = 0;
    let statementEnd = -1;
    /** The first WHERE at or after the last position asked for (asked positions only grow). */
    let whereAt = -1;
    /** Where WHERE does not count (read on first need). */
    let ignored: CommentsAndQuotes | null = null;
    for (let m = KEYWORD.exec(text); m !== null; m = KEYWORD.exec(text)) {
      const at = m.index;
      if (at >= statementEnd) {
        const semicolon = text.indexOf(';', at);
        statementEnd = semicolon < 0 ? text.length : semicolon;
      }
      const keyword = (m[1] ?? '').toLowerCase();
      if (keyword === 'drop') {
        const drop = stickyMatch(DROP, text, at);
        if (drop && drop.index + drop[0].length <= statementEnd) return `DROP ${(drop[1] ?? '').toUpperCase()}`;
      } else if (keyword === 'truncate') {
        const truncate = stickyMatch(TRUNCATE, text, at);
        if (truncate && truncate.index + truncate[0].length <= statementEnd) return 'TRUNCATE';
      } else {
        const found = stickyMatch(keyword === 'delete' ? DELETE : UPDATE, text, at);
        if (found) {
          const end = found.index + found[0].length;
          if (end <= statementEnd) {
            if (whereAt < end) whereAt = whereFrom(text, end, (ignored ??= new CommentsAndQuotes(text)));
            if (whereAt >= statementEnd) return keyword === 'delete' ? 'DELETE without WHERE' : 'UPDATE without WHERE';
          }
        }
      }
    }
    return null;
  },
};
