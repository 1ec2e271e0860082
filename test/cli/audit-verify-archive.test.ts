import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyArchives } from '../../src-main/cli/commands/audit-verify.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function capture(isTTY = false) {
  let err = '';
  const stderr = { isTTY, write: (s: string) => ((err += s), true) } as unknown as NodeJS.WriteStream;
  return { io: { stdout: () => undefined, stderr }, err: () => err };
}

describe('gatehouse audit verify --archive', () => {
  it('with the server gone (a stale server.json): the one line every verb prints, naming the server', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-verify-archive-'));
    writeFileSync(join(dir, 'audit-key.pub'), randomBytes(32).toString('base64'));
    const c = capture();
    // Port 1 on loopback: nothing listens there.
    expect(await verifyArchives({ dataDir: dir, url: 'http://127.0.0.1:1', apiKey: 'gk_admin_x' }, c.io)).toBe(1);
    expect(c.err()).toMatch(
      /^gatehouse: cannot verify: cannot reach Gatehouse at http:\/\/127\.0\.0\.1:1 \(.+\)\. Is the server running\? \(gatehouse serve\)\n$/,
    );
  });

  it('draws a progress line on a terminal (and clears it before the result); nothing extra when piped', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-verify-archive-'));
    writeFileSync(join(dir, 'audit-key.pub'), randomBytes(32).toString('base64'));
    const tty = capture(true);
    expect(await verifyArchives({ dataDir: dir, url: 'http://127.0.0.1:1', apiKey: 'gk_admin_x' }, tty.io)).toBe(1);
    expect(tty.err().startsWith('\r\x1b[2Kverifying the archives and the live log...\r\x1b[2Kgatehouse: cannot verify: ')).toBe(true);
    const piped = capture(false);
    expect(await verifyArchives({ dataDir: dir, url: 'http://127.0.0.1:1', apiKey: 'gk_admin_x' }, piped.io)).toBe(1);
    expect(piped.err()).toMatch(/^gatehouse: cannot verify: .*\n$/);
    expect(piped.err()).not.toContain('\x1b');
  });
});
