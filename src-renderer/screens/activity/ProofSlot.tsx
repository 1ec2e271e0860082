import type { AuditRecord } from '../../../src-shared/index.js';

/**
 * The drawers' slot for inclusion proofs of records in a signed checkpoint (SPEC 7.6).
 *
 * Owned by the audit-proofs work: replace the body of this component (keep its name and props).
 * Both Activity drawers render it inside their own "Inclusion proof" section, with the records
 * they show (an action's records oldest first, or the one raw record); nothing else in them
 * depends on what it renders.
 */
export function ProofSlot({ records }: { records: AuditRecord[] }) {
  if (records.length === 0) return null;
  return (
    <p className="muted small" data-proof-slot={records.map((r) => r.seq).join(',')}>
      The inclusion proof of {records.length === 1 ? `record #${records[0]!.seq}` : `these ${records.length} records`} in a signed
      checkpoint appears here once signed checkpoints are available.
    </p>
  );
}
