import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditVerify } from '../../src-main/cli/commands/audit-verify.js';
import { openTestCore, type TestCore } from '../helpers/core.js';
import { cleanupDirs, tempDir } from '../storage/helpers.js';
import { addRecords } from './records.js';
import { rehashFrom } from './forge.js';

/**
 * The attack (issue 18): take an export, change record 200, recompute every hash after it.
 * The chain alone accepts the forgery; a signed checkpoint catches it and narrows where it is.
 */

function capture() {
  let out = '';
  const stderr = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
  return { io: { stdout: (s: string) => void (out += s), stderr }, out: () => out };
}

let core: TestCore;
let dir: string;
let lines: string[];
let cpFile: string;
let pubFile: string;
/** The sizes of the checkpoints signed into the log, in order. */
const signedSizes: number[] = [];

const add = (n: number) => addRecords(core, n);

beforeAll(async () => {
  core = await openTestCore({ checkpoints: { enabled: false } });
  dir = tempDir('gh-forgery-');
  for (const n of [150, 100, 120]) {
    await add(n);
    signedSizes.push((await core.g.checkpoints.sign())!.size);
  }
  await add(30); // records after the last checkpoint: the export is longer than the held checkpoint
  const res = await core.req('GET', '/api/v1/audit/export?format=jsonl');
  lines = (await res.text()).trimEnd().split('\n');
  cpFile = join(dir, 'checkpoint.txt');
  writeFileSync(cpFile, await (await core.req('GET', '/api/v1/audit/checkpoint')).text());
  pubFile = join(dir, 'audit-key.pub');
  copyFileSync(join(core.dataDir, 'audit-key.pub'), pubFile);
});
afterAll(async () => {
  await core.close();
  cleanupDirs();
});

function write(name: string, ls: string[]): string {
  const f = join(dir, name);
  writeFileSync(f, `${ls.join('\n')}\n`);
  return f;
}

async function verify(file: string, signed: boolean): Promise<{ code: number; out: string }> {
  const c = capture();
  const code = await auditVerify(signed ? { file, checkpoint: cpFile, publicKey: pubFile } : { file }, c.io);
  return { code, out: c.out() };
}

