import type { NormalizedAction } from '../../../src-shared/index.js';
import { isWildcard, literalPrefix, literalSuffix } from '../conditions/glob.js';
import { actionField } from '../conditions/text-test.js';
import { isPlainObject, isScalar, ownValue, textValue } from '../conditions/values.js';

/**
 * Fields a policy can be indexed by, most selective first. A policy whose `when` requires one of
 * them to equal / start with / end with a literal is only a candidate for actions that do.
 */
export const INDEXED_FIELDS = [
  'action_type',
  'agent_id',
  'tool_name',
  'mcp.server_id',
  'mcp.tool',
  'target_system',
  'resource',
  'environment',
  'context.environment',
] as const;
export type IndexedField = (typeof INDEXED_FIELDS)[number];

export function indexedValue(action: NormalizedAction, field: IndexedField): string | undefined {
  switch (field) {
    case 'action_type':
    case 'agent_id':
    case 'tool_name':
    case 'target_system':
    case 'resource':
    case 'environment':
      return (actionField(action, field) as string | null | undefined) ?? undefined;
    case 'mcp.server_id':
      return action.mcp?.server_id;
    case 'mcp.tool':
      return action.mcp?.tool;
    case 'context.environment': {
      // The field as the condition reads it: context.environment, else environment; a number or
      // boolean in string form, as the index keys of `1` and `true` are (and `textValue` reads it).
      const value = ownValue(action.context, 'environment');
      return value === undefined || value === null ? action.environment : textValue(value);
    }
  }
}

export type AnchorKind = 'exact' | 'prefix' | 'suffix';
export interface AnchorKey {
  kind: AnchorKind;
  literal: string;
  /** Being in this key's bucket alone proves the condition it came from (`x`, `x*`, `*x`). */
  implied: boolean;
}
/** Every value the field may take for the policy to match is covered by one of `keys`. */
export interface Anchor {
  field: IndexedField;
  keys: AnchorKey[];
  /**
   * The top-level `when` key whose condition every bucket of this anchor already proves, so
   * candidates reached through the index need not test it again; `null` when there is none.
   */
  impliedKey: string | null;
}

const KIND_SCORE: Record<AnchorKind, number> = { exact: 3, prefix: 2, suffix: 1 };

/**
 * A condition listing more values than this is no anchor: a policy sits in one bucket per key, and
 * adding or removing it edits every one of them (a 70,000-entry `in` list took ~150 ms of a policy
 * change, and as much again to build). Such a policy waits in the catch-all bucket instead, where
 * its compiled condition answers in one lookup of its value set: a decision is the same either way.
 */
export const MAX_ANCHOR_KEYS = 64;

/**
 * The best anchor of a (validated) `when`: from its top-level field conditions and those of its
 * top-level `all` lists (both are conjunctions). `null` when the policy must be checked for every action.
 */
export function anchorOf(when: Record<string, unknown>): Anchor | null {
  const found: Anchor[] = [];
  collect(when, found);
  let best: Anchor | null = null;
  let bestScore = -1;
  for (const anchor of found) {
    const score = Math.min(...anchor.keys.map((k) => KIND_SCORE[k.kind])) * 100 - INDEXED_FIELDS.indexOf(anchor.field);
    if (score > bestScore) {
      best = anchor;
      bestScore = score;
    }
  }
  return best;
}

function collect(when: Record<string, unknown>, out: Anchor[], topLevel = true): void {
  for (const [key, value] of Object.entries(when)) {
    if (key === 'all' && Array.isArray(value)) {
      for (const child of value) if (isPlainObject(child)) collect(child, out, false);
      continue;
    }
    if (!(INDEXED_FIELDS as readonly string[]).includes(key)) continue;
    const keys = keysOf(value);
    if (keys && keys.length <= MAX_ANCHOR_KEYS)
      out.push({ field: key as IndexedField, keys, impliedKey: topLevel && keys.every((k) => k.implied) ? key : null });
  }
}

function keysOf(value: unknown): AnchorKey[] | null {
  if (Array.isArray(value)) return allKeys(value.map(bareKey));
  if (!isPlainObject(value)) return bareKey(value) ? [bareKey(value) as AnchorKey] : null;
  if ('exists' in value && value.exists !== true) return null;
  // With other operators beside it, the one indexed on proves only its own part.
  const alone = Object.keys(value).length === 1;
  const candidates: AnchorKey[][] = [];
  if (isScalar(value.eq)) candidates.push([{ kind: 'exact', literal: String(value.eq), implied: alone }]);
  if (Array.isArray(value.in)) {
    const keys = allKeys(value.in.map((v) => (isScalar(v) ? { kind: 'exact' as const, literal: String(v), implied: alone } : null)));
    if (keys) candidates.push(keys);
  }
  if (typeof value.glob === 'string' || Array.isArray(value.glob)) {
    const patterns: unknown[] = typeof value.glob === 'string' ? [value.glob] : value.glob;
    const keys = allKeys(patterns.map((p) => (typeof p === 'string' ? globKey(p) : null)));
    if (keys) candidates.push(keys.map((k) => ({ ...k, implied: k.implied && alone })));
  }
  if (typeof value.starts_with === 'string' && value.starts_with !== '')
    candidates.push([{ kind: 'prefix', literal: value.starts_with, implied: alone }]);
  if (typeof value.ends_with === 'string' && value.ends_with !== '')
    candidates.push([{ kind: 'suffix', literal: value.ends_with, implied: alone }]);
  let best: AnchorKey[] | null = null;
  for (const keys of candidates) {
    if (!best || worstScore(keys) > worstScore(best)) best = keys;
  }
  return best;
}

function worstScore(keys: readonly AnchorKey[]): number {
  return Math.min(...keys.map((k) => KIND_SCORE[k.kind]));
}

function bareKey(value: unknown): AnchorKey | null {
  if (typeof value === 'string') return isWildcard(value) ? globKey(value) : { kind: 'exact', literal: value, implied: true };
  return isScalar(value) ? { kind: 'exact', literal: String(value), implied: true } : null;
}

function globKey(pattern: string): AnchorKey | null {
  if (!isWildcard(pattern)) return { kind: 'exact', literal: pattern, implied: true };
  const prefix = literalPrefix(pattern);
  if (prefix) return { kind: 'prefix', literal: prefix, implied: pattern === `${prefix}*` };
  const suffix = literalSuffix(pattern);
  return suffix ? { kind: 'suffix', literal: suffix, implied: pattern === `*${suffix}` } : null;
}

function allKeys(keys: readonly (AnchorKey | null)[]): AnchorKey[] | null {
  if (keys.length === 0) return null;
  const out: AnchorKey[] = [];
  for (const k of keys) {
    if (!k) return null;
    out.push(k);
  }
  return out;
}
