import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { exportToString } from '../../src-main/audit/export.js';
import { cleanupDirs, tempDir } from '../storage/helpers.js';
import { auditFixture } from './fixture.js';

const script = fileURLToPath(new URL('../../docs/verify_export.py', import.meta.url));
const hasPython = spawnSync('python3', ['--version']).status === 0;

afterEach(cleanupDirs);

function runPython(file: string) {
  const r = spawnSync('python3', [script, file], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr };
}

describe.skipIf(!hasPython)('the README verification snippet (docs/verify_export.py)', () => {
  it('verifies a real export, and names the first bad seq of tampered ones', async () => {
    const { store, records } = await auditFixture(40, { tinyFloat: false });
    const text = await exportToString(store, { format: 'jsonl' });
    await store.close();
    const dir = tempDir('gh-py-');
    const write = (name: string, lines: string[]) => {
      const f = join(dir, name);
      writeFileSync(f, `${lines.join('\n')}\n`);
      return f;
    };
    const lines = text.trimEnd().split('\n');

    const ok = runPython(write('ok.jsonl', lines));
    expect(ok).toMatchObject({ code: 0, out: `OK: ${records.length} records, head ${records.at(-1)!.hash}` });

    const edited = lines.map((l, i) => (i === 9 ? l.replace(/"decision":"\w+"/, '"decision":"allowed-by-hand"') : l));
    expect(edited[9]).not.toBe(lines[9]);
    expect(runPython(write('edited.jsonl', edited))).toMatchObject({ code: 1, out: 'BROKEN at seq 10: hash does not match the record' });

    const deleted = lines.filter((_, i) => i !== 19);
    expect(runPython(write('deleted.jsonl', deleted))).toMatchObject({ code: 1, out: 'BROKEN at seq 20: record missing or out of order' });

    const swapped = [...lines];
    [swapped[4], swapped[5]] = [swapped[5]!, swapped[4]!];
    expect(runPython(write('swapped.jsonl', swapped)).out).toBe('BROKEN at seq 5: record missing or out of order');
  });

  it('caveat (documented): a float JCS writes in exponent form is formatted differently by Python', async () => {
    const { store } = await auditFixture(2, { tinyFloat: true });
    const file = join(tempDir('gh-py-'), 'floats.jsonl');
    writeFileSync(file, await exportToString(store, { format: 'jsonl' }));
    await store.close();
    expect(runPython(file)).toMatchObject({ code: 1, out: 'BROKEN at seq 5: hash does not match the record' }); // -3.25e-9 vs -3.25e-09
  });
});
