import { createAdaptorServer } from '@hono/node-server';
import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { listArchives } from '../../src-main/audit/archive.js';
import { encodeCursor } from '../../src-main/audit/query.js';
import { auditVerify, verifyArchives } from '../../src-main/cli/commands/audit-verify.js';
import { createApp } from '../../src-main/http/app.js';
import { openTestCore, type TestCore } from '../helpers/core.js';
import { cleanupDirs, tempDir } from '../storage/helpers.js';
import { refLeaf, refRoot, refRootFromInclusion } from './reference.js';
import { rehashFrom } from './forge.js';
import { buildPrefix } from '../../src-main/audit/archive-prefix.js';
import { leafHashOfHex, MemoryTree } from '../../src-main/audit/merkle.js';
import { createHash } from 'node:crypto';
import { addRecords } from './records.js';

const DAY = 86_400_000;
let core: TestCore | null = null;
let server: Server | null = null;
afterEach(async () => {
  if (server) await new Promise((r) => server!.close(r));
  server = null;
  await core?.close();
  core = null;
  cleanupDirs();
});

function capture() {
  let out = '';
  const stderr = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
  return { io: { stdout: (s: string) => void (out += s), stderr }, out: () => out };
}

const add = addRecords;

/** The core behind a real socket on 127.0.0.1 (the CLI's `--archive` reads the live log over HTTP). */
async function listen(t: TestCore): Promise<string> {
  let port = 0;
  const app = createApp(t.g, { getPort: () => port, consoleDir: null });
  server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
  return `http://127.0.0.1:${port}`;
}

