import type { NormalizedAction, Policy } from '../../../src-shared/index.js';
import { chargeWork, checkBudget } from '../budget.js';
import { compileWhen } from '../conditions/compile.js';
import { compileProgram } from '../conditions/program.js';
import type { Subject } from '../subject.js';
import { anchorOf, INDEXED_FIELDS, indexedValue, type IndexedField } from './anchors.js';
import { CharTrie } from './char-trie.js';
import { candidateHolds, isExpired, type CompiledPolicy } from './compiled-policy.js';

/** The budget is checked once per this many candidates (a mask: 256 - 1). */
const BUDGET_EVERY = 255;
/** Work one candidate counts for (see budget.ts). */
const CANDIDATE_WORK = 16;

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
  private readonly fields: FieldIndex[] = [];
  private readonly unanchored: CompiledPolicy[] = [];
  private readonly size: number;
  // Scratch space of one lookup (decisions are synchronous; nothing interleaves).
  private readonly lists: (readonly CompiledPolicy[])[] = [];
  private stamp = 0;
  /** Candidates tested, for the budget check every BUDGET_EVERY of them. */
  private tested = 0;

  /** `policies` must already be in evaluation order. */
  constructor(policies: readonly CompiledPolicy[]) {
    this.size = policies.length;
    const byField = new Map<IndexedField, FieldIndex>();
    for (const p of policies) {
      const { anchor, program, residualTest } = residualOf(p.policy);
      p.program = program;
      if (residualTest !== null) p.test = residualTest;
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
    const stamp = ++this.stamp;
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
