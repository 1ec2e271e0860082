import { API_VERSION, VERSION } from '../../../src-shared/index.js';
import { operationId } from './document.js';
import { exampleOf } from './examples.js';
import type { Json, JsonSchema } from './json.js';
import { ENDPOINTS, TAGS, type Endpoint as RouteDoc, type Tag } from '../../../src-shared/api.js';

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
/** Escaped text with `code` spans. */
const md = (s: string): string => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');
const pretty = (v: Json): string => esc(JSON.stringify(v, null, 2));

const STYLE = `
:root{color-scheme:light dark;--fg:#1d2330;--muted:#5b6475;--bg:#fff;--panel:#f5f7fa;--line:#dde2ea;--accent:#2456d6}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9ef;--muted:#9aa3b5;--bg:#14171d;--panel:#1c2028;--line:#2c323d;--accent:#7aa2ff}}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;color:var(--fg);background:var(--bg)}
.wrap{display:grid;grid-template-columns:17rem 1fr;min-height:100vh}
nav{position:sticky;top:0;height:100vh;overflow:auto;padding:1.25rem 1rem;border-right:1px solid var(--line);background:var(--panel);font-size:13px}
nav a{color:var(--fg);text-decoration:none;display:block;padding:1px 0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}nav a:hover{color:var(--accent)}
nav h3{margin:1rem 0 .25rem;font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
main{padding:2rem 2.5rem;max-width:72rem}h1{margin:0 0 .25rem}h2{margin:2.5rem 0 .25rem;padding-top:.5rem;border-top:1px solid var(--line)}
.op{margin:1.25rem 0;padding:1rem 1.25rem;border:1px solid var(--line);border-radius:8px}
.op h4{margin:0;font:600 14px ui-monospace,SFMono-Regular,Menlo,monospace;display:flex;gap:.6rem;align-items:center;flex-wrap:wrap}
.m{font-size:11px;padding:2px 7px;border-radius:4px;color:#fff;text-transform:uppercase}.get{background:#1f7a4d}.post{background:#2456d6}.put{background:#a0650a}.patch{background:#6b4fbb}.delete{background:#b3261e}.head,.options{background:#5b6470}
.scope{font:11px system-ui;padding:1px 7px;border-radius:999px;border:1px solid var(--line);color:var(--muted)}.scope.admin{border-color:#b3261e;color:#b3261e}.scope.agent{border-color:#2456d6;color:var(--accent)}
.sum{margin:.4rem 0}.muted{color:var(--muted)}code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--panel);padding:0 3px;border-radius:3px}
pre{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.75rem;overflow:auto;font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace;max-height:28rem}
table{border-collapse:collapse;width:100%;font-size:13px;margin:.25rem 0}td,th{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
details{margin:.35rem 0}summary{cursor:pointer;color:var(--accent)}h5{margin:.9rem 0 .2rem;font-size:13px}
`;

function paramRows(r: RouteDoc, op: Record<string, Json>): string {
  const params = Array.isArray(op.parameters) ? op.parameters : [];
  if (!params.length) return '';
  const rows = params
    .map((p) => {
      const o = p as { name: string; in: string; required: boolean; schema: Json; description?: string };
      const schema = o.schema as JsonSchema;
      const type = Array.isArray(schema.enum) ? schema.enum.map((e) => String(e)).join(' | ') : String(schema.type ?? 'string');
      const dflt = schema.default !== undefined ? ` (default ${String(schema.default)})` : '';
      return `<tr><td><code>${esc(o.name)}</code></td><td>${esc(o.in)}${o.required ? ', required' : ''}</td><td>${esc(type)}${esc(dflt)}</td><td>${o.description ? md(o.description) : ''}</td></tr>`;
    })
    .join('');
  return `<h5>Parameters</h5><table><tr><th>name</th><th>in</th><th>type</th><th></th></tr>${rows}</table>`;
}

function schemaBlock(title: string, name: string, components: Record<string, JsonSchema>, example: Json): string {
  const schema = components[name] ?? {};
  return `<h5>${esc(title)} <span class="muted">— <a href="#schema-${esc(name)}">${esc(name)}</a></span></h5><pre>${pretty(example)}</pre><details><summary>JSON Schema</summary><pre>${pretty(schema)}</pre></details>`;
}

