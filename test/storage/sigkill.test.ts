import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyStore } from '../../src-main/audit/verify.js';
import { openStore } from '../../src-main/storage/store.js';
import { cleanupDirs, tempDir } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/committer.ts', import.meta.url));

/** Runs the committer until it has acknowledged `atLeast` more commits, then SIGKILLs it. */
function runAndKill(dataDir: string, atLeast: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dataDir, '32', '700'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[] = [];
    let buf = '';
    let err = '';
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) if (/^\d+$/.test(l)) acked.push(Number(l));
      if (!killed && acked.length >= atLeast) {
        killed = true;
        // kill a little later, at a random point mid-stream
        setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 40));
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`committer exited with ${code}: ${err}`));
    });
  });
}

afterEach(cleanupDirs);

describe('kill -9', () => {
  it('loses no acknowledged commit and leaves a chain that verifies', { timeout: 120_000 }, async () => {
    const dir = tempDir('gh-kill-');
    const acked = new Set<number>();
    for (let round = 0; round < 3; round++) {
      for (const seq of await runAndKill(dir, 1500)) acked.add(seq);
      const store = await openStore({ dataDir: dir, log: () => undefined });
      const head = store.head().seq;
      const maxAcked = Math.max(...acked);
      expect(head).toBeGreaterThanOrEqual(maxAcked);
      const present = new Set(store.all<{ seq: number }>('SELECT seq FROM audit').map((r) => r.seq));
      const missing = [...acked].filter((s) => !present.has(s));
      expect(missing).toEqual([]);
      const v = await verifyStore(store);
      expect(v).toMatchObject({ ok: true, records: head, first_bad_seq: null });
      // every record's `actions` row was committed with it (same transaction)
      expect(store.get<{ c: number }>('SELECT count(*) AS c FROM actions')!.c).toBe(head);
      // and every record's text can be searched (what was not indexed yet is indexed on start)
      await store.fullTextReady();
      expect(store.get<{ c: number }>('SELECT count(*) AS c FROM audit_fts')!.c).toBe(head);
      await store.close();
    }
    expect(acked.size).toBeGreaterThanOrEqual(4500);
  });
});
