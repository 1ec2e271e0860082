import { isMap, isScalar, isSeq, type Document } from 'yaml';
import { integerBeyondTwoPow53, numberProblem } from '../../src-shared/exact-number.js';
import { isUnresolvedAlias, unresolvedAliasMessage } from '../../src-shared/yaml-aliases.js';
import { itemPath, joinPath, type ValidationDetail } from './errors.js';

/** A YAML number written in decimal (the JSON number form, with an optional `+`). */
const DECIMAL = /^[-+]?\d+(\.\d*)?([eE][-+]?\d+)?$/;

/**
 * What reading a YAML policy file would silently change (SPEC 5: nothing a client sends is silently
 * changed), each named by its field: a key written twice in one mapping (the last would win), and a
 * number a double does not hold as written (an integer beyond ±2^53, an overflow), and a
 * value like `*.delete` that YAML reads as an alias of an anchor the file does not have. A list item
 * with an `id` is named by it, as the schema's own errors are (`policies[0](prod-db).when.x`).
 */
export function yamlValueIssues(doc: Document): ValidationDetail[] {
  const issues: ValidationDetail[] = [];
  const visit = (node: unknown, path: string): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : null;
        if (key !== null && seen.has(key)) issues.push({ path: joinPath(path, [key]), message: `duplicate key '${key}'` });
        if (key !== null) seen.add(key);
        visit(pair.value, key === null ? path : joinPath(path, [key]));
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const id = isMap(item) ? item.get('id') : undefined;
        visit(item, itemPath(path, i, id));
      });
    } else if (isUnresolvedAlias(doc, node)) {
      issues.push({ path: path || '(file)', message: unresolvedAliasMessage(node) });
    } else if (isScalar(node) && typeof node.value === 'number') {
      const problem = numberIssue(node.value, node.source);
      if (problem) issues.push({ path: path || '(file)', message: problem });
    }
  };
  visit(doc.contents, '');
  return issues;
}

function numberIssue(value: number, source: string | undefined): string | null {
  if (source !== undefined && DECIMAL.test(source)) return numberProblem(source, 'quote it');
  // Hex, octal, `.inf`: only the value tells.
  if (!Number.isFinite(value)) return `${source ?? value} is not a finite number`;
  if (Number.isInteger(value) && integerBeyondTwoPow53(source ?? String(value), value))
    return `integer ${source ?? value} is beyond ±2^53 and would be rounded; quote it`;
  return null;
}
