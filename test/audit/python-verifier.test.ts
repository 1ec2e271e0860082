import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src-shared/index.js';
import { hashRecord, jcs } from '../../src-main/audit/chain.js';
import { exportToString } from '../../src-main/audit/export.js';
import { cleanupDirs, tempDir } from '../storage/helpers.js';
import { auditFixture } from './fixture.js';

const script = fileURLToPath(new URL('../../docs/verify_export.py', import.meta.url));
const README = fileURLToPath(new URL('../../README.md', import.meta.url));
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

    // The signed `data` last (what json.loads keeps), another first (what a first-wins reader shows).
    const repeated = lines.map((l, i) => (i === 11 ? `{"data":{"decision":"allowed-by-hand"},${l.slice(1)}` : l));
    expect(runPython(write('repeated.jsonl', repeated))).toMatchObject({ code: 1, out: 'BROKEN at seq 12: a key is repeated in the line' });

    const swapped = [...lines];
    [swapped[4], swapped[5]] = [swapped[5]!, swapped[4]!];
    expect(runPython(write('swapped.jsonl', swapped)).out).toBe('BROKEN at seq 5: record missing or out of order');
  });

  it('verifies what plain json.dumps would not: keys outside the BMP, and the ECMAScript forms of small and huge numbers', async () => {
    const { store } = await auditFixture(2, { tinyFloat: true }); // -3.25e-9: Python writes -3.25e-09
    const fixture = await exportToString(store, { format: 'jsonl' });
    await store.close();
    // Records as an agent's context can make them: UTF-16 order differs from code point order for
    // "😀" (U+1F600, D83D DE00) and "｡" (U+FF61); numbers JCS writes unlike Python's repr.
    const numbers = [1e-7, 0.00001, 1.5e-6, 0.000123, -3.25e-9, 1e21, 1.5e300, 0.1, 123.456, -0.5, 5e-324, 2 ** 53 - 1];
    const lines = fixture.trimEnd().split('\n');
    let prev = (JSON.parse(lines.at(-1)!) as AuditRecord).hash;
    for (let i = 0; i < 3; i++) {
      const record: Omit<AuditRecord, 'hash'> = {
        seq: lines.length + 1,
        id: `evt_py${i}`,
        ts: '2026-11-28T12:00:00.000Z',
        type: 'action.decided',
        actor: 'agent:py',
        action_id: null,
        data: { context: { k: { z: 2, '😀': 3, '｡': 4, é: i }, numbers: numbers.map((n) => n * (i + 1)) } },
        prev_hash: prev,
      };
      prev = hashRecord(record);
      lines.push(jcs({ ...record, hash: prev }));
    }
    const file = join(tempDir('gh-py-'), 'awkward.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    expect(runPython(file)).toMatchObject({ code: 0, out: `OK: ${lines.length} records, head ${prev}` });
    // The README's own snippet, run as printed.
    const snippet = /```python\n(import hashlib, json, sys\n[\s\S]*?)```/.exec(readFileSync(README, 'utf8'))![1]!;
    const readme = join(tempDir('gh-py-'), 'readme_snippet.py');
    writeFileSync(readme, snippet);
    const r = spawnSync('python3', [readme, file], { encoding: 'utf8' });
    expect({ code: r.status, out: r.stdout.trim() }).toEqual({ code: 0, out: `OK: ${lines.length} records, head ${prev}` });
    const tampered = join(tempDir('gh-py-'), 'tampered.jsonl');
    writeFileSync(tampered, `${lines.map((l, i) => (i === lines.length - 2 ? l.replace('"z":2', '"z":3') : l)).join('\n')}\n`);
    expect(spawnSync('python3', [readme, tampered], { encoding: 'utf8' }).stderr.trim()).toBe(`BROKEN at seq ${lines.length - 1}`);
    const repeated = join(tempDir('gh-py-'), 'repeated.jsonl');
    writeFileSync(repeated, `${lines.map((l, i) => (i === lines.length - 2 ? `{"data":{},${l.slice(1)}` : l)).join('\n')}\n`);
    const r2 = spawnSync('python3', [readme, repeated], { encoding: 'utf8' });
    expect({ code: r2.status, err: r2.stderr.trim() }).toEqual({ code: 1, err: `BROKEN at seq ${lines.length - 1}` });
  });
});
