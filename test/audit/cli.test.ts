import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, lstatSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditExport } from '../../src-main/cli/commands/audit.js';
import { auditVerify } from '../../src-main/cli/commands/audit-verify.js';
import { planExport } from '../../src-main/audit/export.js';
import { EXPORT_RECORDS_HEADER } from '../../src-shared/index.js';
import { verifyJsonlFile, verifyStore } from '../../src-main/audit/verify.js';
import type { ExportFormat } from '../../src-shared/index.js';
import { cleanupDirs, tempDir } from '../storage/helpers.js';
import { auditFixture } from './fixture.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  cleanupDirs();
});

/** What the progress line starts with (return, clear the line). */
const CLEAR = '\r\x1b[2K';

/** Captures stdout; stderr is a non-TTY stream (unless `tty`), so no progress output is expected. */
function capture(tty = false) {
  let out = '';
  let err = '';
  const stderr = { isTTY: tty, write: (s: string) => ((err += s), true) } as unknown as NodeJS.WriteStream;
  // Standard output as a stream (`--out -`): what is written there lands in `out` too.
  const raw = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString('utf8');
      done();
    },
  });
  return { io: { stdout: (s: string) => void (out += s), stderr, raw }, out: () => out, err: () => err };
}

/** A stand-in for the API's two audit routes, backed by a real store; `announce`: send the record count header as the API does. */
async function fakeServer(announce = false) {
  const { store } = await auditFixture(30);
  const srv = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (req.headers['x-api-key'] !== 'gk_admin_test') {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'unauthenticated', message: 'bad key' } }));
      return;
    }
    if (url.pathname === '/api/v1/audit/verify') {
      void verifyStore(store).then((v) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(v)));
      return;
    }
    void (async () => {
      const { records, chunks } = planExport(store, {
        format: url.searchParams.get('format') as ExportFormat,
        since: url.searchParams.get('since') ?? undefined,
      });
      res.writeHead(200, announce && records !== null ? { [EXPORT_RECORDS_HEADER]: String(records) } : {});
      for await (const chunk of chunks) res.write(chunk);
      res.end();
    })();
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, store };
}

