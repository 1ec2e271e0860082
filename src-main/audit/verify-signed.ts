import type { VerifyResult } from '../../src-shared/index.js';
import { CheckpointError, parseCheckpoint, verifyCheckpoint, type Checkpoint } from './checkpoint.js';
import type { CheckedPrefix } from './archive-prefix.js';
import { CompactTree, leafHashOfHex } from './merkle.js';
import { verifyJsonlFile, type VerifiedRecord } from './verify.js';

/**
 * Verifying an export against a signed checkpoint (SPEC 7.6), and saying where a difference lies.
 *
 * Why the chain alone is not enough: the chain proves only that each record follows the one before.
 * Whoever can write the data dir can change record 200 and recompute every hash after it; the
 * forged export chains perfectly. A checkpoint signed with a key the forger does not hold (the
 * Ed25519 key of the install, its public half in the verifier's hands) fixes the Merkle root of the
 * first `size` records: the forged export reproduces a different root, and the forgery is caught.
 *
 * How precisely it can be located: a root is one hash over `size` records; a mismatch says that
 * *some* record among them differs, not which. What narrows it are other roots the signer vouched
 * for. Every `checkpoint.signed` record in the export carries such a note. The forger can delete
 * or alter those records, but cannot make one that verifies with the trusted key; so we keep only
 * the notes that verify (same origin, same key), and compare the export's own root at each of
 * their sizes. Roots at sizes below the changed record still match (those records are untouched);
 * from the first size above it they do not. The first differing record therefore lies in
 * (the largest size that matches, the smallest size that does not] — the most the evidence allows;
 * with only the held checkpoint that range is the checkpoint's whole range, 1..size.
 */

export interface SignedRange {
  /** First seq of the range the first difference lies in. */
  from: number;
  /** Last seq of it (the size of the first signed tree the export does not reproduce). */
  to: number;
}

export interface SignedVerifyResult {
  ok: boolean;
  /** The chain check of the export (seq continuity, each hash). */
  chain: VerifyResult;
  /** The checkpoint the verifier holds (null when its signature or form is bad). */
  checkpoint: Checkpoint | null;
  /** Signed checkpoints inside the export that verify with the key (sizes), and those that did not. */
  in_export: { verified: number[]; ignored: number };
  /** Where the first difference from the signed tree lies (null when there is none). */
  differs: SignedRange | null;
  /** The explanation, one finding a line. */
  lines: string[];
}

/**
 * Collects what the checkpoint verification needs while the chain is verified (one pass). With a
 * prefix (an archive after the first, SPEC 7.7), the tree starts after the records it sums up.
 */
export class SignedTreeBuilder {
  readonly tree: CompactTree;
  readonly notes: { seq: number; note: string }[] = [];
  private firstSeq: number | null = null;

  constructor(readonly prefix: CheckedPrefix | null = null) {
    this.tree = new CompactTree(prefix ?? undefined);
  }

  /** Pass as `onRecord` of verifyJsonlFile / verifyJsonlLines. */
  readonly onRecord = (r: VerifiedRecord): void => {
    this.firstSeq ??= r.seq;
    this.tree.append(leafHashOfHex(r.hash));
    if (r.type === 'checkpoint.signed' && typeof r.data.note === 'string') this.notes.push({ seq: r.seq, note: r.data.note });
  };

