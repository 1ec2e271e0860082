import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePublicKey } from '../../src-main/audit/audit-key.js';
import { verifyCheckpoint } from '../../src-main/audit/checkpoint.js';
import { openTestCore, type TestCore } from '../helpers/core.js';
import { refLeaf, refRoot, refRootFromInclusion } from './reference.js';
import { addRecords } from './records.js';

let core: TestCore | null = null;
afterEach(async () => {
  await core?.close();
  core = null;
});

async function exportedHashes(t: TestCore): Promise<{ seq: number; hash: string; type: string; data: Record<string, unknown> }[]> {
  const res = await t.req('GET', '/api/v1/audit/export?format=jsonl');
  return (await res.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { seq: number; hash: string; type: string; data: Record<string, unknown> });
}

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

describe('signed checkpoints (SPEC 7.6)', () => {
  it('makes an Ed25519 key at first start: audit-key.json 0600, audit-key.pub that openssl reads, the key at the API', async () => {
    core = await openTestCore({ checkpoints: { enabled: false } });
    const file = join(core.dataDir, 'audit-key.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const pub = readFileSync(join(core.dataDir, 'audit-key.pub'), 'utf8');
    const { status, body } = await core.json<{ key_id: string; public_key: string; origin: string; verifier_key: string }>(
      'GET',
      '/api/v1/audit/public-key',
    );
    expect(status).toBe(200);
    expect(Buffer.from(body.public_key, 'base64')).toHaveLength(32);
    expect(parsePublicKey(pub).toString('base64')).toBe(body.public_key);
    expect(body.origin).toMatch(/^gatehouse\.local\/[0-9a-f]{16}$/);
    expect(pub).toContain(`# ${body.verifier_key}`);
    expect(body.verifier_key.startsWith(`${body.origin}+${body.key_id}+`)).toBe(true);
    if (hasOpenssl) {
      const r = spawnSync('openssl', ['pkey', '-pubin', '-in', join(core.dataDir, 'audit-key.pub'), '-noout', '-text'], {
        encoding: 'utf8',
      });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('ED25519 Public-Key');
    }
    // The key and the origin stay across restarts; the log says which key signs it.
    await core.reopen({ checkpoints: { enabled: false } });
    const again = await core.json<{ public_key: string; origin: string }>('GET', '/api/v1/audit/public-key');
    expect(again.body).toMatchObject({ public_key: body.public_key, origin: body.origin });
    const created = (await exportedHashes(core)).filter((r) => r.type === 'audit.key_created');
    expect(created).toHaveLength(1);
    expect(created[0]!.data).toMatchObject({ public_key: body.public_key, origin: body.origin, key_id: body.key_id });
  });

  it('signs a checkpoint of the tree, serves it, records it, and proofs verify with an independent implementation', async () => {
    core = await openTestCore({ checkpoints: { enabled: false } });
    const events: string[] = [];
    core.g.bus.subscribe((e) => events.push(e.event));
    expect((await core.req('GET', '/api/v1/audit/checkpoint')).status).toBe(404);
    await addRecords(core, 700);
    // No checkpoint yet: a proof without `size` and a consistency proof without `to` answer alike (404), each naming what to pass.
    const noSize = await core.json<{ error: { code: string; message: string } }>('GET', '/api/v1/audit/proof?seq=1');
    const noTo = await core.json<{ error: { code: string; message: string } }>('GET', '/api/v1/audit/consistency?from=1');
    expect([noSize.status, noSize.body.error.code, noSize.body.error.message]).toEqual([
      404,
      'not_found',
      expect.stringMatching(/pass size$/),
    ]);
    expect([noTo.status, noTo.body.error.code, noTo.body.error.message]).toEqual([404, 'not_found', expect.stringMatching(/pass to$/)]);
    const cp = await core.g.checkpoints.sign();
    expect(cp).not.toBeNull();
    expect(events).toContain('checkpoint.signed');

    const res = await core.req('GET', '/api/v1/audit/checkpoint');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    const key = (await core.json<{ public_key: string }>('GET', '/api/v1/audit/public-key')).body.public_key;
    const checked = verifyCheckpoint(text, Buffer.from(key, 'base64'));
    const records = await exportedHashes(core);
    const leaves = records.map((r) => refLeaf(r.hash));
    expect(checked.size).toBe(records.length - 1); // the checkpoint.signed record itself comes after
    expect(checked.root.equals(refRoot(leaves.slice(0, checked.size)))).toBe(true);
    const rec = records.at(-1)!;
    expect(rec.type).toBe('checkpoint.signed');
    expect(rec.data).toMatchObject({ size: checked.size, root: checked.root.toString('base64'), note: text });

    for (const seq of [1, 2, 256, 257, 500, checked.size]) {
      const { status, body } = await core.json<{ seq: number; size: number; leaf_hash: string; proof: string[] }>(
        'GET',
        `/api/v1/audit/proof?seq=${seq}`,
      );
      expect(status).toBe(200);
      expect(body.size).toBe(checked.size);
      expect(body.leaf_hash).toBe(leaves[seq - 1]!.toString('hex'));
      const root = refRootFromInclusion(
        seq - 1,
        body.size,
        Buffer.from(body.leaf_hash, 'hex'),
        body.proof.map((h) => Buffer.from(h, 'hex')),
      );
      expect(root.equals(checked.root)).toBe(true);
    }
    // A proof against another size, and consistency between two sizes.
    const p = await core.json<{ proof: string[]; size: number }>('GET', '/api/v1/audit/proof?seq=3&size=300');
    expect(
      refRootFromInclusion(
        2,
        300,
        leaves[2]!,
        p.body.proof.map((h) => Buffer.from(h, 'hex')),
      ).equals(refRoot(leaves.slice(0, 300))),
    ).toBe(true);
    const c = await core.json<{ from_root: string; to_root: string; proof: string[] }>('GET', '/api/v1/audit/consistency?from=300&to=650');
    expect(c.status).toBe(200);
    expect(c.body.from_root).toBe(refRoot(leaves.slice(0, 300)).toString('hex'));
    expect(c.body.to_root).toBe(refRoot(leaves.slice(0, 650)).toString('hex'));
    // Without `to`, the latest checkpoint's size (SPEC 7.6, as `size` of a proof): the signed root.
    const toLatest = await core.json<{ from: number; to: number; from_root: string; to_root: string; proof: string[] }>(
      'GET',
      '/api/v1/audit/consistency?from=300',
    );
    expect(toLatest.status).toBe(200);
    expect(toLatest.body).toMatchObject({
      from: 300,
      to: checked.size,
      from_root: c.body.from_root,
      to_root: checked.root.toString('hex'),
    });
    expect(toLatest.body).toEqual((await core.json('GET', `/api/v1/audit/consistency?from=300&to=${checked.size}`)).body);
    expect((await core.json('GET', `/api/v1/audit/consistency?from=${checked.size + 1}`)).status).toBe(400);

    // Bad input is a 400 naming the field.
    for (const q of ['seq=0', 'seq=abc', `seq=${checked.size + 1}`, 'seq=1&size=999999']) {
      const bad = await core.json<{ error: { code: string } }>('GET', `/api/v1/audit/proof?${q}`);
      expect(bad.status, q).toBe(400);
    }
    expect((await core.json('GET', '/api/v1/audit/consistency?from=10&to=5')).status).toBe(400);
    // Admin only.
    expect((await core.req('GET', '/api/v1/audit/proof?seq=1', { key: core.agentKey })).status).toBe(403);
  });

  it('a tampered checkpoint fails: an altered size or root, another key, a changed signature', async () => {
    core = await openTestCore({ checkpoints: { enabled: false } });
    await addRecords(core, 20);
    const cp = (await core.g.checkpoints.sign())!;
    const key = Buffer.from((await core.json<{ public_key: string }>('GET', '/api/v1/audit/public-key')).body.public_key, 'base64');
    expect(verifyCheckpoint(cp.text, key).size).toBe(cp.size);
    const lines = cp.text.split('\n');
    const withSize = [lines[0], String(cp.size + 1), ...lines.slice(2)].join('\n');
    expect(() => verifyCheckpoint(withSize, key)).toThrow(/does not verify/);
    const sig = lines[4]!;
    const blob = Buffer.from(sig.split(' ')[2]!, 'base64');
    blob[10]! ^= 1;
    const withSig = [...lines.slice(0, 4), `${sig.split(' ').slice(0, 2).join(' ')} ${blob.toString('base64')}`, ''].join('\n');
    expect(() => verifyCheckpoint(withSig, key)).toThrow(/does not verify/);
    const other = Buffer.alloc(32, 7);
    expect(() => verifyCheckpoint(cp.text, other)).toThrow();
  });

  it('signs every N records on its own, and once more on clean stop covering server.stopped', async () => {
    core = await openTestCore({ checkpoints: { everyRecords: 100, pollMs: 20 } });
    const signed = () => core!.g.store.get<{ n: number }>("SELECT COUNT(*) AS n FROM audit WHERE type = 'checkpoint.signed'")!.n;
    await addRecords(core, 50);
    await new Promise((r) => setTimeout(r, 100));
    expect(signed()).toBe(0); // fewer than 100 new records, and not 10 minutes yet
    for (const want of [1, 2]) {
      await addRecords(core, 120);
      await expect.poll(signed, { timeout: 5000 }).toBe(want);
    }
    await core.reopen({ checkpoints: { enabled: false } });
    const records = await exportedHashes(core);
    const stopped = records.findLastIndex((r) => r.type === 'server.stopped');
    expect(records[stopped + 1]).toMatchObject({ type: 'checkpoint.signed', data: { size: records[stopped]!.seq } });
    // Nothing changed since: no new checkpoint is signed.
    expect(await core.g.checkpoints.sign()).not.toBeNull(); // server.started was added by the reopen
    expect(await core.g.checkpoints.sign()).toBeNull();
  });
});
