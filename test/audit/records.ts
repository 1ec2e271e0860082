import type { AuditDraft } from '../../src-main/storage/types.js';
import type { TestCore } from '../helpers/core.js';

/** Appends `n` small audit records to a test core, 50 a commit. */
export async function addRecords(
  t: TestCore,
  n: number,
  make: (i: number) => AuditDraft = (i) => ({ type: 'settings.changed', actor: 'user', data: { i } }),
): Promise<void> {
  for (let i = 0; i < n; i += 50) {
    await t.g.store.commit(
      [],
      Array.from({ length: Math.min(50, n - i) }, (_, j) => make(i + j)),
    );
  }
}
