import type { NormalizedAction } from '../../../src-shared/index.js';
import { chargeWork, checkBudget, ITEM_WORK } from '../budget.js';

/**
 * Structural bounds of one scan. Every string of a request is scanned (the detectors are linear, so
 * a 1 MiB body is affordable); these only stop what no JSON body can be — a structure past them is
 * reported, and the action is held, never allowed.
 */
export interface ScanLimits {
  maxDepth: number;
  maxNodes: number;
}

/** A 1 MiB JSON body has at most ~512 Ki values and is at most 64 levels deep (http/body.ts). */
export const DEFAULT_SCAN_LIMITS: ScanLimits = { maxDepth: 128, maxNodes: 1_000_000 };

/** Strings scanned between two looks at the decision's clock. */
const CHECK_EVERY = 256;

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
  /**
   * Returns false once the visitor has found all it looks for, which ends the scan. `isKey`: the
   * string is a key of an object in `parameters` (not a value).
   */
  text(value: string, where: ValueLocation, isKey?: boolean): boolean;
  /** A boolean under a key (`recursive: true`). */
  flag(key: string, value: boolean, where: ValueLocation): void;
}

/**
 * Walks the resource and every string in `parameters` — values and keys — once, depth-first.
 * Returns why the walk could not finish (past the limits), or `null` when it saw everything (or
 * the visitor had found all it looks for). Objects' own enumerable properties only.
 */
export function scanActionStrings(action: NormalizedAction, visitor: ScanVisitor, limits: ScanLimits = DEFAULT_SCAN_LIMITS): string | null {
  if (typeof action.resource === 'string' && action.resource.length > 0) {
    if (!visitor.text(action.resource, new ValueLocation('resource'))) return null;
  }
  if (!action.parameters) return null;
  const walker = new Walker(visitor, limits);
  walker.walk(action.parameters, new ValueLocation('parameters'), 0);
  return walker.stoppedBecause;
}

class Walker {
  stoppedBecause: string | null = null;
  private done = false;
  private nodes = 0;
  private strings = 0;

  constructor(
    private readonly visitor: ScanVisitor,
    private readonly limits: ScanLimits,
  ) {}

  /** Returns false when the walk should stop. */
  walk(node: unknown, where: ValueLocation, depth: number): boolean {
    if (this.done) return false;
    if (++this.nodes > this.limits.maxNodes)
      return this.stop(`parameters hold more than ${this.limits.maxNodes.toLocaleString('en-US')} values`);
    if (depth > this.limits.maxDepth) return this.stop(`parameters are nested more than ${this.limits.maxDepth} levels deep`);
    if (typeof node === 'string') return node.length === 0 || this.text(node, where);
    if (typeof node !== 'object' || node === null) return true;
    if (Array.isArray(node)) {
      const stringsWithin = depth + 1 <= this.limits.maxDepth;
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i];
        if (stringsWithin && typeof item === 'string') {
          // The common large shape (a list of strings) without a call per item: the same checks as walk's.
          if (++this.nodes > this.limits.maxNodes)
            return this.stop(`parameters hold more than ${this.limits.maxNodes.toLocaleString('en-US')} values`);
          if (item.length === 0) continue;
          where.push(i);
          const go = this.text(item, where);
          where.pop();
          if (!go) return false;
          continue;
        }
        where.push(i);
        const go = this.walk(node[i], where, depth + 1);
        where.pop();
        if (!go) return false;
      }
      return true;
    }
    for (const key of Object.keys(node)) {
      const value = (node as Record<string, unknown>)[key];
      where.push(key);
      let go = key.length === 0 || this.text(key, where, true);
      if (go && typeof value === 'boolean') this.visitor.flag(key, value, where);
      if (go) go = this.walk(value, where, depth + 1);
      where.pop();
      if (!go) return false;
    }
    return true;
  }

  private text(value: string, where: ValueLocation, isKey = false): boolean {
    // Inside a decision: past its budget the action is held, never allowed. The visitor counts the
    // characters it reads; each string counts too, as many small ones add up. The clock is read
    // every CHECK_EVERY strings: reading it for each would cost more than most strings do.
    chargeWork(ITEM_WORK);
    if (++this.strings % CHECK_EVERY === 0) checkBudget('scanning parameters');
    if (this.visitor.text(value, where, isKey)) return true;
    this.done = true;
    return false;
  }

  private stop(reason: string): boolean {
    this.stoppedBecause = reason;
    this.done = true;
    return false;
  }
}
