import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBuilt, startServerProcess, stopServerProcess } from '../reliability/server-process.js';

describe('gatehouse serve stops cleanly', () => {
  // SIGHUP: the terminal it was started from closed. It ended the process where it stood, leaving
  // server.json behind, the WAL unfolded and no final checkpoint.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    it(`on ${signal}: exit 0, server.json removed, the database closed`, { timeout: 60_000 }, async () => {
      ensureBuilt();
      const s = await startServerProcess();
      expect(existsSync(join(s.dataDir, 'server.json'))).toBe(true);
      expect(await stopServerProcess(s, signal)).toBe(0);
      expect(s.output()).toContain(`${signal}: stopping`);
      expect(existsSync(join(s.dataDir, 'server.json'))).toBe(false);
      expect(existsSync(join(s.dataDir, 'gatehouse.sqlite-wal'))).toBe(false);
    });

  it(
    'on SIGTERM after the reader of its output went away (| tee ended): server.json removed and the database closed',
    { timeout: 60_000 },
    async () => {
      ensureBuilt();
      const s = await startServerProcess();
      s.proc.stdout!.destroy();
      await new Promise((r) => setTimeout(r, 200));
      // The "stopping" line then fails with EPIPE, which ended the process between removing
      // server.json and closing the database (its WAL left unfolded, no final checkpoint).
      expect(await stopServerProcess(s, 'SIGTERM')).toBe(0);
      expect(existsSync(join(s.dataDir, 'server.json'))).toBe(false);
      expect(existsSync(join(s.dataDir, 'gatehouse.sqlite-wal'))).toBe(false);
    },
  );
});
