import { isAlias, visit, type Alias, type Document } from 'yaml';

/**
 * YAML reads an unquoted value that starts with `*` as an alias (a reference to an `&anchor`), so
 * `action_type: *.delete` is not the wildcard it looks like: with no such anchor the document cannot
 * be read at all. Shared by the policy-file reader and the console's editor so both name it the same.
 */
export function unresolvedAliases(doc: Document): Alias[] {
  const out: Alias[] = [];
  visit(doc, {
    Alias(_key, node) {
      if (isUnresolvedAlias(doc, node)) out.push(node);
    },
  });
  return out;
}

/** Whether `node` is an alias whose anchor the document does not define before it. */
export const isUnresolvedAlias = (doc: Document, node: unknown): node is Alias => isAlias(node) && node.resolve(doc) === undefined;

/** What to tell the person about one of them. */
export const unresolvedAliasMessage = (alias: Alias): string =>
  `*${alias.source} is read by YAML as a reference to an anchor &${alias.source}, and there is none: ` +
  `quote it ('*${alias.source}') to mean a wildcard`;
