import type { NormalizedAction } from '../../../src-shared/index.js';

/** Bounds of one scan, so that a huge or deeply nested request costs a fixed amount at most. */
export interface ScanLimits {
  /** Characters of string values examined in total (longer strings are cut). */
  maxChars: number;
  maxDepth: number;
  maxNodes: number;
}

export const DEFAULT_SCAN_LIMITS: ScanLimits = { maxChars: 65_536, maxDepth: 32, maxNodes: 10_000 };

/** Where a scanned value sits: `resource`, `parameters.cmd`, `parameters.files[2].path`. Built only on a hit. */
export class ValueLocation {
  private readonly segments: (string | number)[] = [];

  constructor(private readonly root: string) {}

  push(segment: string | number): void {
    this.segments.push(segment);
  }

  pop(): void {
    this.segments.pop();
  }

  describe(): string {
    let out = this.root;
    for (const s of this.segments) out += typeof s === 'number' ? `[${s}]` : `.${s}`;
    return out;
  }
}

export interface ScanVisitor {
  /** Returns false once the visitor has found all it looks for, which ends the scan. */
  text(value: string, where: ValueLocation): boolean;
  /** A boolean under a key (`recursive: true`). */
  flag(key: string, value: boolean, where: ValueLocation): void;
}

/**
 * Walks the resource and every string in `parameters` once, depth-first, within the limits.
 * Objects' own enumerable properties only; property getters run (and may throw: the caller fails closed).
 */
export function scanActionStrings(action: NormalizedAction, visitor: ScanVisitor, limits: ScanLimits = DEFAULT_SCAN_LIMITS): void {
  const budget = { chars: limits.maxChars, nodes: limits.maxNodes };
  if (typeof action.resource === 'string' && action.resource.length > 0) {
    if (!visitText(action.resource, new ValueLocation('resource'), visitor, budget)) return;
  }
  if (action.parameters) walk(action.parameters, new ValueLocation('parameters'), 0, visitor, budget, limits.maxDepth);
}

interface Budget {
  chars: number;
  nodes: number;
}

function visitText(value: string, where: ValueLocation, visitor: ScanVisitor, budget: Budget): boolean {
  if (budget.chars <= 0) return false;
  const text = value.length > budget.chars ? value.slice(0, budget.chars) : value;
  budget.chars -= text.length;
  return visitor.text(text, where);
}

/** Returns false when the scan should stop. */
function walk(node: unknown, where: ValueLocation, depth: number, visitor: ScanVisitor, budget: Budget, maxDepth: number): boolean {
  if (--budget.nodes < 0) return false;
  if (depth > maxDepth) return true;
  if (typeof node === 'string') return node.length === 0 || visitText(node, where, visitor, budget);
  if (typeof node !== 'object' || node === null) return true;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      where.push(i);
      const go = walk(node[i], where, depth + 1, visitor, budget, maxDepth);
      where.pop();
      if (!go) return false;
    }
    return true;
  }
  for (const key of Object.keys(node)) {
    const value = (node as Record<string, unknown>)[key];
    where.push(key);
    if (typeof value === 'boolean') visitor.flag(key, value, where);
    const go = walk(value, where, depth + 1, visitor, budget, maxDepth);
    where.pop();
    if (!go) return false;
  }
  return true;
}
