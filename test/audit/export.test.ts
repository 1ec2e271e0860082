import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import { afterEach, describe, expect, it } from 'vitest';
import { exportAudit, exportToString } from '../../src-main/audit/export.js';
import { cefSeverity } from '../../src-main/audit/formats.js';
import { verifyJsonlFile } from '../../src-main/audit/verify.js';
import { cleanupDirs, tempDir } from '../storage/helpers.js';
import { T0, auditFixture } from './fixture.js';

afterEach(cleanupDirs);

/** A small RFC 4180 parser (quoted fields, doubled quotes, CRLF inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

describe('exports', () => {
  it('jsonl: exactly the SPEC 7.1 records, canonical, one a line; the verifier accepts it', async () => {
    const { store, records } = await auditFixture(25);
    const text = await exportToString(store, { format: 'jsonl' });
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(records.length);
    for (const [i, line] of lines.entries()) {
      expect(line).toBe(canonicalize(records[i]));
      expect(Object.keys(JSON.parse(line) as object)).toEqual([
        'action_id',
        'actor',
        'data',
        'hash',
        'id',
        'prev_hash',
        'seq',
        'ts',
        'type',
      ]);
    }
    const file = join(tempDir(), 'a.jsonl');
    writeFileSync(file, text);
    expect((await verifyJsonlFile(file)).ok).toBe(true);
    await store.close();
  });

  it('streams in batches (memory stays flat)', async () => {
    const { store, records } = await auditFixture(2500);
    const chunks: string[] = [];
    for await (const c of exportAudit(store, { format: 'jsonl' })) chunks.push(c);
    expect(chunks.length).toBe(Math.ceil(records.length / 1000));
    await store.close();
  });

  it('since/until select a time window; prev_hash still links to the record before it', async () => {
    const { store, records } = await auditFixture(25);
    const since = new Date(T0 + 5000).toISOString();
    const until = new Date(T0 + 9000).toISOString();
    const lines = (await exportToString(store, { format: 'jsonl', since, until })).trimEnd().split('\n');
    const seqs = lines.map((l) => (JSON.parse(l) as { seq: number }).seq);
    expect(seqs).toEqual([6, 7, 8, 9, 10]);
    expect((JSON.parse(lines[0]!) as { prev_hash: string }).prev_hash).toBe(records[4]!.hash);
    expect(await exportToString(store, { format: 'jsonl', since: '2030-01-01T00:00:00Z' })).toBe('');
    await store.close();
  });

  it('csv: header plus one RFC 4180 row per record, data as JSON', async () => {
    const { store, records } = await auditFixture(10);
    const text = await exportToString(store, { format: 'csv' });
    const rows = parseCsv(text);
    expect(rows[0]).toEqual(['seq', 'id', 'ts', 'type', 'actor', 'action_id', 'data', 'prev_hash', 'hash']);
    expect(rows).toHaveLength(records.length + 1);
    for (const [i, r] of records.entries()) {
      const row = rows[i + 1]!;
      expect(row).toEqual([String(r.seq), r.id, r.ts, r.type, r.actor, r.action_id ?? '', canonicalize(r.data), r.prev_hash, r.hash]);
    }
    expect(rows[7]![6]).toContain('\\n'); // record 7's description has quotes, a comma and a newline (JSON-escaped)
    await store.close();
  });

  it('cef: one ArcSight CEF line per record, escaped, severity from risk', async () => {
    const { store, records } = await auditFixture(10);
    const lines = (await exportToString(store, { format: 'cef' })).trimEnd().split('\n');
    expect(lines).toHaveLength(records.length);
    for (const l of lines) expect(l).toMatch(/^CEF:0\|Gatehouse\|Gatehouse\|\d+\.\d+\.\d+\|[a-z_.]+\|.+\|(1|3|5|8|10)\|rt=\d+ /);
    const seven = lines[6]!;
    expect(seven).toContain('|action.decided|Action decided: database.query (denied)|10|'); // decided(7): critical risk
    expect(seven).toContain('msg=reason 7');
    expect(seven).toContain('cs1Label=action_id cs1=act_test00000007');
    expect(seven).toContain('cs5Label=resource cs5=s3://backups/nightly');
    expect(seven).toContain(`suser=agent-0 `);
    const policy = lines[10]!;
    expect(policy).toContain('|policy.created|Policy created: Prod \\| deletes|1|');
    const escaped = lines.find((l) => l.includes('looks fine'))!;
    expect(escaped).toContain('msg=looks fine — ok ✅');
    await store.close();
  });

  it('cef escaping of header and extension values', async () => {
    const { store } = await auditFixture(1);
    await store.commit(
      [],
      [{ type: 'alert.triggered', actor: 'system', data: { name: 'a|b\\c', reason: 'x=1\ny\r\\z\r\nw', risk: { score: 95 } } }],
    );
    const last = (await exportToString(store, { format: 'cef' })).trimEnd().split('\n').pop()!;
    expect(last).toContain('|Alert triggered: a\\|b\\\\c|10|');
    expect(last).toContain('msg=x\\=1\\ny\\r\\\\z\\r\\nw'); // a CRLF keeps its CR
    expect(last.split('\n')).toHaveLength(1);
    await store.close();
  });

  it('maps risk to CEF severity', () => {
    expect(cefSeverity({ risk: { level: 'low' } })).toBe(3);
    expect(cefSeverity({ risk: { level: 'medium', score: 99 } })).toBe(5);
    expect(cefSeverity({ risk: { level: 'high' } })).toBe(8);
    expect(cefSeverity({ risk: { level: 'critical' } })).toBe(10);
    expect(cefSeverity({ risk: { score: 75 } })).toBe(8);
    expect(cefSeverity({})).toBe(1);
  });
});
