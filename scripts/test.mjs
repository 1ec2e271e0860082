// `npm test`: everything, in order — type-check (node and web), lint, the layering check, format, build, the vitest suites
// (unit, system, end-to-end) and the Python SDK's unittest suite — then one plain summary line
// `N passed, N failed` summed over all of them (each check counts as one; each test as one).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (p) => join(root, 'node_modules', p);
let passed = 0;
let failed = 0;
const failures = [];

function run(name, cmd, args, opts = {}) {
  console.log(`\n── ${name} ──`);
  const t = Date.now();
  const r = spawnSync(cmd, args, {
    cwd: root,
    stdio: opts.capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    encoding: 'utf8',
    env: { ...process.env, ...opts.env },
  });
  if (opts.capture) {
    process.stdout.write(r.stdout ?? '');
    process.stderr.write(r.stderr ?? '');
  }
  console.log(`── ${name}: ${r.status === 0 ? 'ok' : `FAILED (exit ${r.status})`} in ${((Date.now() - t) / 1000).toFixed(1)}s`);
  return r;
}

function check(name, cmd, args) {
  const r = run(name, cmd, args);
  if (r.status === 0) passed++;
  else {
    failed++;
    failures.push(name);
  }
  return r.status === 0;
}

check('typecheck (node)', process.execPath, [bin('typescript/bin/tsc'), '-p', 'tsconfig.node.json', '--noEmit']);
check('typecheck (web)', process.execPath, [bin('typescript/bin/tsc'), '-p', 'tsconfig.web.json', '--noEmit']);
check('lint', process.execPath, [bin('eslint/bin/eslint.js'), '.', '--max-warnings=0']);
check('layering', process.execPath, [join(root, 'scripts/check-layers.mjs')]);
check('format', process.execPath, [bin('prettier/bin/prettier.cjs'), '--check', '.', '--log-level=warn']);
const built = check('build', process.execPath, [join(root, 'scripts/build.mjs')]);

// vitest: all projects; counts come from its JSON report.
mkdirSync(join(root, 'test-results'), { recursive: true });
const report = join(root, 'test-results/vitest.json');
const projects = built ? [] : ['--project', 'unit'];
const v = run('vitest', process.execPath, [
  bin('vitest/vitest.mjs'),
  'run',
  ...projects,
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
]);
if (existsSync(report)) {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  passed += j.numPassedTests ?? 0;
  failed += (j.numFailedTests ?? 0) + (j.numFailedTestSuites ?? 0);
  if ((j.numFailedTests ?? 0) > 0 || (j.numFailedTestSuites ?? 0) > 0) failures.push('vitest');
  if (v.status !== 0 && !j.numFailedTests && !j.numFailedTestSuites) {
    failed++;
    failures.push('vitest (runner)');
  }
} else {
  failed++;
  failures.push('vitest (no report)');
}

// Python SDK (stdlib unittest) against a live server it starts itself.
const pyTests = join(root, 'sdk/python/tests');
if (existsSync(pyTests)) {
  const py = run('python sdk', 'python3', ['-m', 'unittest', 'discover', '-s', pyTests, '-t', join(root, 'sdk/python'), '-v'], {
    capture: true,
  });
  const out = `${py.stdout ?? ''}\n${py.stderr ?? ''}`;
  const ran = Number(/Ran (\d+) tests?/.exec(out)?.[1] ?? 0);
  const m = /FAILED \(([^)]*)\)/.exec(out);
  const bad = m ? m[1].split(',').reduce((n, part) => n + Number(/=(\d+)/.exec(part)?.[1] ?? 0), 0) : 0;
  const skipped = Number(/skipped=(\d+)/.exec(out)?.[1] ?? 0);
  passed += Math.max(0, ran - bad - skipped);
  failed += bad + (py.status !== 0 && bad === 0 ? 1 : 0);
  if (py.status !== 0) failures.push('python sdk');
}

console.log(`\n${failures.length ? `Failed: ${failures.join(', ')}` : 'All suites passed.'}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
