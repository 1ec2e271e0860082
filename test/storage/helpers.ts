import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditDraft, Op } from '../../src-main/storage/types.js';
import { nodeIO, type StorageIO } from '../../src-main/storage/io.js';

const dirs: string[] = [];

/** A fresh temporary directory, removed by `cleanupDirs()`. */
export function tempDir(prefix = 'gh-store-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function cleanupDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A copy of a data directory as it is on disk right now (what a crash would leave). */
export function crashCopy(dataDir: string): string {
  const d = tempDir('gh-crash-');
  cpSync(dataDir, d, { recursive: true });
  return d;
}

/** node:fs with counters and switches to make writes, fsyncs or truncates fail. */
export interface FaultyIO extends StorageIO {
  counts: { write: number; fdatasync: number; ftruncate: number };
  fail: { write: boolean; fdatasync: boolean; ftruncate: boolean };
  /** Delay (ms) added to fdatasync, to let commits pile up behind a flush. */
  syncDelayMs: number;
}

export function faultyIO(): FaultyIO {
  const io: FaultyIO = {
    ...nodeIO,
    counts: { write: 0, fdatasync: 0, ftruncate: 0 },
    fail: { write: false, fdatasync: false, ftruncate: false },
    syncDelayMs: 0,
    async write(fd, buf, off, len, pos) {
      io.counts.write++;
      if (io.fail.write) {
        // Half the bytes reach the file before the error, like a disk filling up.
        await nodeIO.write(fd, buf, off, Math.floor(len / 2), pos);
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      }
      return nodeIO.write(fd, buf, off, len, pos);
    },
    async fdatasync(fd) {
      io.counts.fdatasync++;
      if (io.syncDelayMs) await new Promise((r) => setTimeout(r, io.syncDelayMs));
      if (io.fail.fdatasync) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
      return nodeIO.fdatasync(fd);
    },
    async ftruncate(fd, len) {
      io.counts.ftruncate++;
      if (io.fail.ftruncate) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
      return nodeIO.ftruncate(fd, len);
    },
  };
  return io;
}

/** A realistic `action.decided` commit: the audit record plus the `actions` row the API writes. */
export function decided(
  i: number,
  over: Partial<{ agent: string; decision: string; level: string; resource: string; description: string }> = {},
): { ops: Op[]; audit: AuditDraft[] } {
  const agent = over.agent ?? `agent-${i % 7}`;
  const decision = over.decision ?? (['allowed', 'denied', 'pending'] as const)[i % 3]!;
  const level = over.level ?? (['low', 'medium', 'high', 'critical'] as const)[i % 4]!;
  const actionId = `act_test${String(i).padStart(8, '0')}`;
  const data = {
    agent_id: agent,
    action_type: i % 2 ? 'database.query' : 'file.write',
    resource: over.resource ?? `postgres://prod/table_${i % 13}`,
    description: over.description ?? `test action number ${i}`,
    parameters: { sql: `SELECT * FROM t WHERE id = ${i}` },
    decision,
    status: decision,
    risk: { score: (i * 7) % 100, level, factors: [{ id: 'base', points: 10, detail: 'verb' }] },
    policy: { id: 'pol-default', name: 'Default policy', effect: 'allow' },
    reason: `reason ${i}`,
  };
  return {
    ops: [
      {
        sql: 'INSERT INTO actions(action_id, seq, created_ms, agent_id, action_type, resource, decision, status, risk_score, risk_level) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        params: [actionId, 0, 1_700_000_000_000 + i, agent, data.action_type, data.resource, decision, decision, data.risk.score, level],
      },
    ],
    audit: [{ type: 'action.decided', actor: `agent:${agent}`, action_id: actionId, data }],
  };
}