describe('retention and archive (SPEC 7.7)', () => {
  it('moves whole checkpointed ranges older than retention_days to archive/, keeps the chain and the proofs, and verify --archive checks it all', async () => {
    const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
    const now = { now: () => clock.t };
    core = await openTestCore({ clock: now, store: { clock: now }, checkpoints: { enabled: false } });
    await add(core, 400);
    const first = (await core.g.checkpoints.sign())!.size;
    await add(core, 100);
    const second = (await core.g.checkpoints.sign())!.size;
    clock.t += 40 * DAY;
    await add(core, 60);
    const third = (await core.g.checkpoints.sign())!.size;
    const exported = async (query: string) =>
      (await (await core!.req('GET', `/api/v1/audit/export?${query}`)).text()).trimEnd().split(/\r?\n/);
    const before = await exported('format=jsonl');
    const [csvBefore, cefBefore] = [await exported('format=csv'), await exported('format=cef')];

    expect((await core.g.retention.run()).archived).toBeNull(); // retention_days not set: everything stays
    expect((await core.json('PUT', '/api/v1/settings', { body: { retention_days: 30 } })).status).toBe(200);
    const r = await core.g.retention.run();
    expect(r.archived).toMatchObject({ first: 1, last: second });
    expect(first).toBeLessThan(second);

    // The archive: the exact export lines of 1..second, gzipped, with the checkpoint of that size beside it.
    const [a] = listArchives(core.dataDir);
    expect(a).toMatchObject({ first: 1, last: second });
    expect(a!.path.endsWith(`archive/audit-1-${second}.jsonl.gz`)).toBe(true);
    expect(gunzipSync(readFileSync(a!.path)).toString('utf8').trimEnd().split('\n')).toEqual(before.slice(0, second));
    expect(readFileSync(a!.checkpointPath!, 'utf8').split('\n')[1]).toBe(String(second));
    // The audit record of the move names the file and its SHA-256.
    const moved = await core.json<{ items: { data: { file: string; sha256: string } }[] }>('GET', '/api/v1/audit?type=audit.archived');
    expect(moved.body.items.map((i) => i.data)).toEqual([
      expect.objectContaining({
        file: `archive/audit-1-${second}.jsonl.gz`,
        sha256: createHash('sha256').update(readFileSync(a!.path)).digest('hex'),
      }),
    ]);

    // The live log starts after it, chained to it; it verifies; proofs of live records still verify.
    const live = (await (await core.req('GET', '/api/v1/audit/export?format=jsonl')).text()).trimEnd().split('\n');
    expect(JSON.parse(live[0]!)).toMatchObject({ seq: second + 1, prev_hash: JSON.parse(before[second - 1]!).hash });
    // The audit API shows the same link for the first live record (its predecessor is archived).
    const firstLive = await core.json<{ items: { seq: number; prev_hash: string }[] }>(
      'GET',
      `/api/v1/audit?limit=1&cursor=${encodeCursor(second + 2)}`,
    );
    expect(firstLive.body.items).toEqual([expect.objectContaining({ seq: second + 1, prev_hash: JSON.parse(before[second - 1]!).hash })]);
    expect((await core.json('GET', '/api/v1/audit/verify')).body).toMatchObject({ ok: true, archived_records: second });
    const cliVerify = capture();
    expect(await auditVerify({ url: await listen(core), apiKey: core.adminKey }, cliVerify.io)).toBe(0);
    expect(cliVerify.out()).toContain(`(records 1..${second} are archived: gatehouse audit verify --archive checks them)`);
    const leaves = before.map((l) => refLeaf((JSON.parse(l) as { hash: string }).hash));
    const cp = readFileSync(a!.checkpointPath!, 'utf8');
    expect(cp).toBeTruthy();
    for (const seq of [second + 1, second + 5, third]) {
      const p = await core.json<{ size: number; leaf_hash: string; proof: string[] }>(
        'GET',
        `/api/v1/audit/proof?seq=${seq}&size=${third}`,
      );
      expect(p.status, JSON.stringify(p.body)).toBe(200);
      const root = refRootFromInclusion(
        seq - 1,
        third,
        leaves[seq - 1]!,
        p.body.proof.map((h) => Buffer.from(h, 'hex')),
      );
      const full = (await core.json<{ to_root: string }>('GET', `/api/v1/audit/consistency?from=${third}&to=${third}`)).body.to_root;
      expect(root.toString('hex')).toBe(full);
    }
    // A consistency proof from a size inside the archive needs hashes that left with the records: a 404
    // naming them and what does answer (no wait helps, so not the 503 of a tree still being built)...
    const gone = await core.json<{ error: { code: string; message: string } }>('GET', `/api/v1/audit/consistency?from=5&to=${third}`);
    expect(gone.status, JSON.stringify(gone.body)).toBe(404);
    expect(gone.body.error.message).toMatch(new RegExp(`^records 1\\.\\.\\d+ are archived.* from a size of ${second} or more`));
    // ...and from the archive's own size on, it answers.
    const kept = await core.json<{ from_root: string; to_root: string }>('GET', `/api/v1/audit/consistency?from=${second}&to=${third}`);
    expect(kept.status).toBe(200);
    expect(kept.body.from_root).toBe(refRoot(leaves.slice(0, second)).toString('hex'));
    expect(kept.body.to_root).toBe(refRoot(leaves.slice(0, third)).toString('hex'));
    // New records still extend the tree across the archive boundary.
    await add(core, 300);
    expect((await core.g.checkpoints.sign())!.size).toBeGreaterThan(third);

    // Exports can include the archives: the whole log, verifiable offline against the latest checkpoint.
    const whole = await (await core.req('GET', '/api/v1/audit/export?format=jsonl&include_archive=true')).text();
    const dir = tempDir('gh-retention-');
    writeFileSync(join(dir, 'whole.jsonl'), whole);
    writeFileSync(join(dir, 'cp.txt'), await (await core.req('GET', '/api/v1/audit/checkpoint')).text());
    const v = capture();
    const code = await auditVerify(
      { file: join(dir, 'whole.jsonl'), checkpoint: join(dir, 'cp.txt'), publicKey: join(core.dataDir, 'audit-key.pub') },
      v.io,
    );
    expect(code, v.out()).toBe(0);
    // In CSV and CEF too, and within a time window: the archived records read as they did when live.
    const csvAll = await exported('format=csv&include_archive=true');
    expect(csvAll.slice(0, csvBefore.length)).toEqual(csvBefore);
    expect(csvAll).toHaveLength(whole.trimEnd().split('\n').length + 1);
    expect((await exported('format=cef&include_archive=true')).slice(0, cefBefore.length)).toEqual(cefBefore);
    const until = new Date(Date.parse('2026-01-01T00:00:00Z') + DAY).toISOString();
    const firstMonth = before.filter((l) => (JSON.parse(l) as { ts: string }).ts <= until);
    expect(firstMonth.length).toBeGreaterThan(second); // archived records and live ones
    expect(await exported(`format=jsonl&include_archive=true&until=${until}`)).toEqual(firstMonth);
    expect(await exported(`format=csv&include_archive=true&since=${until}`)).toEqual([
      csvAll[0],
      ...csvAll.slice(1).filter((row) => row.split(',')[2]! >= until),
    ]);
    expect(await exported(`format=jsonl&until=${until}`)).toEqual(firstMonth.slice(second)); // without: the live part only

    // verify --archive: archives + live log as one chain, each archive against its checkpoint.
    const url = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
    const ok = capture();
    expect(await verifyArchives({ dataDir: core.dataDir, url, apiKey: core.adminKey }, ok.io), ok.out()).toBe(0);
    expect(ok.out()).toContain('OK: 1 archive(s) and the live log are one chain');

    // An altered archive fails...
    const original = readFileSync(a!.path);
    const lines = gunzipSync(original).toString('utf8').split('\n');
    const was = lines[9];
    lines[9] = lines[9]!.replace('"actor":"', '"actor":"x');
    expect(lines[9]).not.toBe(was);
    writeFileSync(a!.path, gzipSync(lines.join('\n')));
    const altered = capture();
    expect(await verifyArchives({ dataDir: core.dataDir, url, apiKey: core.adminKey }, altered.io)).toBe(1);
    expect(altered.out()).toContain('BROKEN at seq 10');
    writeFileSync(a!.path, original);
    // ...and so does a removed one.
    renameSync(a!.path, join(dir, 'moved.gz'));
    const removed = capture();
    expect(await verifyArchives({ dataDir: core.dataDir, url, apiKey: core.adminKey }, removed.io)).toBe(1);
    expect(removed.out()).toMatch(/BROKEN at seq 1: the file starts at seq \d+/);
  });

  it('each archive verifies on its own: an archive after the first, with its prefix and checkpoint, even with the earlier archives gone', async () => {
    const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
    const now = { now: () => clock.t };
    core = await openTestCore({ clock: now, store: { clock: now }, checkpoints: { enabled: false } });
    await add(core, 300);
    const a = (await core.g.checkpoints.sign())!.size;
    clock.t += 40 * DAY;
    await core.json('PUT', '/api/v1/settings', { body: { retention_days: 30 } });
    expect((await core.g.retention.run()).archived).toMatchObject({ first: 1, last: a });
    await add(core, 333);
    const b = (await core.g.checkpoints.sign())!.size;
    clock.t += 40 * DAY;
    await add(core, 20);
    await core.g.checkpoints.sign();
    expect((await core.g.retention.run()).archived).toMatchObject({ first: a + 1, last: b });

    const [one, two] = listArchives(core.dataDir);
    expect(one!.prefixPath).toBeTruthy();
    expect(JSON.parse(readFileSync(one!.prefixPath!, 'utf8'))).toMatchObject({ size: 0, subtrees: [], prev_proof: [] });
    const prefix = JSON.parse(readFileSync(two!.prefixPath!, 'utf8')) as { size: number; prev_hash: string; subtrees: { hash: string }[] };
    const firstArchived = gunzipSync(readFileSync(one!.path)).toString('utf8').trimEnd().split('\n');
    expect(prefix).toMatchObject({ size: a, prev_hash: JSON.parse(firstArchived.at(-1)!).hash });

    // With every archive there, --archive reads each once: the chain from seq 1 also checks the prefix files.
    const url = await listen(core);
    const both = capture();
    expect(await verifyArchives({ dataDir: core.dataDir, url, apiKey: core.adminKey }, both.io), both.out()).toBe(0);
    expect(both.out()).toContain(
      `audit-${a + 1}-${b}.jsonl.gz: records ${a + 1}..${b}, checkpoint signature and root OK; its prefix matches`,
    );
    // A prefix consistent in itself but of another log is caught there.
    const realPrefix = readFileSync(two!.prefixPath!, 'utf8');
    const other = new MemoryTree(
      Array.from({ length: a }, (_, i) => leafHashOfHex(createHash('sha256').update(`other ${i}`).digest('hex'))),
    );
    writeFileSync(
      two!.prefixPath!,
      JSON.stringify(
        buildPrefix(
          other,
          a,
          createHash('sha256')
            .update(`other ${a - 1}`)
            .digest('hex'),
        ),
      ),
    );
    const wrongPrefix = capture();
    expect(await verifyArchives({ dataDir: core.dataDir, url, apiKey: core.adminKey }, wrongPrefix.io)).toBe(1);
    expect(wrongPrefix.out()).toContain('its prefix file does not sum up the records before it');
    writeFileSync(two!.prefixPath!, realPrefix);

    // The earlier archive is gone (moved away): the later one still verifies, alone, against its checkpoint.
    const dir = tempDir('gh-retention-');
    for (const f of [one!.path, one!.checkpointPath!, one!.prefixPath!]) renameSync(f, join(dir, f.split('/').at(-1)!));
    const pub = join(core.dataDir, 'audit-key.pub');
    const alone = capture();
    expect(await auditVerify({ file: two!.path, checkpoint: two!.checkpointPath!, publicKey: pub }, alone.io), alone.out()).toBe(0);
    expect(alone.out()).toContain(`OK: records ${a + 1}..${b}, after the prefix, are exactly the signed tree of ${b} records`);
    const chainOnly = capture();
    expect(await auditVerify({ file: two!.path }, chainOnly.io), chainOnly.out()).toBe(0);
    expect(chainOnly.out()).toContain(`(after its prefix of ${a} records): OK, ${b - a} records`);
    // --archive names the missing start, and still finds the later archive intact on its own.
    const all = capture();
    expect(await verifyArchives({ dataDir: core.dataDir, url, apiKey: core.adminKey }, all.io)).toBe(1);
    expect(all.out()).toContain('BROKEN at seq 1: the file starts at seq');
    expect(all.out()).toContain(`audit-${a + 1}-${b}.jsonl.gz: records ${a + 1}..${b}: on its own, with its prefix`);

    // A forger who rewrites a record of the archive and rehashes the rest is caught by the signed root...
    const lines = gunzipSync(readFileSync(two!.path)).toString('utf8').trimEnd().split('\n');
    const original = readFileSync(two!.path);
    writeFileSync(two!.path, gzipSync(`${rehashFrom(lines, 50, (r) => void (r.actor = 'forged')).join('\n')}\n`));
    const forged = capture();
    expect(await auditVerify({ file: two!.path, checkpoint: two!.checkpointPath!, publicKey: pub }, forged.io)).toBe(1);
    expect(forged.out()).toContain('FORGED');
    expect(await auditVerify({ file: two!.path }, capture().io)).toBe(0); // the chain alone cannot tell
    writeFileSync(two!.path, original);
    // ...and so is a forged prefix: its parts no longer agree, or (made to agree) the root differs.
    const prefixText = readFileSync(two!.prefixPath!, 'utf8');
    writeFileSync(two!.prefixPath!, prefixText.replace(prefix.subtrees[0]!.hash, '0'.repeat(64)));
    expect(await auditVerify({ file: two!.path, checkpoint: two!.checkpointPath!, publicKey: pub }, capture().io)).toBe(1);
    writeFileSync(two!.prefixPath!, prefixText);

    // The stdlib-only Python check in docs/ reads the same three files.
    if (spawnSync('python3', ['--version']).status === 0) {
      const py = fileURLToPath(new URL('../../docs/verify_archive.py', import.meta.url));
      const ok = spawnSync('python3', [py, two!.path], { encoding: 'utf8' });
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stdout).toContain(`OK: records ${a + 1}..${b} are the signed log`);
      writeFileSync(two!.path, gzipSync(`${rehashFrom(lines, 50, (r) => void (r.actor = 'forged')).join('\n')}\n`));
      const bad = spawnSync('python3', [py, two!.path], { encoding: 'utf8' });
      expect(bad.status).toBe(1);
      expect(bad.stdout).toContain('MISMATCH');
      writeFileSync(two!.path, original);
    }
  });

  it('archives old ranges however many checkpoints were signed since (a month of 10-minute checkpoints is thousands)', async () => {
    const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
    const now = { now: () => clock.t };
    core = await openTestCore({ clock: now, store: { clock: now }, checkpoints: { enabled: false } });
    await add(core, 100);
    const old = (await core.g.checkpoints.sign())!.size;
    clock.t += 40 * DAY;
    // More checkpoints inside the retention window than the newest few hundred: one a record apart.
    for (let i = 0; i < 620; i++) {
      await add(core, 1);
      await core.g.checkpoints.sign();
    }
    await core.json('PUT', '/api/v1/settings', { body: { retention_days: 30 } });
    const r = await core.g.retention.run();
    expect(r.reason).not.toContain('no checkpointed range');
    expect(r.archived).toMatchObject({ first: 1, last: old });
  });

  it('never archives the record of an action still awaiting an answer: it can still be answered after the run', async () => {
    const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
    const now = { now: () => clock.t };
    core = await openTestCore({ clock: now, store: { clock: now }, checkpoints: { enabled: false } });
    await core.json('PUT', '/api/v1/settings', { body: { approval_timeout_s: 7 * 86_400 } });
    const policy = await core.json('POST', '/api/v1/policies', {
      body: {
        id: 'hold-deletes',
        name: 'hold deletes',
        effect: 'require_approval',
        priority: 1,
        when: { action_type: { eq: 'database.delete' } },
      },
    });
    expect(policy.status, JSON.stringify(policy.body)).toBe(201);
    const submit = (resource: string) =>
      core!.json<{ action_id: string; decision: string }>('POST', '/api/v1/actions/submit', {
        key: core!.agentKey,
        body: { agent_id: 'etl', action_type: 'database.delete', resource },
      });
    const held = await submit('postgres://prod/a');
    const answered = await submit('postgres://prod/b');
    expect([held.body.decision, answered.body.decision]).toEqual(['pending', 'pending']);
    expect((await core.json('POST', `/api/v1/approvals/${answered.body.action_id}/approve`, { body: {} })).status).toBe(200);
    await add(core, 100);
    const size = (await core.g.checkpoints.sign())!.size;
    clock.t += 3 * DAY;
    await add(core, 10);
    await core.g.checkpoints.sign();
    const heldSeq = (await core.json<{ items: { seq: number }[] }>('GET', `/api/v1/audit?action_id=${held.body.action_id}`)).body.items.at(
      -1,
    )!.seq;
    await core.json('PUT', '/api/v1/settings', { body: { retention_days: 1 } });
    // Only what comes before the waiting action's record moves; its record and everything after stay live.
    const r = await core.g.retention.run();
    expect(r.archived === null || r.archived.last < heldSeq, JSON.stringify(r)).toBe(true);
    expect(size).toBeGreaterThan(heldSeq);
    const status = await core.json<{ status: string }>('GET', `/api/v1/actions/${held.body.action_id}/status`, { key: core.agentKey });
    expect(status.status).toBe(200);
    expect(status.body.status).toBe('pending');
    expect((await core.json('POST', `/api/v1/approvals/${held.body.action_id}/approve`, { body: {} })).status).toBe(200);
    // Once answered, a later run moves it like any other record.
    await add(core, 10);
    await core.g.checkpoints.sign();
    clock.t += 3 * DAY;
    await add(core, 10);
    await core.g.checkpoints.sign();
    expect((await core.g.retention.run()).archived?.last).toBeGreaterThanOrEqual(size);
  });

  it('never archives records a sink has not delivered yet', async () => {
    const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
    const now = { now: () => clock.t };
    core = await openTestCore({ clock: now, store: { clock: now }, checkpoints: { enabled: false } });
    // A syslog sink whose collector is down: its cursor stays at 0.
    const sink = await core.json<{ id: string }>('POST', '/api/v1/sinks', { body: { type: 'syslog', host: '127.0.0.1', port: 9 } });
    expect(sink.status).toBe(201);
    await add(core, 300);
    const size = (await core.g.checkpoints.sign())!.size;
    clock.t += 40 * DAY;
    await add(core, 10);
    await core.json('PUT', '/api/v1/settings', { body: { retention_days: 30 } });
    const held = await core.g.retention.run();
    expect(held.archived).toBeNull();
    expect(held.reason).toContain('every sink');
    await core.json('DELETE', `/api/v1/sinks/${sink.body.id}`);
    expect((await core.g.retention.run()).archived).toMatchObject({ first: 1, last: size });
  });
});
