import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';

/** The threads' entry points: the store's writer and readers, the page thread, the policy-file thread and the 0.1 upgrade's build. */
export type WorkerEntry = 'storage-worker' | 'page-worker' | 'policy-file-worker' | 'secret-scan-worker' | 'upgrade-worker';

const SOURCES: Record<WorkerEntry, string> = {
  'storage-worker': './worker.ts',
  // The page thread runs the list code of the layers above (services/, audit/): named here, not imported.
  'page-worker': '../services/page-worker.ts',
  // The policy-file thread reads a big policy file off the main loop (services/policy-file-read.ts).
  'policy-file-worker': '../services/policy-file-worker.ts',
  // The secrets thread scans big bodies off the main loop (services/secret-scans.ts).
  'secret-scan-worker': '../services/secret-scan-worker.ts',
  'upgrade-worker': './legacy/upgrade-worker.ts',
};

const devBundles = new Map<WorkerEntry, string>();

/**
 * A worker's code. In a build, `<entry>.js` beside the entry point (dist/cli/, out/main/) or one
 * level up from a code-split chunk. From source (tests, benches) the worker is bundled once per
 * process with esbuild (a dev dependency, ~50 ms) into a temporary file, which is far cheaper than
 * loading tsx in every worker.
 */
export function workerFile(entry: WorkerEntry): string {
  const ready = readyFile(entry);
  if (ready) return ready;
  const o = bundleOptions(entry);
  esbuild().buildSync(o);
  return bundled(entry, o.outfile);
}

/**
 * workerFile, with the bundling from source (tests, benches) done without blocking the event loop,
 * for a worker started while the loop has other work (the upgrade's, during a bench's measurement).
 */
export async function workerFileAsync(entry: WorkerEntry): Promise<string> {
  const ready = readyFile(entry);
  if (ready) return ready;
  const o = bundleOptions(entry);
  await esbuild().build(o);
  return bundled(entry, o.outfile);
}

/** The built file, or the bundle made earlier in this process; null when it must be bundled. */
function readyFile(entry: WorkerEntry): string | null {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) {
    for (const rel of [`./${entry}.js`, `../${entry}.js`]) {
      const file = fileURLToPath(new URL(rel, here));
      if (existsSync(file)) return file;
    }
    throw new Error(`the ${entry} thread's code (${entry}.js) is missing from the build; rebuild Gatehouse`);
  }
  const cached = devBundles.get(entry);
  return cached && existsSync(cached) ? cached : null;
}

/** Required, not imported: bundlers of the app must not pull esbuild in (a build never gets here). */
function esbuild(): typeof import('esbuild') {
  return createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
}

function bundleOptions(entry: WorkerEntry): BuildOptions & { outfile: string } {
  return {
    entryPoints: [fileURLToPath(new URL(SOURCES[entry], import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    outfile: join(tmpdir(), `gatehouse-${entry}-${process.pid}-${Date.now()}.mjs`),
    logLevel: 'silent',
    // Bundled CommonJS dependencies call require(): give the ESM bundle one.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  };
}

function bundled(entry: WorkerEntry, out: string): string {
  process.once('exit', () => rmSync(out, { force: true }));
  devBundles.set(entry, out);
  return out;
}
