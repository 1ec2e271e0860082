import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import { afterEach, describe, expect, it } from 'vitest';
import { ZERO_HASH, type AuditRecord } from '../../src-shared/index.js';
import { verifyStore } from '../../src-main/audit/verify.js';
import { StoreStartupError } from '../../src-main/storage/startup.js';
import { openStore, type SqlStore } from '../../src-main/storage/store.js';
import { StorageUnavailableError } from '../../src-main/storage/types.js';
import { cleanupDirs, crashCopy, decided, faultyIO, tempDir } from './helpers.js';

const stores: SqlStore[] = [];
async function open(dataDir: string, extra: Partial<Parameters<typeof openStore>[0]> = {}): Promise<SqlStore> {
  const s = await openStore({ dataDir, log: () => undefined, ...extra });
  stores.push(s);
  return s;
}

async function commitMany(s: SqlStore, from: number, count: number): Promise<AuditRecord[]> {
  const all = await Promise.all(
    Array.from({ length: count }, (_, k) => {
      const c = decided(from + k);
      return s.commit(c.ops, c.audit);
    }),
  );
  return all.flat();
}

const count = (s: SqlStore, table: string) => s.get<{ c: number }>(`SELECT count(*) AS c FROM ${table}`)!.c;
const independentHash = (r: AuditRecord) => {
  const { hash: _h, ...rest } = r;
  return createHash('sha256').update(canonicalize(rest)!, 'utf8').digest('hex');
};

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => undefined);
  cleanupDirs();
});

describe('store: commit and chain', () => {
  it('assigns seq in call order and hashes exactly per SPEC 7.2', async () => {
    const s = await open(tempDir());
    const records = await commitMany(s, 1, 50);
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(records[0]!.prev_hash).toBe(ZERO_HASH);
    for (const [i, r] of records.entries()) {
      expect(r.hash).toBe(independentHash(r));
      if (i) expect(r.prev_hash).toBe(records[i - 1]!.hash);
      expect(r.id).toMatch(/^evt_/);
      expect(new Date(r.ts).toISOString()).toBe(r.ts);
    }
    expect(s.head()).toEqual({ seq: 50, hash: records[49]!.hash });
    expect(count(s, 'actions')).toBe(50);
    const row = s.get<Record<string, unknown>>('SELECT agent_id, decision, status, risk_level FROM audit WHERE seq = 5')!;
    expect(row).toEqual({ agent_id: 'agent-5', decision: 'pending', status: 'pending', risk_level: 'medium' });
  });

  it('timestamps never go backwards even if the clock does', async () => {
    let now = 2_000_000_000_000;
    const s = await open(tempDir(), { clock: { now: () => now } });
    const [a] = await s.commit([], [{ type: 'server.started', actor: 'system', data: {} }]);
    now -= 60_000;
    const [b] = await s.commit([], [{ type: 'server.stopped', actor: 'system', data: {} }]);
    expect(Date.parse(b!.ts)).toBeGreaterThanOrEqual(Date.parse(a!.ts));
  });

  it('rejects bad input before assigning anything', async () => {
    const s = await open(tempDir());
    await expect(s.commit([{ sql: 'SELECT ?', params: [Number.NaN] }])).rejects.toThrow(TypeError);
    await expect(s.commit([], [{ type: 'alert.triggered', actor: 'system', data: { x: Number.POSITIVE_INFINITY } }])).rejects.toThrow();
    await expect(s.commit([], [{ type: 'alert.triggered', actor: 'system', data: { x: '\ud800' } }])).rejects.toThrow();
    const [r] = await s.commit([], [{ type: 'alert.triggered', actor: 'system', data: {} }]);
    expect(r!.seq).toBe(1);
  });

  it('keeps reads read-only: writes must go through commit()', async () => {
    const s = await open(tempDir());
    expect(() => s.all('DELETE FROM audit')).toThrow(/commit/);
    expect(() => s.get("UPDATE meta SET value = 'x'")).toThrow(/commit/);
  });

  it('a failing op is rolled back, its audit record stands, and replay agrees', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await s.commit([{ sql: "INSERT INTO risk_rules(id, body) VALUES ('r1', 'a')" }]);
    const bad = s.commit(
      [{ sql: "INSERT INTO risk_rules(id, body) VALUES ('r2', 'b')" }, { sql: "INSERT INTO risk_rules(id, body) VALUES ('r1', 'dup')" }],
      [{ type: 'policy.updated', actor: 'user', data: { id: 'p' } }],
    );
    await expect(bad).rejects.toThrow(/UNIQUE/);
    expect(count(s, 'risk_rules')).toBe(1);
    expect(s.head().seq).toBe(1);
    const copy = await open(crashCopy(dir));
    expect(count(copy, 'risk_rules')).toBe(1);
    expect(copy.head()).toEqual(s.head());
  });

  it('cached statements keep working across snapshots', async () => {
    const s = await open(tempDir());
    await commitMany(s, 1, 3);
    expect(count(s, 'audit')).toBe(3);
    await s.snapshot();
    await commitMany(s, 4, 2);
    expect(count(s, 'audit')).toBe(5);
  });
});

