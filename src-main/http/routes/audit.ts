import { Hono } from 'hono';
import { AuditExportQuerySchema, AuditQuerySchema } from '../../../src-shared/index.js';
import { exportAudit, EXPORT_CONTENT_TYPES } from '../../audit/export.js';
import { AuditQueryError, queryAudit } from '../../audit/query.js';
import { verifyStore } from '../../audit/verify.js';
import type { Gatehouse } from '../../app/gatehouse.js';
import { readQuery } from '../body.js';
import type { AppEnv } from '../env.js';
import { GatehouseError } from '../../core/errors.js';
import { requireScope } from '../middleware/auth.js';

/** SPEC 7: the audit log — query, verify, and streamed exports (admin only). */
export function auditRoutes(g: Gatehouse) {
  const r = new Hono<AppEnv>();
  r.use('/api/v1/audit', requireScope('admin'));
  r.use('/api/v1/audit/*', requireScope('admin'));

  r.get('/api/v1/audit', (c) => {
    const q = readQuery(c, AuditQuerySchema);
    try {
      return c.json(queryAudit(g.store, q));
    } catch (e) {
      if (e instanceof AuditQueryError) throw new GatehouseError('invalid_request', e.message);
      throw e;
    }
  });

  r.get('/api/v1/audit/verify', async (c) => c.json(await verifyStore(g.store)));

  r.get('/api/v1/audit/export', (c) => {
    const q = readQuery(c, AuditExportQuerySchema);
    const chunks = exportAudit(g.store, q);
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
      'Content-Type': EXPORT_CONTENT_TYPES[q.format],
      'Content-Disposition': `attachment; filename="gatehouse-audit-${stamp}.${q.format === 'cef' ? 'cef.log' : q.format}"`,
    });
  });
  return r;
}
