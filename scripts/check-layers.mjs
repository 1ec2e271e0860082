// The layering check of `npm test` (ARCHITECTURE.md): an import only ever points down. Each file of
// src-shared/, src-main/ and src-renderer/ belongs to a layer; a file may import its own layer or a
// lower one, never a higher one. The engine is pure (src-shared only) and the console reaches the
// core only through the API (src-shared only). Exits 1 and lists every violation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Layers, bottom to top: [path prefix, rank]. Same rank = same layer. */
export const LAYERS = [
  ['src-shared/', 0],
  ['src-main/core/', 1],
  ['src-main/config/', 1],
  // ARCHITECTURE.md puts storage below audit; the store computes the chain hash with audit/chain
  // in the same transaction, so the two are one layer until that hashing moves.
  ['src-main/storage/', 2],
  ['src-main/audit/', 2],
  ['src-main/engine/', 3],
  ['src-main/services/', 4],
  ['src-main/events/', 4],
  ['src-main/app/', 5],
  ['src-main/http/', 6],
  ['src-main/server/', 7],
  ['src-main/cli/', 8],
  ['src-main/integrations/', 8],
  ['src-main/desktop/', 8],
  ['src-main/sdk/', 8],
  ['src-renderer/', 9],
];

/** Layers that may import only themselves and these prefixes, whatever their rank. */
export const ONLY = {
  'src-shared/': ['src-shared/'],
  'src-main/engine/': ['src-shared/', 'src-main/engine/'],
  // The console also reads the preload's contract (types and channel names, no electron import).
  'src-renderer/': ['src-shared/', 'src-renderer/', 'src-main/desktop/bridge.'],
};

const layerOf = (file) => LAYERS.find(([prefix]) => file.startsWith(prefix)) ?? null;
const onlyOf = (file) => Object.entries(ONLY).find(([prefix]) => file.startsWith(prefix))?.[1] ?? null;

/** Every relative import, export-from and dynamic import() specifier of a source text. */
export function importsOf(text) {
  const out = [];
  const re =
    /(?:\bimport\s*(?:type\s*)?(?:[^'"`;]*?\sfrom\s*)?|\bexport\s*(?:type\s*)?[^'"`;]*?\sfrom\s*|\bimport\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const m of text.matchAll(re)) out.push(m[1]);
  return out;
}

/**
 * The violations in `files` (a map of repo-relative path → source text): `{file, target, why}`.
 * Paths use `/`. Files outside every layer (tests, scripts) are not checked.
 */
export function checkLayers(files) {
  const violations = [];
  for (const [file, text] of files) {
    const from = layerOf(file);
    if (!from) continue;
    const only = onlyOf(file);
    for (const spec of importsOf(text)) {
      const target = join(dirname(file), spec).split(sep).join('/');
      const to = layerOf(target);
      if (only && !only.some((p) => target.startsWith(p))) {
        violations.push({ file, target, why: `${from[0]} may import only ${only.join(', ')}` });
      } else if (to && to[1] > from[1]) {
        violations.push({ file, target, why: `${from[0]} (layer ${from[1]}) imports ${to[0]} (layer ${to[1]}), which is above it` });
      }
    }
  }
  return violations;
}

function sourcesUnder(root, dir, out = new Map()) {
  for (const name of readdirSync(join(root, dir))) {
    const rel = `${dir}/${name}`;
    const full = join(root, rel);
    if (statSync(full).isDirectory()) sourcesUnder(root, rel, out);
    else if (/\.(ts|tsx|mts|mjs|js)$/.test(name) && !/\.test\.tsx?$/.test(name)) out.set(rel, readFileSync(full, 'utf8'));
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const files = new Map();
  for (const dir of ['src-shared', 'src-main', 'src-renderer']) sourcesUnder(root, dir, files);
  const violations = checkLayers(files);
  for (const v of violations) console.error(`layering: ${v.file} → ${relative('.', v.target)}: ${v.why}`);
  console.log(violations.length ? `${violations.length} layering violation(s)` : `layering: ${files.size} files, every import points down`);
  process.exit(violations.length ? 1 : 0);
}
