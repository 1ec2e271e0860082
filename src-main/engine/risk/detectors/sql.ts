import type { TextDetector } from './types.js';

const HINT = /\b(?:drop|truncate|delete|update)\b/i;
const DROP = /\bdrop\s+(table|database|schema|view|index|column|user|role|function|procedure|trigger|sequence|collection)\b/i;
const TRUNCATE = /\btruncate\s+(?:table\s+)?[\w."`[\]]+/i;
const DELETE = /\bdelete\s+from\s+\S+/i;
const UPDATE = /\bupdate\s+[\w."`[\]]+\s+set\b/i;
const WHERE = /\bwhere\b/i;

function withoutWhere(statement: string, start: RegExp): boolean {
  const m = start.exec(statement);
  return m !== null && !WHERE.test(statement.slice(m.index + m[0].length));
}

/** SPEC 2.4: DROP, TRUNCATE, or DELETE / UPDATE without WHERE, in any statement of the text. */
export const destructiveSql: TextDetector = {
  factor: 'destructive-sql',
  detect(text) {
    if (!HINT.test(text)) return null;
    for (const statement of text.split(';')) {
      const drop = DROP.exec(statement);
      if (drop) return `DROP ${(drop[1] ?? '').toUpperCase()}`;
      if (TRUNCATE.test(statement)) return 'TRUNCATE';
      if (withoutWhere(statement, DELETE)) return 'DELETE without WHERE';
      if (withoutWhere(statement, UPDATE)) return 'UPDATE without WHERE';
    }
    return null;
  },
};
