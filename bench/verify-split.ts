/**
 * Side by side in one run: verification of the live chain on one read thread (0.2 as first built)
 * and on two (the range split at its middle record). `tsx bench/verify-split.ts --records 200000`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyStore } from '../src-main/audit/verify.js';
import { openStore } from '../src-main/storage/store.js';
import type { StorageWorker } from '../src-main/storage/workers.js';
import { commitFor } from './records.js';

const i = process.argv.indexOf('--records');
const RECORDS = i > 0 ? Number(process.argv[i + 1]) : 200_000;
const dataDir = mkdtempSync(join(tmpdir(), 'gh-bench-verify-'));
try {
  const store = await openStore({ dataDir, log: () => undefined });
  let next = 0;
  const worker = async () => {
    while (next < RECORDS) {
      const c = commitFor(next++, Date.now());
      await store.commit(c.ops, c.audit);
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  const rss = () => (process.memoryUsage.rss() / 1e6).toFixed(0);
  process.stdout.write(`after ingest: RSS ${rss()} MB\n`);
  const reader = (store as unknown as { reader: StorageWorker }).reader;
  for (let round = 0; round < 3; round++) {
    let t = performance.now();
    const one = await reader.verify(store.head(), undefined, store.archiveHead());
    const oneRate = one.records / ((performance.now() - t) / 1000);
    t = performance.now();
    const two = await verifyStore(store);
    const twoRate = two.records / ((performance.now() - t) / 1000);
    if (JSON.stringify(one) !== JSON.stringify(two) || !two.ok) throw new Error('different verdicts');
    process.stdout.write(
      `verify ${two.records} records: one thread ${oneRate.toFixed(0)} rec/s, two threads ${twoRate.toFixed(0)} rec/s (×${(twoRate / oneRate).toFixed(2)}); RSS now ${rss()} MB\n`,
    );
  }
  await store.close();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
