import { Hono } from 'hono';
import { openApiDocument } from '../openapi/document.js';
import { renderDocs } from '../openapi/docs-html.js';
import type { AppEnv } from '../env.js';

/** No scripts, styles only inline, nothing fetched from anywhere. */
const DOCS_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

let docsHtml: string | null = null;

/** `GET /api/openapi.json` and `GET /api/docs`, both public, both generated from the route table. */
export function openapiRoutes() {
  const r = new Hono<AppEnv>();
  r.get('/api/openapi.json', (c) => c.json(openApiDocument()));
  r.get('/api/docs', (c) => {
    docsHtml ??= renderDocs(openApiDocument());
    c.header('Content-Security-Policy', DOCS_CSP);
    return c.html(docsHtml);
  });
  return r;
}
