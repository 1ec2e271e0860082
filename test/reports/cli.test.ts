import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BriefSchema } from '../../src-shared/index.js';
import { briefFormat } from '../../src-main/cli/commands/report.js';
import { cleanEnv, NODE, ROOT, runCli, startServer, type LiveServer } from '../integrations/helpers.js';

/** `gatehouse report brief` against a running `gatehouse serve` (the built CLI, as a user runs it). */
let gh: LiveServer;
let dir = '';
const env = (extra: Record<string, string> = {}) => cleanEnv(extra);

/** The shared helper rebuilds the CLI for integration sources only; this verb lives elsewhere. */
function ensureCliHasReport(): void {
  const mtime = (p: string) => {
    try {
      return statSync(p).mtimeMs;
    } catch {
      return 0;
    }
  };
  const briefDir = join(ROOT, 'src-main/services/brief');
  const sources = [
    join(ROOT, 'src-main/cli/main.ts'),
    join(ROOT, 'src-main/cli/commands/report.ts'),
    ...readdirSync(briefDir).map((f) => join(briefDir, f)),
  ];
  if (mtime(join(ROOT, 'dist/cli/main.js')) >= Math.max(...sources.map(mtime))) return;
  const r = spawnSync(NODE, [join(ROOT, 'scripts/build.mjs'), '--cli'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

beforeAll(async () => {
  gh = await startServer();
  ensureCliHasReport();
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-report-cli-'));
  await gh.admin('POST', '/api/v1/policies', { id: 'no-drops', effect: 'deny', priority: 100, when: { action_type: 'database.drop' } });
  for (const [agent, type] of [
    ['cli-agent', 'file.read'],
    ['cli-agent', 'file.read'],
    ['cli-agent', 'database.drop'],
  ])
    await gh.admin('POST', '/api/v1/actions/submit', { agent_id: agent, action_type: type, resource: 'x' }, gh.agentKey);
}, 120_000);
afterAll(async () => {
  await gh?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('gatehouse report brief', () => {
  it('writes a PDF (the format from --out), printed by the Chromium it finds', async () => {
    const out = join(dir, 'brief.pdf');
    const r = await runCli(['report', 'brief', '--window', '30d', '--out', out, '--data-dir', gh.dataDir], null, env(), {
      timeoutMs: 120_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^Wrote .*brief\.pdf \(PDF, \d+ KB, last 30d\)\n$/);
    const pdf = readFileSync(out);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(10_000);
  });

  it('writes the HTML and the JSON', async () => {
    const html = join(dir, 'brief.html');
    const a = await runCli(['report', 'brief', '--window', '7d', '--out', html, '--data-dir', gh.dataDir], null, env());
    expect(a.code, a.stderr).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('last 7 days');
    const json = join(dir, 'brief.data');
    const b = await runCli(['report', 'brief', '--window', '7d', '--format', 'json', '--out', json, '--data-dir', gh.dataDir], null, env());
    expect(b.code, b.stderr).toBe(0);
    const data = BriefSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
    expect(data.window).toBe('7d');
    expect(data.totals).toMatchObject({ actions: 3, allowed: 2, denied: 1 });
  });

  it('--out - writes to standard output; a link to stdout is written through and stays a link', async () => {
    // As `audit export --out` does: before, `-` became a file named "-" in the current directory, and
    // a link (or /dev/stdout itself) was replaced by a file renamed onto it.
    const cwd = mkdtempSync(join(tmpdir(), 'gatehouse-report-cwd-'));
    try {
      const r = await runCli(['report', 'brief', '--format', 'html', '--out', '-', '--data-dir', gh.dataDir], null, env(), { cwd });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^<!doctype html>/);
      expect(r.stderr).toMatch(/^Wrote stdout \(HTML, \d+ KB, last 30d\)\n$/);
      expect(readdirSync(cwd)).toEqual([]);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
    // A link of our own to /proc/self/fd/1 (what /dev/stdout is), so a regression replaces that link, not the machine's.
    const link = join(dir, 'stdout');
    symlinkSync('/proc/self/fd/1', link);
    // Through a real pipe, as a shell makes one (Node's own stdio pipes are sockets, which /proc/self/fd cannot open).
    const d = spawnSync(
      'bash',
      ['-c', `"${NODE}" "${join(ROOT, 'bin/gatehouse.mjs')}" report brief --format json --out "${link}" --data-dir "${gh.dataDir}" | cat`],
      {
        encoding: 'utf8',
        env: env(),
      },
    );
    expect(d.status, d.stderr).toBe(0);
    expect(BriefSchema.parse(JSON.parse(d.stdout)).window).toBe('30d');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it('without Chromium: a one-line error suggesting --format html, and no file', async () => {
    const out = join(dir, 'none.pdf');
    const r = await runCli(
      ['report', 'brief', '--out', out, '--data-dir', gh.dataDir],
      null,
      env({ GATEHOUSE_CHROMIUM: '/nonexistent/chrome' }),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gatehouse: GATEHOUSE_CHROMIUM is set to \/nonexistent\/chrome.*--format html/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(() => statSync(out)).toThrow();
  });

  it('says so in one line when no server runs, and validates its options', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'gatehouse-report-none-'));
    try {
      const r = await runCli(['report', 'brief', '--out', join(dir, 'x.html'), '--data-dir', empty], null, env());
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^gatehouse: Gatehouse is not running/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    const bad = await runCli(['report', 'brief', '--window', '1d', '--out', join(dir, 'x.html'), '--data-dir', gh.dataDir], null, env());
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/1d.*(7d|choices)/s);
    const missing = await runCli(['report', 'brief', '--data-dir', gh.dataDir], null, env());
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/--out/);
  });

  it('infers the format from the file name', () => {
    expect(briefFormat({ out: 'a.PDF' })).toBe('pdf');
    expect(briefFormat({ out: 'a.htm' })).toBe('html');
    expect(briefFormat({ out: 'a.json' })).toBe('json');
    expect(briefFormat({ out: 'brief' })).toBe('pdf');
    expect(briefFormat({ out: 'a.json', format: 'html' })).toBe('html');
  });
});
