import { VERSION } from '../../../src-shared/index.js';
import type { Gatehouse } from '../../app/gatehouse.js';
import { verifyStore } from '../../audit/verify.js';
import { collectBrief, type BriefSources } from '../../services/brief/collect.js';
import { renderBriefHtml } from '../../services/brief/html.js';
import { htmlToPdf } from '../../services/brief/pdf.js';
import { storeReader } from '../../services/brief/reader.js';
import type { Handlers } from '../endpoints.js';

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
    sinks: g.sinks.list(),
    verify: () => verifyStore(g.store),
  };
}

/** SPEC 13 `GET /api/v1/reports/brief?window=7d|30d&format=html|pdf|json` (admin). */
export function reportHandlers(g: Gatehouse) {
  return {
    brief: async (c, { query }) => {
      const { window, format } = query;
      const brief = await collectBrief(briefSources(g), window);
      if (format === 'json') return brief;
      const html = renderBriefHtml(brief);
      const name = `gatehouse-brief-${window}-${brief.until.slice(0, 10)}`;
      if (format === 'html') {
        return c.body(html, 200, {
          'Content-Type': 'text/html; charset=utf-8',
          'Content-Disposition': `inline; filename="${name}.html"`,
          'Content-Security-Policy': BRIEF_CSP,
        });
      }
      // No Chromium on this machine: htmlToPdf throws `unavailable` (503), and the HTML form still works.
      const pdf = await htmlToPdf(html);
      return c.body(new Uint8Array(pdf), 200, {
        'Content-Type': 'application/pdf',
        'Content-Disposition': `attachment; filename="${name}.pdf"`,
      });
    },
  } satisfies Partial<Handlers>;
}
