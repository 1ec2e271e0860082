import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { browserCommand } from '../../src-main/cli/open-browser.js';
import { BIN, ensureBuilt } from '../reliability/server-process.js';

const URL_ = 'http://127.0.0.1:7077/?token=abc';

describe('browserCommand', () => {
  it("uses the platform's launcher without $BROWSER", () => {
    expect(browserCommand(URL_, {}, 'linux')).toEqual(['xdg-open', [URL_]]);
    expect(browserCommand(URL_, {}, 'darwin')).toEqual(['open', [URL_]]);
    expect(browserCommand(URL_, {}, 'win32')).toEqual(['cmd', ['/c', 'start', '""', URL_]]);
    expect(browserCommand(URL_, { BROWSER: '  ' }, 'linux')).toEqual(['xdg-open', [URL_]]);
  });

  it('uses the first command of $BROWSER, with %s as the URL or the URL added last', () => {
    expect(browserCommand(URL_, { BROWSER: 'firefox --new-window' }, 'linux')).toEqual(['firefox', ['--new-window', URL_]]);
    expect(browserCommand(URL_, { BROWSER: `w3m -o x=%s${delimiter}lynx` }, 'linux')).toEqual(['w3m', ['-o', `x=${URL_}`]]);
  });
});

describe('gatehouse serve --open', () => {
  it('gives the browser a link of its own: the printed one still logs in once', async () => {
    ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'gh-open-'));
    const seen = join(dir, 'browser-got.txt');
    const fake = join(dir, 'fake-browser.sh');
    writeFileSync(fake, `#!/bin/sh\nprintf '%s' "$1" > '${seen}'\n`);
    chmodSync(fake, 0o755);
    const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', join(dir, 'data'), '--open'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BROWSER: fake },
    });
    let out = '';
    proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
    proc.stderr.on('data', (b: Buffer) => (out += b.toString()));
    try {
      const deadline = Date.now() + 20_000;
      while (!(existsSync(seen) && readFileSync(seen, 'utf8') && /open the console: (\S+)/.test(out))) {
        if (Date.now() > deadline) throw new Error(`no link opened:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const printed = /open the console: (\S+)/.exec(out)![1]!;
      const opened = readFileSync(seen, 'utf8');
      expect(out).toContain('opened with a link of its own');
      expect(opened).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
      expect(opened).not.toBe(printed);
      // The browser spends its link; the user's is still good, once.
      const byBrowser = await fetch(opened, { redirect: 'manual' });
      expect(byBrowser.status).toBe(303);
      expect(byBrowser.headers.get('location')).not.toContain('login=expired');
      const byUser = await fetch(printed, { redirect: 'manual' });
      expect(byUser.status).toBe(303);
      expect(byUser.headers.get('set-cookie')).toMatch(/HttpOnly/i);
      const again = await fetch(printed, { redirect: 'manual' });
      expect(again.headers.get('location')).toContain('login=expired');
    } finally {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
  });
});
