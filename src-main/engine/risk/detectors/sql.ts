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
            if (whereAt < end) {
              WHERE.lastIndex = end;
              const w = WHERE.exec(text);
              whereAt = w ? w.index : Number.POSITIVE_INFINITY;
            }
            if (whereAt >= statementEnd) return keyword === 'delete' ? 'DELETE without WHERE' : 'UPDATE without WHERE';
          }
        }
      }
    }
    return null;
  },
};
