import { Hono } from 'hono';
import { BriefQuerySchema, VERSION } from '../../../src-shared/index.js';
import { verifyStore } from '../../audit/verify.js';
import type { Gatehouse } from '../../core/gatehouse.js';
import { collectBrief, type BriefSources } from '../../services/brief/collect.js';
import { renderBriefHtml } from '../../services/brief/html.js';
import { ChromiumNotFoundError, htmlToPdf } from '../../services/brief/pdf.js';
import { storeReader } from '../../services/brief/reader.js';
import { readQuery } from '../body.js';
import type { AppEnv } from '../env.js';
import { HttpError } from '../errors.js';
import { requireScope } from '../middleware/auth.js';

export const BRIEF_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** What the brief is made from, taken from the running core. */
export function briefSources(g: Gatehouse): BriefSources {
  return {
    read: storeReader(g.store),
    now: g.opts.clock.now(),
    version: VERSION,
    mode: g.opts.mode,
    settings: g.settings.get(),
    policies: g.policies.list(),
    webhooks: g.webhooks.list(),
    verify: () => verifyStore(g.store),
  };
}

/** SPEC 13 `GET /api/v1/reports/brief?window=7d|30d&format=html|pdf|json` (admin). */
export function reportRoutes(g: Gatehouse) {
  const r = new Hono<AppEnv>();
  r.get('/api/v1/reports/brief', requireScope('admin'), async (c) => {
    const { window, format } = readQuery(c, BriefQuerySchema);
    const brief = await collectBrief(briefSources(g), window);
    if (format === 'json') return c.json(brief);
    const html = renderBriefHtml(brief);
    const name = `gatehouse-brief-${window}-${brief.until.slice(0, 10)}`;
    if (format === 'html') {
      return c.body(html, 200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Disposition': `inline; filename="${name}.html"`,
        'Content-Security-Policy': BRIEF_CSP,
      });
    }
    let pdf: Buffer;
    try {
      pdf = await htmlToPdf(html);
    } catch (e) {
      if (e instanceof ChromiumNotFoundError) throw new HttpError('unavailable', e.message);
      throw e;
    }
    return c.body(new Uint8Array(pdf), 200, {
      'Content-Type': 'application/pdf',
      'Content-Disposition': `attachment; filename="${name}.pdf"`,
    });
  });
  return r;
}
