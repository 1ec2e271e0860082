import type { NormalizedAction, Policy } from '../../../src-shared/index.js';
import { chargeWork, checkBudget } from '../budget.js';
import { compileWhen } from '../conditions/compile.js';
import { compileProgram, singleAtomOf } from '../conditions/program.js';
import type { Subject } from '../subject.js';
import { anchorOf, INDEXED_FIELDS, indexedValue, type Anchor, type AnchorKey, type IndexedField } from './anchors.js';
import { CharTrie } from './char-trie.js';
import { candidateHolds, HOLDS, isExpired, NO_QUICK_TEST, type CompiledPolicy } from './compiled-policy.js';

/** The budget is checked once per this many candidates (a mask: 256 - 1). */
const BUDGET_EVERY = 255;
/** Work one candidate counts for (see budget.ts). */
const CANDIDATE_WORK = 16;

/**
 * The last scratch stamp handed out, shared by every index: the engines built one from another by a
 * change share their compiled policies, so a stamp must never repeat across indexes.
 */
let lastStamp = 0;

function budgetCheckpoint(): void {
  chargeWork((BUDGET_EVERY + 1) * CANDIDATE_WORK);
  checkBudget('policies');
}

interface FieldIndex {
  field: IndexedField;
  exact: Map<string, CompiledPolicy[]>;
  prefixes: CharTrie<CompiledPolicy> | null;
  suffixes: CharTrie<CompiledPolicy> | null;
}

/**
 * Candidate policies of a decision without scanning the whole set: policies are bucketed by an
 * anchor of their `when` (exact `action_type`, `agent_id` prefix, `resource` suffix…); the rest sit
 * in one catch-all bucket. Buckets are kept in evaluation order, so the first match is found
 * without visiting what ranks after it. A candidate reached through a bucket only tests what the
 * bucket does not already prove (`action_type: database.delete` is not tested again in the
 * `database.delete` bucket).
 */
export class CandidateIndex {
  private readonly fields: FieldIndex[];
  private readonly unanchored: readonly CompiledPolicy[];
  private readonly size: number;
  // Scratch space of one lookup (decisions are synchronous; nothing interleaves).
  private readonly lists: (readonly CompiledPolicy[])[] = [];
  /** Candidates tested, for the budget check every BUDGET_EVERY of them. */
  private tested = 0;

  private constructor(fields: FieldIndex[], unanchored: readonly CompiledPolicy[], size: number) {
    this.fields = fields;
    this.unanchored = unanchored;
    this.size = size;
  }