describe('store: durability and recovery', () => {
  it('replays the journal tail after the snapshot (crash after a snapshot)', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await commitMany(s, 1, 120);
    await s.snapshot();
    await commitMany(s, 121, 40);
    const c = await open(crashCopy(dir));
    expect(c.recovery).toMatchObject({ snapshot: 'loaded', replayed: 40, droppedBytes: 0 });
    expect(c.head()).toEqual(s.head());
    expect(count(c, 'audit')).toBe(160);
    expect(count(c, 'actions')).toBe(160);
    expect((await verifyStore(c)).ok).toBe(true);
    // the recovered store continues the chain
    const [next] = await c.commit([], [{ type: 'server.started', actor: 'system', data: {} }]);
    expect(next).toMatchObject({ seq: 161, prev_hash: s.head().hash });
  });

  it('recovers everything from the journal alone (crash before any snapshot)', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await commitMany(s, 1, 30);
    const c = await open(crashCopy(dir));
    expect(c.recovery).toMatchObject({ snapshot: 'none', replayed: 30 });
    expect(c.head()).toEqual(s.head());
  });

  it('close() snapshots and leaves only an empty journal segment', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await commitMany(s, 1, 25);
    const head = s.head();
    await s.close();
    expect(readdirSync(join(dir, 'journal')).length).toBe(1);
    const again = await open(dir);
    expect(again.recovery).toMatchObject({ snapshot: 'loaded', replayed: 0 });
    expect(again.head()).toEqual(head);
    await expect(s.commit([], [])).rejects.toThrow(StorageUnavailableError);
  });

  it('snapshots periodically by entry count and drops covered segments', async () => {
    const dir = tempDir();
    const s = await open(dir, { snapshotEveryEntries: 10 });
    for (let i = 0; i < 35; i++) {
      const c = decided(i);
      await s.commit(c.ops, c.audit);
    }
    await s.snapshot(); // wait for any background one
    expect(existsSync(join(dir, 'gatehouse.sqlite'))).toBe(true);
    expect(readdirSync(join(dir, 'journal')).length).toBeLessThanOrEqual(2);
    const c = await open(crashCopy(dir));
    expect(c.head()).toEqual(s.head());
  });

  it('a damaged snapshot is rebuilt from the journal while the journal starts at entry 1', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await commitMany(s, 1, 20);
    const copy = crashCopy(dir); // journal from entry 1, no snapshot yet
    writeFileSync(join(copy, 'gatehouse.sqlite'), Buffer.concat([Buffer.from('SQLite format 3\u0000'), Buffer.alloc(5000)]));
    const c = await open(copy);
    expect(c.recovery.snapshot).toBe('rebuilt');
    expect(c.recovery.snapshotProblem).toBeTruthy();
    expect(c.head()).toEqual(s.head());
  });

  it('a damaged snapshot whose history is no longer in the journal fails loudly', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await commitMany(s, 1, 20);
    await s.snapshot(); // segments covered by it are deleted
    await commitMany(s, 21, 5);
    const copy = crashCopy(dir);
    const snap = join(copy, 'gatehouse.sqlite');
    const bytes = readFileSync(snap);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff; // one flipped bit in the middle: caught by the CRC
    writeFileSync(snap, bytes);
    const err = await openStore({ dataDir: copy, log: () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreStartupError);
    expect(String((err as Error).message)).toMatch(/checksum.*Restore gatehouse\.sqlite/s);
  });

  it('a missing snapshot with a journal that does not start at 1 fails loudly', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await commitMany(s, 1, 5);
    await s.snapshot();
    await commitMany(s, 6, 5);
    const copy = crashCopy(dir);
    writeFileSync(join(copy, 'gatehouse.sqlite'), '');
    await expect(openStore({ dataDir: copy, log: () => undefined })).rejects.toThrow(StoreStartupError);
  });
});

describe('store: write failures', () => {
  for (const what of ['write', 'fdatasync'] as const) {
    it(`a failed ${what} rejects with StorageUnavailableError, applies nothing, keeps the head, then recovers`, async () => {
      const dir = tempDir();
      const io = faultyIO();
      const s = await open(dir, { io });
      await commitMany(s, 1, 10);
      const head = s.head();
      io.fail[what] = true;
      io.syncDelayMs = 20;
      const failing = commitMany(s, 11, 5).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 5));
      const queued = commitMany(s, 16, 5).catch((e: unknown) => e); // queued behind the failing flush
      expect(await failing).toBeInstanceOf(StorageUnavailableError);
      expect(await queued).toBeInstanceOf(StorageUnavailableError);
      expect(s.writable).toBe(false);
      expect(s.head()).toEqual(head);
      expect(count(s, 'audit')).toBe(10);
      expect(count(s, 'actions')).toBe(10);
      // still failing: still rejected, still nothing applied
      await expect(commitMany(s, 21, 1)).rejects.toThrow(StorageUnavailableError);
      io.fail[what] = false;
      io.syncDelayMs = 0;
      const [r] = await commitMany(s, 22, 1);
      expect(r).toMatchObject({ seq: 11, prev_hash: head.hash });
      expect(s.writable).toBe(true);
      const c = await open(crashCopy(dir));
      expect(c.recovery.droppedBytes).toBe(0);
      expect(c.head()).toEqual(s.head());
      expect(count(c, 'audit')).toBe(11);
      expect((await verifyStore(c)).ok).toBe(true);
    });
  }

  it('retries the truncate before writing again when it failed too', async () => {
    const dir = tempDir();
    const io = faultyIO();
    const s = await open(dir, { io });
    await commitMany(s, 1, 3);
    io.fail.write = true;
    io.fail.ftruncate = true;
    await expect(commitMany(s, 4, 2)).rejects.toThrow(StorageUnavailableError);
    io.fail.write = false;
    // the half-written tail is still there: the next commit must fail rather than write after it
    await expect(commitMany(s, 6, 1)).rejects.toThrow(StorageUnavailableError);
    io.fail.ftruncate = false;
    await commitMany(s, 7, 2);
    expect(s.head().seq).toBe(5);
    const c = await open(crashCopy(dir));
    expect(c.recovery.droppedBytes).toBe(0);
    expect(c.head()).toEqual(s.head());
    expect((await verifyStore(c)).ok).toBe(true);
  });
});
