import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportToString } from '../../src-main/audit/export.js';
import { verifyJsonlFile, verifyStore } from '../../src-main/audit/verify.js';
import { jcs, rowHash, sha256Hex } from '../../src-main/audit/chain.js';
import type { AuditRow, Store } from '../../src-main/storage/types.js';
import { cleanupDirs, tempDir } from '../storage/helpers.js';
import { auditFixture } from './fixture.js';

afterEach(cleanupDirs);

/** A Store stand-in over edited rows, to tamper with the "database" under the verifier. */
function fakeStore(rows: AuditRow[], head: { seq: number; hash: string }): Store {
  return {
    head: () => head,
    auditRows: (after: number, limit: number) => rows.filter((r) => r.seq > after).slice(0, limit),
  } as unknown as Store;
}

async function exportFile(lines?: (l: string[]) => string[]): Promise<string> {
  const { store } = await auditFixture(30);
  const text = await exportToString(store, { format: 'jsonl' });
  await store.close();
  const file = join(tempDir('gh-verify-'), 'audit.jsonl');
  const all = text.trimEnd().split('\n');
  writeFileSync(file, `${(lines ? lines(all) : all).join('\n')}\n`);
  return file;
}

const edit = (line: string, f: (r: Record<string, unknown>) => void): string => {
  const r = JSON.parse(line) as Record<string, unknown>;
  f(r);
  return JSON.stringify(r);
};

describe('verify the live store', () => {
  it('accepts an intact chain and reports the head', async () => {
    const { store } = await auditFixture(40);
    const v = await verifyStore(store);
    expect(v).toEqual({ ok: true, records: 43, first_bad_seq: null, head_hash: store.head().hash, error: null });
    await store.close();
  });

  it('names the first bad seq for an edited, a re-hashed or a deleted record', async () => {
    const { store } = await auditFixture(20);
    const rows = store.auditRows(0, 1000);
    const head = store.head();
    await store.close();

    const edited = rows.map((r) => (r.seq === 5 ? { ...r, data: r.data.replace('agent-5', 'agent-X') } : r));
    expect(await verifyStore(fakeStore(edited, head))).toMatchObject({ ok: false, first_bad_seq: 5, records: 4 });

    // an attacker who also fixes the edited record's hash breaks the link of the next one
    const rehashed = edited.map((r) => (r.seq === 5 ? { ...r, hash: rowHash(r, rows[3]!.hash) } : r));
    expect(await verifyStore(fakeStore(rehashed, head))).toMatchObject({ ok: false, first_bad_seq: 6, records: 5 });

    const deleted = rows.filter((r) => r.seq !== 9);
    expect(await verifyStore(fakeStore(deleted, head))).toMatchObject({ ok: false, first_bad_seq: 9, error: 'record 9 is missing' });

    const truncated = rows.filter((r) => r.seq <= 15);
    expect(await verifyStore(fakeStore(truncated, head))).toMatchObject({ ok: false, first_bad_seq: 16 });
  });

  it('an empty log verifies', async () => {
    expect(await verifyStore(fakeStore([], { seq: 0, hash: '0'.repeat(64) }))).toMatchObject({ ok: true, records: 0, head_hash: null });
  });
});

describe('verify an export file offline', () => {
  it('accepts an untouched export', async () => {
    const file = await exportFile();
    expect(await verifyJsonlFile(file)).toMatchObject({ ok: true, records: 33, first_bad_seq: null });
  });

  it('detects an edited record', async () => {
    const file = await exportFile((l) =>
      l.map((x, i) => (i === 4 ? edit(x, (r) => ((r.data as Record<string, unknown>).decision = 'allowed')) : x)),
    );
    expect(await verifyJsonlFile(file)).toMatchObject({ ok: false, first_bad_seq: 5, records: 4 });
  });

  it('detects an edited record whose hash was recomputed (the next link breaks)', async () => {
    const file = await exportFile((l) =>
      l.map((x, i) =>
        i === 4
          ? edit(x, (r) => {
              (r.data as Record<string, unknown>).decision = 'allowed';
              const { hash: _h, ...rest } = r;
              r.hash = sha256Hex(jcs(rest));
            })
          : x,
      ),
    );
    const v = await verifyJsonlFile(file);
    expect(v).toMatchObject({ ok: false, first_bad_seq: 6 });
    expect(v.error).toMatch(/prev_hash/);
  });

  it('detects a deleted record', async () => {
    const file = await exportFile((l) => l.filter((_, i) => i !== 6));
    expect(await verifyJsonlFile(file)).toMatchObject({ ok: false, first_bad_seq: 7, error: 'record 7 is missing' });
  });

  it('detects reordered lines', async () => {
    const file = await exportFile((l) => {
      const c = [...l];
      [c[2], c[3]] = [c[3]!, c[2]!];
      return c;
    });
    expect(await verifyJsonlFile(file)).toMatchObject({ ok: false, first_bad_seq: 3 });
  });

  it('names the seq an unparseable line should have held', async () => {
    const file = await exportFile((l) => l.map((x, i) => (i === 11 ? x.slice(0, 40) : x)));
    expect(await verifyJsonlFile(file)).toMatchObject({ ok: false, first_bad_seq: 12, error: 'line 12 is not valid JSON' });
  });

  it('detects a removed beginning, and accepts it only when asked to (partial export)', async () => {
    const file = await exportFile((l) => l.slice(10));
    expect(await verifyJsonlFile(file)).toMatchObject({ ok: false, first_bad_seq: 1 });
    expect(await verifyJsonlFile(file, { partial: true })).toMatchObject({ ok: true, records: 23 });
  });

  it('rejects non-canonical extra fields', async () => {
    const file = await exportFile((l) => l.map((x, i) => (i === 0 ? edit(x, (r) => (r.extra = 1)) : x)));
    expect(await verifyJsonlFile(file)).toMatchObject({ ok: false, first_bad_seq: 1 });
    expect(readFileSync(file, 'utf8').length).toBeGreaterThan(0);
  });
});