describe('gatehouse audit export / verify', () => {
  it('exports to a file that verifies offline (exit 0), one result line, no progress when piped', async () => {
    const { url, store } = await fakeServer();
    const out = join(tempDir(), 'audit.jsonl');
    const c = capture();
    expect(await auditExport({ format: 'jsonl', out, url, apiKey: 'gk_admin_test' }, c.io)).toBe(0);
    expect(c.out()).toMatch(/^exported 33 records \(jsonl, [\d.]+ MB\) to .*audit\.jsonl\n$/);
    expect(c.err()).toBe('');
    expect(existsSync(`${out}.part`)).toBe(false);
    expect(statSync(out).mode & 0o777).toBe(0o600); // the audit log is the user's alone
    expect((await verifyJsonlFile(out)).ok).toBe(true);

    const v = capture();
    expect(await auditVerify({ file: out }, v.io)).toBe(0);
    expect(v.out()).toBe(`${out}: OK, 33 records, head ${store.head().hash}\n`);
    await store.close();
  });

  it('draws a bar with percent on a terminal when the server announces the record count; a running count when not; nothing when piped', async () => {
    const { url, store } = await fakeServer(true);
    const dir = tempDir();
    for (const format of ['jsonl', 'csv'] as const) {
      const tty = capture(true);
      expect(await auditExport({ format, out: join(dir, `bar.${format}`), url, apiKey: 'gk_admin_test' }, tty.io)).toBe(0);
      expect(tty.err().startsWith(`${CLEAR}exporting: `)).toBe(true);
      // The last line drawn is the whole bar (33 of 33 records, CSV's header line not counted), then cleared.
      const drawn = tty.err().split(CLEAR);
      expect(drawn.at(-1)).toBe(''); // cleared before the result line
      expect(drawn.at(-2)).toMatch(/^exporting: 33 of 33 records, [\d.]+ MB \[#{30}\] 100%$/);
      expect(tty.out()).toMatch(/^exported 33 records/);
      const piped = capture();
      expect(await auditExport({ format, out: join(dir, `piped.${format}`), url, apiKey: 'gk_admin_test' }, piped.io)).toBe(0);
      expect(piped.err()).toBe('');
    }
    await store.close();

    // A server that does not announce it (an older one): the running count, no bar.
    const old = await fakeServer(false);
    const tty = capture(true);
    expect(await auditExport({ format: 'jsonl', out: join(dir, 'count.jsonl'), url: old.url, apiKey: 'gk_admin_test' }, tty.io)).toBe(0);
    expect(tty.err().split(CLEAR)[1]).toMatch(/^exporting: \d+ lines, [\d.]+ MB$/);
    expect(tty.err()).not.toContain('%');
    await old.store.close();
  });

  it('--out - writes the export to stdout and the summary to stderr; a symlink and a FIFO are written through, never replaced', async () => {
    const { url, store } = await fakeServer();
    const dir = tempDir();
    const piped = capture();
    expect(await auditExport({ format: 'jsonl', out: '-', url, apiKey: 'gk_admin_test' }, piped.io)).toBe(0);
    expect(piped.out().trimEnd().split('\n')).toHaveLength(33);
    expect(piped.err()).toMatch(/^exported 33 records \(jsonl, [\d.]+ MB\) to stdout\n$/);
    expect(existsSync('-')).toBe(false);

    // A symlink stays a symlink; its target gets the export.
    const target = join(dir, 'target.jsonl');
    writeFileSync(target, 'old');
    const link = join(dir, 'link.jsonl');
    symlinkSync(target, link);
    const viaLink = capture();
    expect(await auditExport({ format: 'jsonl', out: link, url, apiKey: 'gk_admin_test' }, viaLink.io)).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect((await verifyJsonlFile(target)).ok).toBe(true);

    // A dangling symlink: the file is made where it points, and the link stays.
    const dangling = join(dir, 'dangling.jsonl');
    symlinkSync(join(dir, 'made-here.jsonl'), dangling);
    expect(await auditExport({ format: 'jsonl', out: dangling, url, apiKey: 'gk_admin_test' }, capture().io)).toBe(0);
    expect(lstatSync(dangling).isSymbolicLink()).toBe(true);
    expect((await verifyJsonlFile(join(dir, 'made-here.jsonl'))).ok).toBe(true);

    // A FIFO (what /dev/stdout is in a pipe) is written to, and stays a FIFO; the summary avoids it.
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const reader = new Promise<string>((resolve) => {
      let text = '';
      const r = createReadStream(fifo, 'utf8');
      r.on('data', (c) => (text += String(c)));
      r.on('end', () => resolve(text));
    });
    const viaFifo = capture();
    expect(await auditExport({ format: 'jsonl', out: fifo, url, apiKey: 'gk_admin_test' }, viaFifo.io)).toBe(0);
    expect((await reader).trimEnd().split('\n')).toHaveLength(33);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(viaFifo.out()).toBe('');
    expect(viaFifo.err()).toMatch(/^exported 33 records/);
    await store.close();
  });

  it('offline verify of a tampered file exits 1 and names the first bad seq', async () => {
    const { url, store } = await fakeServer();
    const out = join(tempDir(), 'audit.jsonl');
    await auditExport({ format: 'jsonl', out, url, apiKey: 'gk_admin_test' }, capture().io);
    const lines = readFileSync(out, 'utf8').split('\n');
    lines[3] = lines[3]!.replace('"agent-4"', '"agent-9"');
    writeFileSync(out, lines.join('\n'));
    const v = capture();
    expect(await auditVerify({ file: out }, v.io)).toBe(1);
    expect(v.out()).toMatch(/BROKEN at seq 4: record 4 does not match its hash \(3 records verified before it\)/);
    const j = capture();
    await auditVerify({ file: out, json: true }, j.io);
    expect(JSON.parse(j.out())).toMatchObject({ ok: false, first_bad_seq: 4 });
    await store.close();
  });

  it('a file that starts after seq 1 (an export --since) points to --partial, which checks what it holds', async () => {
    const { url, store } = await fakeServer();
    const out = join(tempDir(), 'audit.jsonl');
    await auditExport({ format: 'jsonl', out, url, apiKey: 'gk_admin_test' }, capture().io);
    writeFileSync(out, `${readFileSync(out, 'utf8').split('\n').slice(10).join('\n')}`);
    const v = capture();
    expect(await auditVerify({ file: out }, v.io)).toBe(1);
    expect(v.out()).toMatch(/BROKEN at seq 1: the file starts at seq 11/);
    expect(v.err()).toMatch(/add --partial/);
    const p = capture();
    expect(await auditVerify({ file: out, partial: true }, p.io)).toBe(0);
    expect(p.out()).toMatch(/OK, 23 records/);
    expect(p.err()).toBe('');
    await store.close();
  });

  it('verifies the live log through the API', async () => {
    const { url, store } = await fakeServer();
    const c = capture();
    expect(await auditVerify({ url, apiKey: 'gk_admin_test' }, c.io)).toBe(0);
    expect(c.out()).toMatch(/^audit log: OK, 33 records, head [0-9a-f]{64}\n$/);
    await store.close();
  });

  it('csv and cef exports; API errors and an unreachable server are one line and exit 1', async () => {
    const { url, store } = await fakeServer();
    const dir = tempDir();
    expect(await auditExport({ format: 'csv', out: join(dir, 'a.csv'), url, apiKey: 'gk_admin_test' }, capture().io)).toBe(0);
    expect(readFileSync(join(dir, 'a.csv'), 'utf8').startsWith('seq,id,ts,')).toBe(true);
    expect(await auditExport({ format: 'cef', out: join(dir, 'a.cef'), url, apiKey: 'gk_admin_test' }, capture().io)).toBe(0);
    expect(readFileSync(join(dir, 'a.cef'), 'utf8').split('\n')[0]).toMatch(/^CEF:0\|Gatehouse\|/);

    const bad = capture();
    expect(await auditExport({ format: 'jsonl', out: join(dir, 'x'), url, apiKey: 'wrong' }, bad.io)).toBe(1);
    expect(bad.err()).toBe('gatehouse: export failed: 401 unauthenticated: bad key\n');
    expect(bad.out()).toBe('');
    expect(existsSync(join(dir, 'x'))).toBe(false);

    const down = capture();
    expect(await auditVerify({ url: 'http://127.0.0.1:1', apiKey: 'k' }, down.io)).toBe(1);
    expect(down.err()).toMatch(/^gatehouse: cannot reach Gatehouse at http:\/\/127\.0\.0\.1:1 .*\n$/);

    // A folder that does not exist: one line, exit 1, no stack trace and nothing left behind.
    const nowhere = capture();
    const missing = join(dir, 'no-such-folder', 'x.jsonl');
    expect(await auditExport({ format: 'jsonl', out: missing, url, apiKey: 'gk_admin_test' }, nowhere.io)).toBe(1);
    expect(nowhere.err()).toMatch(
      /^gatehouse: export failed: cannot write .*no-such-folder\/x\.jsonl: the folder .*no-such-folder does not exist\n$/,
    );
    expect(nowhere.out()).toBe('');
    await store.close();
  });
});
