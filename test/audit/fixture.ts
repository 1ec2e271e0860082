import { openStore, type SqliteStore } from '../../src-main/storage/store.js';
import type { AuditRecord } from '../../src-shared/index.js';
import { decided, tempDir } from '../storage/helpers.js';

export const T0 = Date.parse('2026-11-21T12:00:00.000Z');

/**
 * A store with `n` action.decided records one second apart (from T0), plus a few odd ones (unicode,
 * floats; `tinyFloat` adds one that JCS writes in exponent form).
 */
export async function auditFixture(
  n = 60,
  opts: { tinyFloat?: boolean } = {},
): Promise<{ store: SqliteStore; records: AuditRecord[]; clock: { t: number } }> {
  const clock = { t: T0 };
  const store = await openStore({ dataDir: tempDir('gh-audit-'), clock: { now: () => clock.t }, log: () => undefined });
  const records: AuditRecord[] = [];
  for (let i = 1; i <= n; i++) {
    const c = decided(i, i === 7 ? { description: 'Delete "old" rows, then\nvacuum | a=b \\ done', resource: 's3://backups/nightly' } : {});
    records.push(...(await store.commit(c.ops, c.audit)));
    clock.t += 1000;
  }
  records.push(
    ...(await store.commit(
      [],
      [
        {
          type: 'policy.created',
          actor: 'user',
          data: { id: 'prod-db-delete', name: 'Prod | deletes', effect: 'require_approval', priority: 80, weight: 0.5 },
        },
        {
          type: 'approval.resolved',
          actor: 'user',
          action_id: records[Math.min(2, records.length - 1)]!.action_id,
          data: { agent_id: 'agent-3', decision: 'allowed', status: 'approved', comment: 'looks fine — ok ✅', approved: true },
        },
        {
          type: 'settings.changed',
          actor: 'user',
          data: {
            changes: { rate_limit_per_s: 100 },
            unicode: 'Zürich 東京 🚀',
            empty: {},
            list: [1, 'two', null, opts.tinyFloat === false ? -3.25 : -3.25e-9],
          },
        },
      ],
    )),
  );
  // Searches sync the full-text index first (as the routes do).
  await store.fullTextReady();
  return { store, records, clock };
}