  /** The export starts at seq 1, or right after its prefix. */
  get startsWhereExpected(): boolean {
    return this.firstSeq === null || this.firstSeq === this.tree.after + 1;
  }
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/** Compares the verified export with the held checkpoint and the signed checkpoints inside it. */
export function checkAgainstCheckpoint(
  chain: VerifyResult,
  built: SignedTreeBuilder,
  checkpointText: string,
  publicRaw: Buffer,
): SignedVerifyResult {
  const lines: string[] = [];
  const result = (ok: boolean, checkpoint: Checkpoint | null, extra: Partial<SignedVerifyResult> = {}): SignedVerifyResult => ({
    ok,
    chain,
    checkpoint,
    in_export: { verified: [], ignored: 0 },
    differs: null,
    lines,
    ...extra,
  });
  let held: Checkpoint;
  try {
    held = verifyCheckpoint(checkpointText, publicRaw);
  } catch (e) {
    lines.push(`the checkpoint does not verify with this public key: ${(e as Error).message}`);
    return result(false, null);
  }
  lines.push(`checkpoint: ${held.origin}, ${fmt(held.size)} records, root ${held.root.toString('hex')} — signature OK`);
  if (!chain.ok) {
    lines.push(`the export's chain is broken at seq ${chain.first_bad_seq}: ${chain.error ?? 'hash mismatch'}`);
    return result(false, held, { differs: chain.first_bad_seq ? { from: chain.first_bad_seq, to: chain.first_bad_seq } : null });
  }
  const after = built.tree.after;
  if (!built.startsWhereExpected) {
    lines.push(
      after
        ? `the file does not start at seq ${fmt(after + 1)}, right after its prefix of ${fmt(after)} records`
        : 'the export does not start at seq 1: a checkpoint covers the log from its first record (export without --since, with archives, or an archive with its prefix file)',
    );
    return result(false, held);
  }
  if (after && held.size <= after) {
    lines.push(`the checkpoint covers ${fmt(held.size)} records, none after the ${fmt(after)} before this file: it says nothing about it`);
    return result(false, held);
  }
  if (after)
    lines.push(
      `prefix: records 1..${fmt(after)} summed up by ${built.prefix!.subtrees.length} subtree hash(es), ending at ${built.prefix!.prevHash}`,
    );
  const n = built.tree.size;
  if (n < held.size) {
    lines.push(
      `the export holds ${fmt(n)} records but the checkpoint covers ${fmt(held.size)}: records ${fmt(n + 1)}..${fmt(held.size)} are missing`,
    );
    return result(false, held, { differs: { from: n + 1, to: held.size } });
  }

  // Every signed root we can trust, by size: the held one and the notes in the export that verify.
  const signed = new Map<number, { root: Buffer; where: string }>();
  let ignored = 0;
  for (const { seq, note } of built.notes) {
    let c: Checkpoint;
    try {
      c = verifyCheckpoint(note, publicRaw, held.origin);
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e;
      ignored++;
      continue;
    }
    if (c.size > n || c.size < Math.max(1, after)) {
      ignored++;
      continue;
    }
    signed.set(c.size, { root: c.root, where: `the checkpoint recorded at seq ${fmt(seq)}` });
  }
  const inExport = [...signed.keys()].sort((a, b) => a - b);
  signed.set(held.size, { root: held.root, where: 'the checkpoint you hold' });
  const sizes = [...signed.keys()].sort((a, b) => a - b);

  // With a prefix, records 1..after are taken as its subtrees say; the first signed root checks that.
  let matched = after;
  let matchedAny = false;
  let firstBad: number | null = null;
  for (const size of sizes) {
    if (built.tree.root(size).equals(signed.get(size)!.root)) {
      if (firstBad === null) [matched, matchedAny] = [size, true];
    } else if (firstBad === null) {
      firstBad = size;
    }
  }
  const extra = { in_export: { verified: inExport, ignored } };
  if (ignored) lines.push(`${ignored} checkpoint record(s) in the export do not verify with this key (or lie beyond it): ignored`);
  if (firstBad === null) {
    lines.push(
      after
        ? `OK: records ${fmt(after + 1)}..${fmt(held.size)}, after the prefix, are exactly the signed tree of ${fmt(held.size)} records (and ${inExport.length} signed checkpoint(s) inside the file agree)`
        : `OK: the first ${fmt(held.size)} records are exactly the signed tree (and ${inExport.length} signed checkpoint(s) inside the export agree)`,
    );
    if (n > held.size) lines.push(`records ${fmt(held.size + 1)}..${fmt(n)} chain on from it; no checkpoint you hold covers them yet`);
    return result(true, held, extra);
  }
  const range = { from: matched + 1, to: firstBad };
  lines.push(
    `FORGED or altered: the ${after ? 'archive' : 'export'} does not reproduce the root signed for ${fmt(firstBad)} records (${signed.get(firstBad)!.where})`,
  );
  lines.push(
    matchedAny
      ? `records 1..${fmt(matched)} match a signed root (${signed.get(matched)!.where}); the first differing record lies in seq ${fmt(range.from)}..${fmt(range.to)}`
      : after
        ? `no signed root below it matches: the first differing record lies in seq ${fmt(range.from)}..${fmt(range.to)}, or the prefix file is not the log's`
        : `no signed root below it matches: the first differing record lies in seq 1..${fmt(range.to)}`,
  );
  lines.push('a Merkle root cannot say which record within that range differs; a copy of the records or a nearer checkpoint can');
  return result(false, held, { ...extra, differs: range });
}

/**
 * A file against a signed checkpoint in one pass: an export from seq 1, or an archive (gzipped)
 * continuing from its prefix. Throws only when the file cannot be read.
 */
export async function verifyFileSigned(
  path: string,
  checkpointText: string,
  publicRaw: Buffer,
  prefix: CheckedPrefix | null,
  onProgress?: (done: number, total: number) => void,
): Promise<SignedVerifyResult> {
  const built = new SignedTreeBuilder(prefix);
  const chain = await verifyJsonlFile(path, {
    onRecord: built.onRecord,
    start: prefix ? { seq: prefix.size + 1, prev: prefix.prevHash } : undefined,
    onProgress,
  });
  return checkAgainstCheckpoint(chain, built, checkpointText, publicRaw);
}

/** The size a checkpoint text claims, for messages (no signature check). */
export function claimedSize(text: string): number | null {
  try {
    return parseCheckpoint(text).size;
  } catch {
    return null;
  }
}
