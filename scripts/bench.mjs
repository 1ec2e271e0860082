// `npm run bench`: runs every benchmark, then writes bench/report.md (a table) and
// bench/report.json with the machine, the date, each figure, its target and the side-by-side
// ratios. Benches report; they never fail the build (and never run in CI).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, release, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../bin/server-runtime.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const BENCHES = [
  { name: 'engine', file: 'bench/engine.ts', args: [] },
  // The store runs in the bench's process, which reports its peak RSS: started as `gatehouse serve`
  // starts the server (bin/server-runtime.mjs), and from a bundle as the product runs (see bundled()).
  {
    name: 'storage',
    file: 'bench/storage.ts',
    args: process.env.BENCH_RECORDS ? ['--records', process.env.BENCH_RECORDS] : [],
    server: true,
    bundle: {
      'storage-worker': 'src-main/storage/worker.ts',
      'page-worker': 'src-main/services/page-worker.ts',
      'policy-file-worker': 'src-main/services/policy-file-worker.ts',
      'secret-scan-worker': 'src-main/services/secret-scan-worker.ts',
      'upgrade-worker': 'src-main/storage/legacy/upgrade-worker.ts',
    },
  },
  { name: 'api', file: 'bench/api.ts', args: [] },
  { name: 'approvals', file: 'bench/approvals.ts', args: [] },
  { name: 'integrations', file: 'bench/integrations.ts', args: [] },
  // Issue 18: checkpoints and proofs at 1,000,000 records (BENCH_PROOFS_RECORDS for another size).
  {
    name: 'proofs',
    file: 'bench/proofs.ts',
    args: process.env.BENCH_PROOFS_RECORDS ? ['--records', process.env.BENCH_PROOFS_RECORDS] : [],
  },
  { name: 'brief', file: 'bench/brief.ts', args: process.env.BENCH_BRIEF_RECORDS ? ['--records', process.env.BENCH_BRIEF_RECORDS] : [] },
  // The Activity screen in Chromium over 1,000,000 records (BENCH_CONSOLE_RECORDS for another size).
  {
    name: 'console',
    file: 'bench/console.ts',
    args: process.env.BENCH_CONSOLE_RECORDS ? ['--records', process.env.BENCH_CONSOLE_RECORDS] : [],
  },
];

spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-needed'], { cwd: root, stdio: 'inherit' });

/**
 * A bench whose figures include the process's memory runs from an esbuild bundle of its source (and
 * of the worker threads it starts) on plain Node, as the product runs its build, rather than through
 * tsx: tsx compiles on a loader thread of its own, a whole V8 isolate, which with its code took ~55 MB
 * of RSS (plain Node 24: 47 MB; with tsx loaded: 101 MB) that the server never has. Its results are
 * written to bench/results as from source (GATEHOUSE_BENCH_DIR).
 */
