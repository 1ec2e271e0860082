import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalLine, hashRecord, jcs, rowHash, rowToRecord, sealFields } from '../../src-main/audit/chain.js';
import { cleanupDirs } from '../storage/helpers.js';
import { auditFixture } from './fixture.js';

afterEach(cleanupDirs);

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('hash chain', () => {
  it('hashes = SHA-256 of JCS(record without hash), computed independently', async () => {
    const { store, records } = await auditFixture(20);
    let prev = '0'.repeat(64);
    for (const r of records) {
      const { hash, ...rest } = r;
      expect(r.prev_hash).toBe(prev);
      expect(hash).toBe(sha(canonicalize(rest)!));
      expect(hashRecord(r)).toBe(hash);
      prev = hash;
    }
    await store.close();
  });

  it('builds the exact JCS line of a stored row, and the record back', async () => {
    const { store, records } = await auditFixture(10);
    const rows = store.auditRows(0, 100);
    expect(rows).toHaveLength(records.length);
    for (const [i, row] of rows.entries()) {
      const rec = records[i]!;
      expect(canonicalLine(row, rec.prev_hash)).toBe(canonicalize(rec));
      expect(rowHash(row, rec.prev_hash)).toBe(rec.hash);
      expect(rowToRecord(row, rec.prev_hash)).toEqual(JSON.parse(canonicalize(rec)!));
    }
    await store.close();
  });

  it('seals fields the same way canonicalize does, escapes included', () => {
    const fields = {
      seq: 3,
      id: 'evt_x',
      ts: '2026-01-01T00:00:00.000Z',
      type: 'alert.triggered',
      actor: 'agent:"q"\\',
      action_id: null,
      dataText: canonicalize({ b: 1.5, a: 'é\u2028\n' })!,
      prevHash: 'a'.repeat(64),
    };
    const { hash, line } = sealFields(fields);
    const rec = {
      seq: 3,
      id: 'evt_x',
      ts: fields.ts,
      type: fields.type,
      actor: fields.actor,
      action_id: null,
      data: { b: 1.5, a: 'é\u2028\n' },
      prev_hash: fields.prevHash,
    };
    expect(hash).toBe(sha(canonicalize(rec)!));
    expect(line).toBe(canonicalize({ ...rec, hash }));
  });

  it('jcs() equals the canonicalize package on any JSON value', () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    fc.assert(
      fc.property(json, (v) => jcs(v) === canonicalize(v)),
      { numRuns: 3000 },
    );
    const odd = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.string({ unit: 'binary-ascii' }),
      fc.string({ unit: 'grapheme' }),
      fc.constant(-0),
      fc.constant(1e21),
      fc.constant(5e-324),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'grapheme-composite' }), odd), (v) => jcs(v) === canonicalize(v)),
      { numRuns: 3000 },
    );
    expect(jcs({ d: new Date(0), u: undefined, a: [undefined, 1] })).toBe(
      canonicalize({ d: new Date(0), u: undefined, a: [undefined, 1] }),
    );
  });

  it('jcs() rejects what JSON cannot carry', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, '\ud800', { k: '\udc00x' }, { ['\ud800']: 1 }, 10n])
      expect(() => jcs(bad)).toThrow(TypeError);
    expect(jcs('\ud83d\ude80')).toBe('"🚀"');
  });
});
