import { afterEach, expect, it } from 'vitest';
import { openStore } from '../../src-main/storage/store.js';
import { cleanupDirs, decided, tempDir } from './helpers.js';

afterEach(cleanupDirs);

it('opening a store starts its writer thread at once, before the first commit asks for it', async () => {
  const s = await openStore({ dataDir: tempDir(), log: () => undefined });
  const writer = (s as unknown as { writer: { started: boolean } }).writer;
  try {
    expect(writer.started).toBe(true);
    await s.writerReady();
    const c = decided(1);
    expect((await s.commit(c.ops, c.audit)).map((r) => r.seq)).toEqual([1]);
  } finally {
    await s.close();
  }
});
