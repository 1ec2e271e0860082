import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * What a forger with write access does: change one record of an export (or an archive) and
 * recompute every hash after it, so the chain verifies again. `from` is the 1-based line. Ten lines
 * of code: JCS + SHA-256 over every record from `from` on (an independent JCS: the canonicalize package).
 */
export function rehashFrom(lines: string[], from: number, edit: (rec: Record<string, unknown>) => void): string[] {
  const recs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  edit(recs[from - 1]!);
  for (let i = from - 1; i < recs.length; i++) {
    if (i > 0) recs[i]!.prev_hash = recs[i - 1]!.hash;
    const { hash: _drop, ...body } = recs[i]!;
    recs[i]!.hash = createHash('sha256').update(canonicalize(body)!).digest('hex');
  }
  return recs.map((r) => canonicalize(r)!);
}
