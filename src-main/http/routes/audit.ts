import { EXPORT_RECORDS_HEADER } from '../../../src-shared/index.js';
import type { Gatehouse } from '../../app/gatehouse.js';
import { archivesView } from '../../audit/archive.js';
import { EXPORT_CONTENT_TYPES, planExport } from '../../audit/export.js';
import { verifyStore } from '../../audit/verify.js';
import { GatehouseError } from '../../core/errors.js';
import { jsonTextAnswer, type Handlers } from '../endpoints.js';

/** SPEC 7: the audit log — query, verify, and streamed exports (admin only). */
export function auditHandlers(g: Gatehouse) {
  return {
    audit: async (c, { query }) => {
      // Free text and an agent filter read indexes that the indexer thread keeps a step behind the log.
      if (query.q !== undefined) await g.searchIndex.ready('q');
      else if (query.agent_id !== undefined) await g.searchIndex.ready('agent_id');
      return jsonTextAnswer<'audit'>(c, await g.pages.audit(query));
    },
    verify: async () => ({ ...(await verifyStore(g.store)), archived_records: g.store.archiveHead().seq }),
    auditCheckpoint: (c) => {
      const cp = g.checkpoints.latest();
      if (!cp) throw new GatehouseError('not_found', 'no checkpoint has been signed yet');
      return c.body(cp.text, 200, { 'Content-Type': 'text/plain; charset=utf-8' });
    },
    auditPublicKey: () => g.checkpoints.publicKey(),
    auditArchives: () => archivesView(g.store.dataDir, g.store.archiveHead().seq),
    auditProof: (_c, { query }) => g.checkpoints.proof(query.seq, query.size),
    auditConsistency: (_c, { query }) => g.checkpoints.consistency(query.from, query.to),
    exportAudit: (c, { query }) => {
      const { records, chunks } = planExport(g.store, query);
      const encoder = new TextEncoder();
      // Pull-based: the next batch is read only when the client has taken the last one (flat memory).
      const body = new ReadableStream<Uint8Array>({
        async pull(ctrl) {
          const next = await chunks.next();
          if (next.done) ctrl.close();
          else ctrl.enqueue(encoder.encode(next.value));
        },
        async cancel() {
          await chunks.return(undefined);
        },
      });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      return c.body(body, 200, {
        'Content-Type': EXPORT_CONTENT_TYPES[query.format],
        'Content-Disposition': `attachment; filename="gatehouse-audit-${stamp}.${query.format === 'cef' ? 'cef.log' : query.format}"`,
        // How many records follow, for a progress bar (absent when it is not known up front).
        ...(records === null ? {} : { [EXPORT_RECORDS_HEADER]: String(records) }),
      });
    },
  } satisfies Partial<Handlers>;
}
