import { openApiDocument } from '../openapi/document.js';
import { renderDocs } from '../openapi/docs-html.js';
import type { Handlers } from '../endpoints.js';

/** No scripts, styles only inline, nothing fetched from anywhere. */
const DOCS_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

let docsHtml: string | null = null;

/** `GET /api/openapi.json` and `GET /api/docs`, both public, both generated from the API table. */
export function openapiHandlers() {
  return {
    openapi: () => openApiDocument(),
    docs: (c) => {
      docsHtml ??= renderDocs(openApiDocument());
      c.header('Content-Security-Policy', DOCS_CSP);
      return c.html(docsHtml);
    },
  } satisfies Partial<Handlers>;
}
