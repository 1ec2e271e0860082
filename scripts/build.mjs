// Builds everything that runs without TypeScript at run time:
//   dist/cli   — the `gatehouse` CLI (esbuild, ESM, code-split so each verb loads only what it needs)
//   dist/sdk   — the TypeScript SDK (`gatehouse/sdk`), JS + declarations
//   out/       — the Electron main/preload and the React console (electron-vite; falls back to
//                plain vite for the console where electron-vite cannot run)
// Flags: --cli (CLI and SDK only, fast), --if-needed (skip when outputs are newer than sources).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, statSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
const srcTime = () =>
  Math.max(
    newest(join(root, 'src-main')),
    newest(join(root, 'src-shared')),
    newest(join(root, 'src-renderer')),
    newest(join(root, 'resources')),
  );
const outTime = (p) => (existsSync(join(root, p)) ? statSync(join(root, p)).mtimeMs : 0);

function step(name, cmd, cmdArgs, opts = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', shell: false, ...opts });
  if (r.status !== 0) {
    if (opts.tolerate) return false;
    console.error(`build: ${name} failed`);
    process.exit(r.status ?? 1);
  }
  return true;
}

async function buildCli() {
  rmSync(join(root, 'dist/cli'), { recursive: true, force: true });
  await build({
    // `hook` is the Node transport of every agent hook (`gatehouse hook AGENT`): it runs before
    // every tool call where curl is missing, so it loads no zod, commander or server code
    // (bin/gatehouse.mjs routes `hook <agent>` straight to it). `storage-worker` is the storage
    // worker threads' entry, `page-worker` the page thread's, `upgrade-worker` the 0.1 upgrade's build thread (src-main/storage finds them beside the
    // entry points).
    entryPoints: {
      main: join(root, 'src-main/cli/main.ts'),
      hook: join(root, 'src-main/integrations/hooks/transport/client.ts'),
      'storage-worker': join(root, 'src-main/storage/worker.ts'),
      'page-worker': join(root, 'src-main/services/page-worker.ts'),
      'policy-file-worker': join(root, 'src-main/services/policy-file-worker.ts'),
      'secret-scan-worker': join(root, 'src-main/services/secret-scan-worker.ts'),
      'upgrade-worker': join(root, 'src-main/storage/legacy/upgrade-worker.ts'),
    },
    outdir: join(root, 'dist/cli'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
    chunkNames: 'chunks/[name]-[hash]',
  });
}

async function buildSdk() {
  const entry = join(root, 'src-main/sdk/index.ts');
  if (!existsSync(entry)) return;
  rmSync(join(root, 'dist/sdk'), { recursive: true, force: true });
  await build({
    entryPoints: { index: entry },
    outdir: join(root, 'dist/sdk'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  if (existsSync(join(root, 'tsconfig.sdk.json'))) {
    step('sdk declarations', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.sdk.json']);
    // The declaration build reads `./api.js` as `api.sdk.ts` (moduleSuffixes); ship it under the name the other declarations import.
    const decl = join(root, 'dist/sdk/api.sdk.d.ts');
    if (existsSync(decl)) renameSync(decl, join(root, 'dist/sdk/api.d.ts'));
  }
}

function buildApp() {
  const ok = step('electron-vite', process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    tolerate: true,
  });
  if (!ok) {
    console.warn('build: electron-vite could not build; building the console with vite alone');
    step('vite', process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'vite.renderer.config.ts']);
  }
}

const t0 = Date.now();
const cliOnly = args.has('--cli');
if (args.has('--if-needed')) {
  const src = srcTime();
  const cliFresh = outTime('dist/cli/main.js') > src;
  const appFresh = cliOnly || outTime('out/renderer/index.html') > src;
  if (cliFresh && appFresh) process.exit(0);
}
await buildCli();
await buildSdk();
if (!cliOnly) buildApp();
console.log(`build: done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