describe('an export checked against a signed checkpoint (issue 18, SPEC 7.6)', () => {
  it('the real export is exactly the signed tree (a prefix of it: later records are named as not covered)', async () => {
    const r = await verify(write('real.jsonl', lines), true);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`OK: the first ${signedSizes[2]} records are exactly the signed tree`);
    expect(r.out).toContain(`records ${signedSizes[2]! + 1}..${lines.length} chain on from it`);
  });

  it('the issue forgery: record 200 changed, every hash after it recomputed — the chain passes it, the checkpoint catches it', async () => {
    const forged = rehashFrom(lines, 200, (rec) => {
      (rec.data as Record<string, unknown>).i = 'forged';
    });
    expect(forged[199]).not.toBe(lines[199]);
    const file = write('forged.jsonl', forged);

    const chainOnly = await verify(file, false);
    expect(chainOnly.code).toBe(0); // what 0.1 could say: the chain is intact
    expect(chainOnly.out).toContain(`OK, ${lines.length} records`);

    const signed = await verify(file, true);
    expect(signed.code).toBe(1);
    expect(signed.out).toContain('FORGED or altered');
    // Record 200 lies between the first signed size (≈151, still reproduced) and the second (not).
    expect(signedSizes[0]).toBeLessThan(200);
    expect(signedSizes[1]).toBeGreaterThanOrEqual(200);
    expect(signed.out).toContain(`the first differing record lies in seq ${signedSizes[0]! + 1}..${signedSizes[1]}`);

    const json = capture();
    await auditVerify({ file, checkpoint: cpFile, publicKey: pubFile, json: true }, json.io);
    expect(JSON.parse(json.out())).toMatchObject({ ok: false, differs: { from: signedSizes[0]! + 1, to: signedSizes[1] } });
  });

  it('with the checkpoints inside the export made unusable too, it is still caught, localised only to the held range', async () => {
    const forged = rehashFrom(lines, 200, (rec) => {
      (rec.data as Record<string, unknown>).i = 'forged';
    });
    // The forger also breaks the signed notes in the log (it cannot make new ones) and re-chains.
    const scrubbed = rehashFrom(
      forged.map((l) => l.replace(/"note":"[^"]*"/, '"note":"x"')),
      1,
      () => undefined,
    );
    const r = await verify(write('scrubbed.jsonl', scrubbed), true);
    expect(r.code).toBe(1);
    expect(r.out).toContain('checkpoint record(s) in the export do not verify');
    expect(r.out).toContain(`the first differing record lies in seq 1..${signedSizes[2]}`);
  });

  it('a tampered checkpoint, a wrong key, or a short export fail', async () => {
    const real = write('real2.jsonl', lines);
    const cp = (await import('node:fs')).readFileSync(cpFile, 'utf8');
    const tampered = join(dir, 'tampered.txt');
    writeFileSync(
      tampered,
      cp.replace(/\n(\d+)\n/, (_m, n: string) => `\n${Number(n) - 1}\n`),
    );
    const c = capture();
    expect(await auditVerify({ file: real, checkpoint: tampered, publicKey: pubFile }, c.io)).toBe(1);
    expect(c.out()).toContain('does not verify');
    const otherKey = join(dir, 'other.pub');
    writeFileSync(otherKey, Buffer.alloc(32, 9).toString('base64'));
    expect(await auditVerify({ file: real, checkpoint: cpFile, publicKey: otherKey }, capture().io)).toBe(1);
    const short = await verify(write('short.jsonl', lines.slice(0, 300)), true);
    expect(short.code).toBe(1);
    expect(short.out).toContain(`records 301..${signedSizes[2]} are missing`);
  });

  it.skipIf(spawnSync('python3', ['--version']).status !== 0 || spawnSync('openssl', ['version']).status !== 0)(
    "the README's other-language check: Python (stdlib) for the root, openssl for the signature",
    () => {
      const py = fileURLToPath(new URL('../../docs/verify_checkpoint.py', import.meta.url));
      const sh = fileURLToPath(new URL('../../docs/verify_checkpoint_signature.sh', import.meta.url));
      const real = write('real3.jsonl', lines);
      const ok = spawnSync('python3', [py, real, cpFile], { encoding: 'utf8' });
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stdout).toContain(`OK: the first ${signedSizes[2]} records reproduce the root`);
      const forged = write(
        'forged3.jsonl',
        rehashFrom(lines, 200, (rec) => void ((rec.data as Record<string, unknown>).i = 'x')),
      );
      const bad = spawnSync('python3', [py, forged, cpFile], { encoding: 'utf8' });
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain('MISMATCH');

      const sig = spawnSync('sh', [sh, cpFile, pubFile], { encoding: 'utf8' });
      expect(sig.status, sig.stderr).toBe(0);
      expect(sig.stdout).toContain('Signature Verified Successfully');
      const cp = (spawnSync('cat', [cpFile], { encoding: 'utf8' }).stdout as string).replace(
        /\n(\d+)\n/,
        (_m, n: string) => `\n${Number(n) + 1}\n`,
      );
      const tampered = join(dir, 'tampered-cp.txt');
      writeFileSync(tampered, cp);
      const sigBad = spawnSync('sh', [sh, tampered, pubFile], { encoding: 'utf8' });
      expect(sigBad.status).not.toBe(0);
      expect(sigBad.stdout).toContain('Signature Verification Failure');
    },
  );

  it.skipIf(spawnSync('python3', ['--version']).status !== 0 || spawnSync('openssl', ['version']).status !== 0)(
    "the README's snippets themselves, run as printed",
    () => {
      const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
      const section = readme.slice(readme.indexOf('The same check in another language'));
      const py = /```python\n([\s\S]+?)```/.exec(section)![1]!;
      const sh = /```sh\n([\s\S]+?)```/.exec(section)![1]!;
      const work = tempDir('gh-readme-');
      writeFileSync(join(work, 'check.py'), py);
      copyFileSync(cpFile, join(work, 'checkpoint.txt'));
      copyFileSync(pubFile, join(work, 'audit-key.pub'));
      const run = (file: string) =>
        spawnSync('python3', ['check.py', file, 'checkpoint.txt'], { cwd: work, encoding: 'utf8' }).stdout.trim();
      expect(run(write('readme-real.jsonl', lines))).toBe('OK');
      expect(
        run(
          write(
            'readme-forged.jsonl',
            rehashFrom(lines, 200, (rec) => void ((rec.data as Record<string, unknown>).i = 'x')),
          ),
        ),
      ).toBe('MISMATCH');
      const ok = spawnSync('sh', ['-c', sh], { cwd: work, encoding: 'utf8' });
      expect(ok.stdout).toContain('Signature Verified Successfully');
      writeFileSync(join(work, 'checkpoint.txt'), readFileSync(cpFile, 'utf8').replace('gatehouse.local', 'gatehouse.locaL'));
      const bad = spawnSync('sh', ['-c', sh], { cwd: work, encoding: 'utf8' });
      expect(bad.status).not.toBe(0);
    },
  );
});
