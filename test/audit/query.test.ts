import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditQueryError, queryAudit, queryAuditText, toFtsQuery } from '../../src-main/audit/query.js';
import type { SqliteStore } from '../../src-main/storage/store.js';
import type { AuditRecord } from '../../src-shared/index.js';
import { cleanupDirs } from '../storage/helpers.js';
import { T0, auditFixture } from './fixture.js';

let store: SqliteStore;
let records: AuditRecord[];

beforeAll(async () => {
  ({ store, records } = await auditFixture(90));
});
afterAll(async () => {
  await store.close();
  cleanupDirs();
});

const seqs = (items: AuditRecord[]) => items.map((r) => r.seq);
const newestFirst = (pred: (r: AuditRecord) => boolean) =>
  records
    .filter(pred)
    .map((r) => r.seq)
    .reverse();
const data = (r: AuditRecord) => r.data as Record<string, unknown>;

describe('queryAudit', () => {
  it('returns full SPEC 7.1 records newest first', () => {
    const page = queryAudit(store, { limit: 5 });
    expect(seqs(page.items)).toEqual([93, 92, 91, 90, 89]);
    expect(page.items[0]).toEqual(records[92]);
    expect(page.items[4]).toEqual(records[88]);
    expect(page.next_cursor).toEqual(expect.any(String));
  });

  it('pages through everything with the cursor, without repeats', () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = queryAudit(store, { limit: 7, cursor });
      seen.push(...seqs(page.items));
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    expect(seen).toEqual(newestFirst(() => true));
  });

  it('filters by type, agent, action, decision, status, risk level', () => {
    expect(seqs(queryAudit(store, { type: 'policy.created' }).items)).toEqual([91]);
    expect(seqs(queryAudit(store, { agent_id: 'agent-3', limit: 1000 }).items)).toEqual(newestFirst((r) => data(r).agent_id === 'agent-3'));
    expect(seqs(queryAudit(store, { decision: 'denied', limit: 1000 }).items)).toEqual(newestFirst((r) => data(r).decision === 'denied'));
    expect(seqs(queryAudit(store, { status: 'approved' }).items)).toEqual([92]);
    expect(seqs(queryAudit(store, { risk_level: 'critical', agent_id: 'agent-1', limit: 1000 }).items)).toEqual(
      newestFirst((r) => (data(r).risk as { level?: string } | undefined)?.level === 'critical' && data(r).agent_id === 'agent-1'),
    );
    const act = records[2]!.action_id!;
    expect(seqs(queryAudit(store, { action_id: act }).items)).toEqual([92, 3]);
  });

  it('filters by time (since/until inclusive) combined with other filters and the cursor', () => {
    const since = new Date(T0 + 10_000).toISOString();
    const until = new Date(T0 + 30_000).toISOString();
    const expected = newestFirst(
      (r) => Date.parse(r.ts) >= T0 + 10_000 && Date.parse(r.ts) <= T0 + 30_000 && data(r).decision === 'allowed',
    );
    const first = queryAudit(store, { since, until, decision: 'allowed', limit: 3 });
    const second = queryAudit(store, { since, until, decision: 'allowed', limit: 100, cursor: first.next_cursor! });
    expect([...seqs(first.items), ...seqs(second.items)]).toEqual(expected);
    expect(second.next_cursor).toBeNull();
    expect(queryAudit(store, { since: '2031-01-01T00:00:00Z' }).items).toEqual([]);
  });

  it('finds free text in resource, description, reason, action id, policy and comments', () => {
    expect(seqs(queryAudit(store, { q: 'nightly' }).items)).toEqual([7]);
    expect(seqs(queryAudit(store, { q: 's3://backups/nightly' }).items)).toEqual([7]);
    expect(seqs(queryAudit(store, { q: 'act_test00000042' }).items)).toEqual([42]);
    expect(seqs(queryAudit(store, { q: 'looks fine' }).items)).toEqual([92]);
    expect(seqs(queryAudit(store, { q: 'VACUUM' }).items)).toEqual([7]);
    expect(seqs(queryAudit(store, { q: 'vacu*' }).items)).toEqual([7]);
    // SPEC 8: prefixes match ('prod' finds 'production', 'nigh' finds 'nightly')
    expect(seqs(queryAudit(store, { q: 'nigh' }).items)).toEqual([7]);
    expect(seqs(queryAudit(store, { q: 'backu nigh' }).items)).toEqual([7]);
    expect(seqs(queryAudit(store, { q: 'prod dele' }).items)).toEqual([91]);
    expect(seqs(queryAudit(store, { q: 'table_5', agent_id: 'agent-5', limit: 100 }).items)).toEqual(
      newestFirst((r) => data(r).resource === 'postgres://prod/table_5' && data(r).agent_id === 'agent-5'),
    );
    const all = newestFirst((r) => String(data(r).description ?? '').startsWith('test action number'));
    const p1 = queryAudit(store, { q: 'test action number', limit: 10 });
    const p2 = queryAudit(store, { q: 'test action number', limit: 100, cursor: p1.next_cursor! });
    expect([...seqs(p1.items), ...seqs(p2.items)]).toEqual(all);
  });

  it('never lets FTS syntax through: hostile text is searched as words or matches nothing', () => {
    for (const q of [
      '"',
      "'",
      '(',
      ')',
      'AND',
      'OR NOT x',
      'NEAR/2',
      '*',
      'body:x',
      '-nightly',
      '^x',
      '"unterminated',
      'a OR b) (',
      '\u0000',
      'Zürich',
      '東京',
      'x'.repeat(512),
    ]) {
      expect(() => queryAudit(store, { q })).not.toThrow();
    }
    expect(seqs(queryAudit(store, { q: 'Zürich' }).items)).toEqual([]); // not an indexed field
    expect(queryAudit(store, { q: '"()*' }).items).toEqual([]);
  });

  it("as JSON text (the page thread's), answers the same records: each the stored JCS line of the record", () => {
    const queries = [
      { limit: 5 },
      { limit: 200 },
      { type: 'action.decided', limit: 7 },
      { q: 'prod', limit: 9 },
      { decision: 'denied' as const, risk_level: 'high' as const },
    ];
    for (const q of queries) {
      const text = queryAuditText(store, q);
      expect(JSON.parse(text), JSON.stringify(q)).toEqual(queryAudit(store, q));
    }
    const [first] = (JSON.parse(queryAuditText(store, { limit: 1 })) as { items: AuditRecord[] }).items;
    const line = /^\{"items":\[(.*)\],"next_cursor":"[^"]+"\}$/.exec(queryAuditText(store, { limit: 1 }))![1];
    expect(Object.keys(first!)).toEqual(['action_id', 'actor', 'data', 'hash', 'id', 'prev_hash', 'seq', 'ts', 'type']);
    expect(line).toBe(JSON.stringify(first));
    expect(() => queryAuditText(store, { cursor: 'bm9wZQ' })).toThrow(AuditQueryError);
  });

  it('rejects bad input with AuditQueryError (a 400, never a 500)', () => {
    expect(() => queryAudit(store, { cursor: 'garbage!' })).toThrow(AuditQueryError);
    expect(() => queryAudit(store, { q: 'x'.repeat(600) })).toThrow(AuditQueryError);
    expect(() => queryAudit(store, { limit: 0 })).toThrow(AuditQueryError);
  });
});

describe('toFtsQuery', () => {
  it('quotes each word as a phrase of its tokens', () => {
    expect(toFtsQuery('rm -rf /etc')).toBe('"rm" "rf" "etc"*');
    expect(toFtsQuery('act_9f2c')).toBe('"act 9f2c"*');
    expect(toFtsQuery('Delete* OR')).toBe('"delete"* "or"');
    expect(toFtsQuery('a b')).toBe('"a" "b"'); // a one-letter prefix would match half the index
    expect(toFtsQuery('productions')).toBe('"productions"*');
    expect(toFtsQuery('"(*)"')).toBeNull();
    expect(toFtsQuery('')).toBeNull();
  });
});
