import type { NormalizedAction } from '../../../src-shared/index.js';
import type { Subject } from '../subject.js';
import { anchorOf, INDEXED_FIELDS, indexedValue, type IndexedField } from './anchors.js';
import { CharTrie } from './char-trie.js';
import { isExpired, type CompiledPolicy } from './compiled-policy.js';

interface FieldIndex {
  field: IndexedField;
  exact: Map<string, CompiledPolicy[]>;
  prefixes: CharTrie<CompiledPolicy> | null;
  suffixes: CharTrie<CompiledPolicy> | null;
}

/**
 * Candidate policies of a decision without scanning the whole set: policies are bucketed by an
 * anchor of their `when` (exact `action_type`, `agent_id` prefix, `resource` suffix…); the rest sit
 * in one catch-all bucket. Buckets are kept in evaluation order and merged lazily, so the first
 * match in evaluation order is found without visiting what comes after it.
 */
export class CandidateIndex {
  private readonly fields: FieldIndex[] = [];
  private readonly unanchored: CompiledPolicy[] = [];
  private readonly size: number;
  // Scratch space of one lookup (decisions are synchronous; nothing interleaves).
  private readonly lists: (readonly CompiledPolicy[])[] = [];
  private readonly positions: number[] = [];
  private stamp = 0;

  /** `policies` must already be in evaluation order. */
  constructor(policies: readonly CompiledPolicy[]) {
    this.size = policies.length;
    const byField = new Map<IndexedField, FieldIndex>();
    for (const p of policies) {
      const anchor = anchorOf(p.policy.when);
      if (!anchor) {
        this.unanchored.push(p);
        continue;
      }
      let index = byField.get(anchor.field);
      if (!index) {
        index = { field: anchor.field, exact: new Map(), prefixes: null, suffixes: null };
        byField.set(anchor.field, index);
      }
      for (const key of anchor.keys) {
        let bucket: CompiledPolicy[];
        if (key.kind === 'exact') {
          bucket = index.exact.get(key.literal) ?? [];
          if (bucket.length === 0) index.exact.set(key.literal, bucket);
        } else if (key.kind === 'prefix') {
          index.prefixes ??= new CharTrie(false);
          bucket = index.prefixes.bucket(key.literal);
        } else {
          index.suffixes ??= new CharTrie(true);
          bucket = index.suffixes.bucket(key.literal);
        }
        if (bucket[bucket.length - 1] !== p) bucket.push(p);
      }
    }
    for (const field of INDEXED_FIELDS) {
      const index = byField.get(field);
      if (index) this.fields.push(index);
    }
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  /** The first live policy, in evaluation order, whose condition holds. */
  firstMatch(subject: Subject, nowMs: number): CompiledPolicy | null {
    if (this.size === 0) return null;
    const stamp = this.beginLookup(subject.action);
    for (let p = this.next(stamp); p !== null; p = this.next(stamp)) {
      if (!isExpired(p, nowMs) && p.condition.test(subject)) return p;
    }
    return null;
  }

  /** Every live policy whose condition holds, in evaluation order. */
  allMatches(subject: Subject, nowMs: number): CompiledPolicy[] {
    const out: CompiledPolicy[] = [];
    if (this.size === 0) return out;
    const stamp = this.beginLookup(subject.action);
    for (let p = this.next(stamp); p !== null; p = this.next(stamp)) {
      if (!isExpired(p, nowMs) && p.condition.test(subject)) out.push(p);
    }
    return out;
  }

  private beginLookup(action: NormalizedAction): number {
    const lists = this.lists;
    lists.length = 0;
    if (this.unanchored.length > 0) lists.push(this.unanchored);
    for (const index of this.fields) {
      const value = indexedValue(action, index.field);
      if (typeof value !== 'string') continue;
      const exact = index.exact.get(value);
      if (exact) lists.push(exact);
      index.prefixes?.collect(value, lists);
      index.suffixes?.collect(value, lists);
    }
    this.positions.length = lists.length;
    this.positions.fill(0);
    return ++this.stamp;
  }

  /** The next not-yet-visited candidate across the gathered buckets, by rank. */
  private next(stamp: number): CompiledPolicy | null {
    const { lists, positions } = this;
    for (;;) {
      let bestList = -1;
      let bestRank = Number.POSITIVE_INFINITY;
      for (let k = 0; k < lists.length; k++) {
        const list = lists[k] as readonly CompiledPolicy[];
        const head = list[positions[k] as number];
        if (head !== undefined && head.rank < bestRank) {
          bestRank = head.rank;
          bestList = k;
        }
      }
      if (bestList < 0) return null;
      const list = lists[bestList] as readonly CompiledPolicy[];
      const position = positions[bestList] as number;
      positions[bestList] = position + 1;
      const p = list[position] as CompiledPolicy;
      if (p.visitedStamp === stamp) continue;
      p.visitedStamp = stamp;
      return p;
    }
  }
}
