import { describe, expect, it } from 'vitest';
import { scanActionStrings, type ScanVisitor, type ValueLocation } from '../../src-main/engine/risk/walk.js';
import { action } from './helpers.js';

/** Every string the walk shows the visitor, with where it sits. */
function seen(parameters: Record<string, unknown>, limits = { maxDepth: 128, maxNodes: 1_000_000 }) {
  const out: string[] = [];
  const visitor: ScanVisitor = {
    text(value: string, where: ValueLocation) {
      out.push(`${where.describe()}=${value}`);
      return true;
    },
    flag() {},
  };
  const stopped = scanActionStrings(action({ parameters }), visitor, limits);
  return { out, stopped };
}

// Lists of strings take a path without a call per item (a 1 MiB body holds ~260,000 of them): the
// same strings, places and limits as the general walk.
describe('the scan walk over lists of strings', () => {
  it('shows every non-empty string of a list, with its index, mixed with other values', () => {
    const { out, stopped } = seen({ items: ['a', '', 'b', 3, { k: 'c' }, ['d'], 'e'] });
    expect(stopped).toBeNull();
    expect(out).toEqual([
      'parameters.items=items',
      'parameters.items[0]=a',
      'parameters.items[2]=b',
      'parameters.items[4].k=k',
      'parameters.items[4].k=c',
      'parameters.items[5][0]=d',
      'parameters.items[6]=e',
    ]);
  });

  // Expected values are what the general walk gives (checked against it before the list path existed):
  // the parameters object and the list count as nodes, and a value at depth d is checked against maxDepth.
  it('counts each string of a list against the node limit, empty ones too', () => {
    expect(seen({ items: ['a', 'b', 'c'] }, { maxDepth: 128, maxNodes: 5 }).stopped).toBeNull();
    const over = seen({ items: ['a', '', 'c', 'd'] }, { maxDepth: 128, maxNodes: 5 });
    expect(over.stopped).toBe('parameters hold more than 5 values');
    expect(over.out).toEqual(['parameters.items=items', 'parameters.items[0]=a', 'parameters.items[2]=c']);
  });

  it('stops at a list of strings past the depth limit', () => {
    expect(seen({ items: ['a'] }, { maxDepth: 2, maxNodes: 100 }).stopped).toBeNull();
    const deep = seen({ items: ['a'] }, { maxDepth: 1, maxNodes: 100 });
    expect(deep.stopped).toBe('parameters are nested more than 1 levels deep');
    expect(deep.out).toEqual(['parameters.items=items']);
  });
});