async function bundled(b) {
  const { build } = await import('esbuild');
  const outdir = join(root, 'out', 'bench');
  const name = b.file.replace(/^bench\//, '').replace(/\.ts$/, '');
  await build({
    entryPoints: { [name]: join(root, b.file), ...Object.fromEntries(Object.entries(b.bundle).map(([k, v]) => [k, join(root, v)])) },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    packages: 'external',
    logLevel: 'warning',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return join(outdir, `${name}.js`);
}
const loadBefore = loadavg()[0];
const ran = [];
for (const b of BENCHES) {
  if (only.length && !only.includes(b.name)) continue;
  if (!existsSync(join(root, b.file))) continue;
  console.log(`\n=== bench: ${b.name} ===`);
  const before = loadavg()[0];
  const entry = b.bundle ? [await bundled(b)] : ['--import', 'tsx', join(root, b.file)];
  // The server's V8 flags go on the command line, as bin/gatehouse.mjs gives them (not all are allowed in NODE_OPTIONS).
  const r = spawnSync(process.execPath, [...(b.server ? SERVER_NODE_FLAGS : []), ...entry, ...b.args], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      ...(b.server ? SERVER_ENV : {}),
      NODE_OPTIONS: '--max-old-space-size=4096',
      GATEHOUSE_BENCH_DIR: join(root, 'bench'),
    },
  });
  ran.push({ name: b.name, ok: r.status === 0 });
  // The machine's 1-minute load average around this bench (other work on a shared machine).
  const out = join(root, 'bench/results', `${b.name}.json`);
  if (r.status === 0 && existsSync(out)) {
    const res = JSON.parse(readFileSync(out, 'utf8'));
    res.load = `${before.toFixed(1)} → ${loadavg()[0].toFixed(1)}`;
    res.date = new Date().toISOString();
    writeFileSync(out, `${JSON.stringify(res, null, 2)}\n`);
  }
}

// A bench not run on this machine since its results were cleaned (`npm run bench -- storage api`
// on a fresh checkout) keeps its figures from the last report, with their own date and load.
const lastReport = existsSync(join(root, 'bench/report.json')) ? JSON.parse(readFileSync(join(root, 'bench/report.json'), 'utf8')) : null;
const results = [];
for (const b of BENCHES) {
  const f = join(root, 'bench/results', `${b.name}.json`);
  if (existsSync(f)) results.push(JSON.parse(readFileSync(f, 'utf8')));
  else {
    const kept = lastReport?.results?.find((r) => r.name === b.name);
    if (kept) results.push({ ...kept, date: kept.date ?? lastReport.date });
  }
}
const machine = {
  // 1-minute load average when the benches started and ended: other work on a shared machine.
  load: [loadBefore, loadavg()[0]].map((l) => l.toFixed(1)).join(' → '),
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
  memory_gib: Math.round(totalmem() / 2 ** 30),
  os: `${platform()} ${release()}`,
  node: process.version,
};
const report = { date: new Date().toISOString(), machine, runs: ran, results };
writeFileSync(join(root, 'bench/report.json'), `${JSON.stringify(report, null, 2)}\n`);

const fmt = (v) =>
  typeof v !== 'number' || !Number.isFinite(v)
    ? 'n/a'
    : Math.abs(v) >= 1000
      ? Math.round(v).toLocaleString('en-US')
      : Math.abs(v) >= 10
        ? v.toFixed(1)
        : v.toFixed(3);
// Release 0.1's figures (sql.js + journal), kept side by side: bench/report-0.1.json, matched by
// bench name and figure id.
const v01File = join(root, 'bench/report-0.1.json');
const v01 = existsSync(v01File) ? JSON.parse(readFileSync(v01File, 'utf8')) : null;
const old = new Map();
for (const r of v01?.results ?? []) for (const f of r.figures) old.set(`${r.name}/${f.id}`, f);
const lines = [
  '# Gatehouse benchmark report',
  '',
  `Date: ${report.date}  `,
  `Machine: ${machine.cpus}, ${machine.memory_gib} GiB, ${machine.os}, Node ${machine.node}; load average ${machine.load}`,
  '',
  'Produced by `npm run bench`. Figures are single runs on the machine above; targets come from the issues.',
  v01
    ? `The 0.1 column is release 0.1 (sql.js + journal) from \`bench/report-0.1.json\` (${v01.date.slice(0, 10)}: ${v01.machine.cpus}, Node ${v01.machine.node}).`
    : '',
  '',
  ...results.filter((r) => r.load).map((r) => `- ${r.name}: run ${r.date?.slice(0, 16) ?? ''}, load average ${r.load}  `),
  '',
  '| bench | figure | value | 0.1 | target | status | note |',
  '| --- | --- | ---: | ---: | ---: | --- | --- |',
];
for (const r of results) {
  for (const f of r.figures) {
    const status = f.target === undefined ? '' : (f.better === 'higher' ? f.value >= f.target : f.value <= f.target) ? 'met' : '**missed**';
    const target = f.target === undefined ? '' : `${f.better === 'higher' ? '≥' : '≤'} ${fmt(f.target)} ${f.unit}`;
    const was = old.get(`${r.name}/${f.id}`);
    const before = was ? `${fmt(was.value)} ${was.unit}` : '';
    lines.push(`| ${r.name} | ${f.label} | ${fmt(f.value)} ${f.unit} | ${before} | ${target} | ${status} | ${f.note ?? ''} |`);
  }
}
writeFileSync(join(root, 'bench/report.md'), `${lines.join('\n')}\n`);
console.log(`\nWrote bench/report.md and bench/report.json (${results.length} benches).`);
// A bench that ended in an error keeps its last figures in the report, and the run says it failed.
const failed = ran.filter((r) => !r.ok).map((r) => r.name);
if (failed.length) {
  console.error(`bench failed: ${failed.join(', ')} (the report keeps their last figures)`);
  process.exitCode = 1;
}