  /**
   * `policies` must already be in evaluation order. As steps: the generator pauses after each
   * policy (see compileDefinitionsSteps); the index is used only once it is built.
   */
  static *buildSteps(policies: readonly CompiledPolicy[]): Generator<void, CandidateIndex> {
    const byField = new Map<IndexedField, FieldIndex>();
    const unanchored: CompiledPolicy[] = [];
    for (const p of policies) {
      yield;
      const anchor = prepare(p);
      if (!anchor) {
        unanchored.push(p);
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
    return new CandidateIndex(inFieldOrder(byField), unanchored, policies.length);
  }

  /**
   * This index without `removed` and with `added` (each placed by its rank), as a new index: only the
   * buckets the changed policies sit in are copied, the rest are shared, and this index is left as
   * it was (the engine it belongs to may still be deciding: a change is installed once it is durable).
   * A policy's change is proportional to its buckets, not to the set (principle 5). `removed` must
   * be in this index; a policy relabeled with a new rank is removed as its old object, added as its new.
   */
  changed(removed: readonly CompiledPolicy[], added: readonly CompiledPolicy[]): CandidateIndex {
    if (removed.length === 0 && added.length === 0) return this;
    const edits = new Map<string, BucketEdit>();
    const edit = (anchor: Anchor | null, key: AnchorKey | null): BucketEdit => {
      const id = anchor && key ? `${anchor.field}\u0000${key.kind}\u0000${key.literal}` : '';
      let e = edits.get(id);
      if (!e) {
        e = { field: anchor?.field ?? null, key, remove: new Set(), add: new Set() };
        edits.set(id, e);
      }
      return e;
    };
    for (const p of removed) {
      const anchor = residualOf(p.policy).anchor;
      if (!anchor) edit(null, null).remove.add(p);
      else for (const key of anchor.keys) edit(anchor, key).remove.add(p);
    }
    for (const p of added) {
      const anchor = prepare(p);
      if (!anchor) edit(null, null).add.add(p);
      else for (const key of anchor.keys) edit(anchor, key).add.add(p);
    }
    let unanchored = this.unanchored;
    const byField = new Map<IndexedField, FieldIndex>(this.fields.map((f) => [f.field, f]));
    const copied = new Set<FieldIndex>();
    const exactCopied = new Set<FieldIndex>();
    for (const e of edits.values()) {
      if (e.field === null || e.key === null) {
        unanchored = edited(unanchored, e);
        continue;
      }
      let index = byField.get(e.field);
      if (!index || !copied.has(index)) {
        index = index
          ? { field: index.field, exact: index.exact, prefixes: index.prefixes, suffixes: index.suffixes }
          : { field: e.field, exact: new Map(), prefixes: null, suffixes: null };
        byField.set(e.field, index);
        copied.add(index);
      }
      const { kind, literal } = e.key;
      if (kind === 'exact') {
        // One Map copy per changed field (its keys, not its policies); the buckets themselves are shared.
        if (!exactCopied.has(index)) {
          index.exact = new Map(index.exact);
          exactCopied.add(index);
        }
        const bucket = edited(index.exact.get(literal) ?? [], e);
        if (bucket.length > 0) index.exact.set(literal, bucket);
        else index.exact.delete(literal);
      } else if (kind === 'prefix') {
        index.prefixes = (index.prefixes ?? new CharTrie<CompiledPolicy>(false)).withBucket(literal, (b) => edited(b, e));
      } else {
        index.suffixes = (index.suffixes ?? new CharTrie<CompiledPolicy>(true)).withBucket(literal, (b) => edited(b, e));
      }
    }
    return new CandidateIndex(inFieldOrder(byField), unanchored, this.size - removed.length + added.length);
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  /**
   * The first live policy, in evaluation order, whose condition holds. Each bucket is walked in
   * order only while its policies still rank before the best match found so far, so a match in
   * one bucket bounds the walk of the others. With `afterRank`, only policies ranked after it count
   * (the A/B test arm: the set without its control policy).
   */
  firstMatch(subject: Subject, nowMs: number, afterRank = -1): CompiledPolicy | null {
    if (this.size === 0) return null;
    const lists = this.gather(subject.action);
    let best: CompiledPolicy | null = null;
    let bestRank = Number.POSITIVE_INFINITY;
    for (let k = 0; k < lists.length; k++) {
      const list = lists[k] as readonly CompiledPolicy[];
      for (let i = 0; i < list.length; i++) {
        const p = list[i] as CompiledPolicy;
        if (p.rank >= bestRank) break;
        if (p.rank <= afterRank) continue;
        if ((++this.tested & BUDGET_EVERY) === 0) budgetCheckpoint();
        if (!isExpired(p, nowMs) && candidateHolds(p, subject)) {
          best = p;
          bestRank = p.rank;
          break;
        }
      }
    }
    return best;
  }

  /** Every live policy whose condition holds, in evaluation order, each once. */
  allMatches(subject: Subject, nowMs: number): CompiledPolicy[] {
    const out: CompiledPolicy[] = [];
    if (this.size === 0) return out;
    const lists = this.gather(subject.action);
    const stamp = ++lastStamp;
    for (let k = 0; k < lists.length; k++) {
      const list = lists[k] as readonly CompiledPolicy[];
      for (let i = 0; i < list.length; i++) {
        const p = list[i] as CompiledPolicy;
        if (p.visitedStamp === stamp) continue;
        p.visitedStamp = stamp;
        if ((++this.tested & BUDGET_EVERY) === 0) budgetCheckpoint();
        if (!isExpired(p, nowMs) && candidateHolds(p, subject)) out.push(p);
      }
    }
    if (lists.length > 1 && out.length > 1) out.sort((a, b) => a.rank - b.rank);
    return out;
  }

  /** The buckets an action can draw candidates from (reused scratch array). */
  private gather(action: NormalizedAction): readonly (readonly CompiledPolicy[])[] {
    const lists = this.lists;
    lists.length = 0;
    for (const index of this.fields) {
      const value = indexedValue(action, index.field);
      if (typeof value !== 'string') continue;
      const exact = index.exact.get(value);
      if (exact) lists.push(exact);
      index.prefixes?.collect(value, lists);
      index.suffixes?.collect(value, lists);
    }
    // Last: matches in the specific buckets bound how far the catch-all bucket is walked.
    if (this.unanchored.length > 0) lists.push(this.unanchored);
    return lists;
  }
}

/** What happens to one bucket in a change: the policies that leave it and those that join it. */
interface BucketEdit {
  field: IndexedField | null;
  key: AnchorKey | null;
  remove: Set<CompiledPolicy>;
  add: Set<CompiledPolicy>;
}

/** A copy of `bucket` (in evaluation order) without `e.remove` and with `e.add`, each at its rank. */
function edited(bucket: readonly CompiledPolicy[], e: BucketEdit): CompiledPolicy[] {
  const out = e.remove.size > 0 ? bucket.filter((p) => !e.remove.has(p)) : bucket.slice();
  for (const p of e.add) {
    let lo = 0;
    let hi = out.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (out[mid]!.rank < p.rank) lo = mid + 1;
      else hi = mid;
    }
    out.splice(lo, 0, p);
  }
  return out;
}

function inFieldOrder(byField: ReadonlyMap<IndexedField, FieldIndex>): FieldIndex[] {
  const out: FieldIndex[] = [];
  for (const field of INDEXED_FIELDS) {
    const index = byField.get(field);
    if (index) out.push(index);
  }
  return out;
}

/** Sets what a candidate of the index tests (the residual of its condition); returns its anchor. */
function prepare(p: CompiledPolicy): Anchor | null {
  const { anchor, program, residualTest } = residualOf(p.policy);
  p.program = program;
  p.test = residualTest ?? p.condition.test;
  const atom = program === null ? null : singleAtomOf(program);
  p.quick = program === null ? NO_QUICK_TEST : program.length === 0 ? HOLDS : atom ? atom[0] : NO_QUICK_TEST;
  p.atomA = atom ? atom[1] : 0;
  p.atomB = atom ? atom[2] : 0;
  return anchor;
}

interface Residual {
  anchor: ReturnType<typeof anchorOf>;
  program: CompiledPolicy['program'];
  /** The condition minus what the buckets prove, when it is not a program and differs from the whole condition. */
  residualTest: CompiledPolicy['test'] | null;
}

/** By policy object: pure functions of the policy, shared by the engines built from it (see validate.ts's COMPILED). */
const RESIDUALS = new WeakMap<Policy, Residual>();

function residualOf(policy: Policy): Residual {
  let r = RESIDUALS.get(policy);
  if (r === undefined) {
    const anchor = anchorOf(policy.when);
    const residual = anchor?.impliedKey ? without(policy.when, anchor.impliedKey) : policy.when;
    const program = compileProgram(residual);
    r = { anchor, program, residualTest: program === null && residual !== policy.when ? compileWhen(residual, 'when', []).test : null };
    RESIDUALS.set(policy, r);
  }
  return r;
}

/** The policy's condition without the part its index buckets already prove (it was validated whole). */
function without(when: Record<string, unknown>, impliedKey: string): Record<string, unknown> {
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(when)) if (key !== impliedKey) rest[key] = value;
  return rest;
}