function operationHtml(r: RouteDoc, op: Record<string, Json>, components: Record<string, JsonSchema>): string {
  const parts = [
    `<h4><span class="m ${r.method}">${r.method}</span>${esc(r.path)}<span class="scope ${r.scope}">${r.scope === 'none' ? 'public' : `scope: ${r.scope}`}</span></h4>`,
    `<p class="sum">${md(r.summary)}</p>`,
  ];
  if (r.aliasOf && r.aliasOf !== r.path)
    parts.push(
      `<p class="muted">Alias of <a href="#${operationId({ ...r, path: r.aliasOf })}"><code>${esc(r.aliasOf)}</code></a> (the seeds' path); answers exactly the same.</p>`,
    );
  if (r.description) parts.push(`<p>${md(r.description)}</p>`);
  parts.push(paramRows(r, op));
  if (r.body) {
    const example = (r.example as Json | undefined) ?? exampleOf({ $ref: `#/components/schemas/${r.body.name}` }, components);
    const alt = r.bodyTypes?.length ? ` <span class="muted">(also ${r.bodyTypes.map(esc).join(', ')})</span>` : '';
    parts.push(
      schemaBlock(`Request body${r.bodyOptional ? ' (optional)' : ''}`, r.body.name, components, example).replace('</h5>', `${alt}</h5>`),
    );
  }
  const status = r.status ?? 200;
  const types = r.produces?.length ? r.produces.join(', ') : 'application/json';
  if (r.response) {
    parts.push(
      schemaBlock(
        `Response ${status} (${types})`,
        r.response.name,
        components,
        exampleOf({ $ref: `#/components/schemas/${r.response.name}` }, components),
      ),
    );
  } else {
    parts.push(
      `<h5>Response ${status} <span class="muted">(${esc(types)})</span></h5>${r.responseDescription ? `<p>${md(r.responseDescription)}</p>` : ''}`,
    );
  }
  if (r.responseHeaders) {
    const rows = Object.entries(r.responseHeaders)
      .map(([name, h]) => `<tr><td><code>${esc(name)}</code></td><td>${esc(h.type)}</td><td>${md(h.description)}</td></tr>`)
      .join('');
    parts.push(`<h5>Response headers</h5><table><tr><th>name</th><th>type</th><th></th></tr>${rows}</table>`);
  }
  return `<section class="op" id="${esc(operationId(r))}">${parts.join('')}</section>`;
}

/**
 * The docs page: every endpoint grouped by tag with its scope, summary, parameters, and request
 * and response examples with their JSON Schemas. Self-contained (no scripts, no external assets).
 */
export function renderDocs(doc: { [k: string]: Json }, routes: readonly RouteDoc[] = ENDPOINTS): string {
  const components = ((doc.components as { schemas?: Record<string, JsonSchema> } | undefined)?.schemas ?? {}) as Record<
    string,
    JsonSchema
  >;
  const paths = doc.paths as Record<string, Record<string, Record<string, Json>>>;
  const byTag = new Map<Tag, RouteDoc[]>();
  for (const r of routes) byTag.set(r.tag, [...(byTag.get(r.tag) ?? []), r]);
  const tags = (Object.keys(TAGS) as Tag[]).filter((t) => byTag.has(t));

  const nav = tags
    .map(
      (t) =>
        `<h3><a href="#tag-${t}">${esc(t)}</a></h3>${byTag
          .get(t)!
          .map((r) => `<a href="#${esc(operationId(r))}"><b>${r.method.toUpperCase()}</b> ${esc(r.path)}</a>`)
          .join('')}`,
    )
    .join('');
  const sections = tags
    .map(
      (t) =>
        `<h2 id="tag-${t}">${esc(t)}</h2><p class="muted">${md(TAGS[t])}</p>${byTag
          .get(t)!
          .map((r) => operationHtml(r, paths[r.path]?.[r.method] ?? {}, components))
          .join('')}`,
    )
    .join('');
  const schemaList = Object.keys(components)
    .sort()
    .map((n) => `<details id="schema-${esc(n)}"><summary><code>${esc(n)}</code></summary><pre>${pretty(components[n]!)}</pre></details>`)
    .join('');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Gatehouse API ${esc(VERSION)}</title><style>${STYLE}</style></head>
<body><div class="wrap"><nav><b>Gatehouse API</b><div class="muted">v${esc(VERSION)} · ${esc(API_VERSION)}</div>${nav}<h3><a href="#schemas">Schemas</a></h3></nav>
<main><h1>Gatehouse API</h1>
<p class="muted">Version ${esc(VERSION)} · API ${esc(API_VERSION)} · machine-readable: <a href="/api/openapi.json"><code>/api/openapi.json</code></a> (OpenAPI 3.1)</p>
<p>The API listens on <code>127.0.0.1</code> only; JSON in and out. Authenticate with <code>X-API-Key: &lt;key&gt;</code> or <code>Authorization: Bearer &lt;key&gt;</code> (the default keys are in <code>credentials.json</code> in the data directory); the console uses its session cookie. Scope <code>agent</code> routes take an agent or admin key; <code>admin</code> routes need an admin key.</p>
<p>Errors: <code>{"error": {"code": "invalid_request", "message": "...", "details": [{"path": "action_type", "message": "Required"}]}}</code> with 400 <code>invalid_json</code>/<code>invalid_request</code>, 401 <code>unauthenticated</code>, 403 <code>forbidden</code>, 404 <code>not_found</code>, 409 <code>conflict</code>, 413 <code>too_large</code>, 415 <code>unsupported_media_type</code>, 429 <code>rate_limited</code>, 503 <code>unavailable</code>.</p>
${sections}
<h2 id="schemas">Schemas</h2>${schemaList}
</main></div></body></html>`;
}
