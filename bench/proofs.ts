// Audit proofs benchmark (issue 18): checkpoint signing and proof serving at 1,000,000 records, the
// tree's catch-up build for a log without it (event-loop stall), submit throughput with and without
// checkpoints side by side in one run, and sink throughput.
// Run: npx tsx bench/proofs.ts [--records 1000000] [--seconds 3]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gatehouse } from '../src-main/app/gatehouse.js';
import { createApp } from '../src-main/http/app.js';
import { Connection } from '../src-main/storage/sqlite.js';
import { openStore } from '../src-main/storage/store.js';
import { percentile, seeded, stallDuring, writeResults, type Figure } from './lib.js';

const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const RECORDS = arg('--records', 1_000_000);
const SECONDS = arg('--seconds', 3);
const log = (s: string) => process.stderr.write(`${s}\n`);
const { rand } = seeded(18);
/** A HEC endpoint that takes every batch (its own process; prints its port). */
const HEC_RECEIVER = `const s = require('node:http').createServer((q, r) => { q.resume(); q.on('end', () => r.writeHead(200).end('{"code":0}')); });
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;

/** A log of `n` records written straight through the store (batches of 500 per commit). */
async function buildLog(dataDir: string, n: number): Promise<number> {
  const store = await openStore({ dataDir, log: () => undefined });
  const t0 = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < n; i += 500) {
    const drafts = Array.from({ length: Math.min(500, n - i) }, (_, j) => ({
      type: 'action.decided' as const,
      actor: 'agent:bench',
      data: { agent_id: `agent-${(i + j) % 9}`, action_type: 'file.read', resource: `/src/f${i + j}.ts`, risk: { level: 'low', score: 5 } },
    }));
    inFlight.push(store.commit([], drafts));
    if (inFlight.length >= 8) await inFlight.shift();
    if (i % 100_000 === 0 && i) log(`  built ${i.toLocaleString('en-US')}`);
  }
  await Promise.all(inFlight);
  const secs = (performance.now() - t0) / 1000;
  await store.close();
  return n / secs;
}

async function submitRound(app: ReturnType<typeof createApp>, key: string, ms: number): Promise<number> {
  let n = 0;
  let ok = 0;
  const end = Date.now() + ms;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (Date.now() < end) {
        const i = n++;
        const res = await app.request('http://127.0.0.1:7077/api/v1/actions/submit', {
          method: 'POST',
          headers: { 'X-API-Key': key, 'Content-Type': 'application/json', Host: '127.0.0.1:7077' },
          body: JSON.stringify({
            agent_id: `agent-${i % 8}`,
            action_type: 'file.read',
            resource: `/home/dev/src/f${i}.ts`,
            tool_name: 'Read',
          }),
        });
        await res.arrayBuffer();
        if (res.status === 200) ok++;
      }
    }),
  );
  return ok / (ms / 1000);
}

async function main(): Promise<void> {
  const figures: Figure[] = [];
  const dirs: string[] = [];
  const temp = (p: string) => {
    const d = mkdtempSync(join(tmpdir(), p));
    dirs.push(d);
    return d;
  };
  try {
    // --- 1. Submit throughput with and without checkpoints, alternating rounds in one run.
    const opened = await Promise.all(
      [{ enabled: true }, { enabled: false }].map(async (cp) => {
        const dataDir = temp('gh-bench-proofs-submit-');
        const g = await Gatehouse.open({ dataDir, mode: 'headless', defaultPolicies: false, checkpoints: cp });
        await g.settings.update({ rate_limit_per_s: 0 });
        const app = createApp(g, { getPort: () => 7077, consoleDir: null });
        const key = (JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { agent_key: string }).agent_key;
        return { g, app, key, rates: [] as number[] };
      }),
    );
    const [withCp, without] = opened as [(typeof opened)[0], (typeof opened)[0]];
    // A warm-up round each (JIT, the first pages of each database), not counted; then rounds
    // alternate A B B A … so that a drift in the machine's load hits both sides alike.
    for (const side of [withCp, without]) await submitRound(side.app, side.key, SECONDS * 1000);
    const ROUNDS = 10;
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of round % 2 ? [without, withCp] : [withCp, without])
        side.rates.push(await submitRound(side.app, side.key, SECONDS * 1000));
      log(`  round ${round + 1}: with checkpoints ${withCp.rates.at(-1)!.toFixed(0)}/s, without ${without.rates.at(-1)!.toFixed(0)}/s`);
    }
    const pairRatios = withCp.rates.map((r, i) => r / without.rates[i]!).sort((a, b) => a - b);
    const signed = withCp.g.store.get<{ n: number }>("SELECT COUNT(*) AS n FROM audit WHERE type = 'checkpoint.signed'")!.n;
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const ratio = (sum(withCp.rates) / sum(without.rates)) * 100;
    const medianPair = percentile(pairRatios, 50) * 100;
    figures.push(
      {
        id: 'submit_with_checkpoints',
        label: 'Submit throughput, checkpoints on (in-process, 32 in flight)',
        value: sum(withCp.rates) / ROUNDS,
        unit: 'req/s',
        better: 'higher',
        note: `${signed} checkpoints signed`,
      },
      {
        id: 'submit_without_checkpoints',
        label: 'Submit throughput, checkpoints off (same run, alternating)',
        value: sum(without.rates) / ROUNDS,
        unit: 'req/s',
        better: 'higher',
      },
      {
        id: 'submit_checkpoint_ratio',
        label: 'Submit throughput with checkpoints, % of without (sums of all rounds)',
        value: ratio,
        unit: '%',
        target: 95,
        better: 'higher',
        note: `median of the ${pairRatios.length} paired rounds ${medianPair.toFixed(1)} %, range ${(pairRatios[0]! * 100).toFixed(0)}–${(pairRatios.at(-1)! * 100).toFixed(0)} %`,
      },
    );
    await withCp.g.close();
    await without.g.close();

    // --- 2. A log of RECORDS records: signing and proofs.
    const dataDir = temp('gh-bench-proofs-1m-');
    log(`building a log of ${RECORDS.toLocaleString('en-US')} records...`);
    const ingest = await buildLog(dataDir, RECORDS);
    figures.push({
      id: 'ingest_with_tree',
      label: `Store ingest with the Merkle tree kept (batches of 500)`,
      value: ingest,
      unit: 'rec/s',
      better: 'higher',
    });
    const g = await Gatehouse.open({ dataDir, mode: 'headless', defaultPolicies: false, checkpoints: { enabled: false } });
    const signMs: number[] = [];
    for (let i = 0; i < 30; i++) {
      await g.store.commit([], [{ type: 'settings.changed', actor: 'user', data: { i } }]);
      const t0 = performance.now();
      await g.checkpoints.sign();
      signMs.push(performance.now() - t0);
    }
    signMs.sort((a, b) => a - b);
    figures.push({
      id: 'checkpoint_sign_1m',
      label: `Sign a checkpoint at ${RECORDS.toLocaleString('en-US')} records (root + Ed25519 + its record committed), p50`,
      value: percentile(signMs, 50),
      unit: 'ms',
      target: 50,
      better: 'lower',
    });
    const size = g.checkpoints.latest()!.size;
    const proofMs: number[] = [];
    let reads = 0;
    for (let i = 0; i < 2000; i++) {
      const seq = 1 + rand(size);
      const t0 = performance.now();
      g.checkpoints.proof(seq);
      proofMs.push(performance.now() - t0);
    }
    const src = g.store.merkle();
    const { inclusionProof } = await import('../src-main/audit/merkle.js');
    for (let i = 0; i < 100; i++) inclusionProof(src, rand(size), size);
    reads = src.reads / 100;
    proofMs.sort((a, b) => a - b);
    const app = createApp(g, { getPort: () => 7077, consoleDir: null });
    const admin = (JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { admin_key: string }).admin_key;
    const httpMs: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const t0 = performance.now();
      const res = await app.request(`http://127.0.0.1:7077/api/v1/audit/proof?seq=${1 + rand(size)}`, {
        headers: { 'X-API-Key': admin, Host: '127.0.0.1:7077' },
      });
      await res.arrayBuffer();
      httpMs.push(performance.now() - t0);
    }
    httpMs.sort((a, b) => a - b);
    figures.push(
      {
        id: 'proof_p50_1m',
        label: `Inclusion proof at ${RECORDS.toLocaleString('en-US')} records, p50`,
        value: percentile(proofMs, 50),
        unit: 'ms',
        target: 5,
        better: 'lower',
      },
      { id: 'proof_p99_1m', label: 'Inclusion proof, p99', value: percentile(proofMs, 99), unit: 'ms', target: 20, better: 'lower' },
      { id: 'proof_reads_1m', label: 'Rows read per proof (node lookups + leaf reads), mean', value: reads, unit: 'rows', better: 'lower' },
      {
        id: 'proof_http_p50_1m',
        label: 'GET /api/v1/audit/proof (in-process HTTP), p50',
        value: percentile(httpMs, 50),
        unit: 'ms',
        better: 'lower',
      },
    );

    // --- 3. Sink throughput: a HEC receiver on 127.0.0.1 and a file, from a backlog. The receiver
    // runs in a process of its own: in this one, its reading of 500-record bodies counted in the
    // sink's event-loop stall.
    const hec = spawn(process.execPath, ['-e', HEC_RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'] });
    const hecPort = await new Promise<number>((r) => hec.stdout!.once('data', (b: Buffer) => r(Number(b.toString().trim()))));
    // Node loads its fetch (undici) on first use, tens of ms once per process: done before measuring.
    await (await fetch(`http://127.0.0.1:${hecPort}/warm-up`, { method: 'POST', body: '{}' })).text();
    const sinkTarget = Math.min(200_000, RECORDS);
    const sinkStalls: { type: string; stallMs: number; busyMs: number }[] = [];
    for (const body of [
      { type: 'splunk_hec' as const, url: `http://127.0.0.1:${hecPort}`, token: 'bench-token-1234' },
      { type: 'file' as const, path: join(temp('gh-bench-sink-'), 'out.jsonl') },
    ]) {
      const t0 = performance.now();
      const {
        value: stall,
        stallMs,
        busyMs,
      } = await stallDuring(async () => {
        const s = await g.sinks.create(body);
        while (g.sinks.status(s.id).cursor < sinkTarget) await new Promise((r) => setTimeout(r, 50));
        await g.sinks.delete(s.id);
        return 0;
      });
      void stall;
      sinkStalls.push({ type: body.type, stallMs, busyMs });
      const rate = sinkTarget / ((performance.now() - t0) / 1000);
      figures.push({
        id: `sink_${body.type}_rate`,
        label: `Sink throughput, ${body.type} (batches of 500, from a backlog)`,
        value: rate,
        unit: 'rec/s',
        better: 'higher',
        note: `longest event-loop stall ${stallMs.toFixed(1)} ms wall, ${busyMs.toFixed(1)} ms of this thread running`,
      });
    }
    figures.push({
      id: 'sink_stall',
      label: 'Sinks sending a backlog: longest event-loop stall, this thread running',
      value: Math.max(...sinkStalls.map((x) => x.busyMs)),
      unit: 'ms',
      target: 50,
      better: 'lower',
      note: sinkStalls.map((x) => `${x.type} ${x.busyMs.toFixed(1)} (wall ${x.stallMs.toFixed(1)})`).join(', '),
    });
    hec.kill();
    await g.close();

    // --- 4. The tree of a log that has none (a 0.1 upgrade): built in slices after start.
    const raw = new Connection(join(dataDir, 'gatehouse.sqlite'));
    raw.exec('DELETE FROM merkle_nodes');
    raw.close();
    const store = await openStore({ dataDir, log: () => undefined });
    const t0 = performance.now();
    const { stallMs, busyMs } = await stallDuring(() => store.catchUpMerkle());
    figures.push(
      {
        id: 'tree_catchup_1m',
        label: `Build the tree of a ${RECORDS.toLocaleString('en-US')}-record log without one (writer thread, slices)`,
        value: (performance.now() - t0) / 1000,
        unit: 's',
        better: 'lower',
      },
      {
        id: 'tree_catchup_stall_wall',
        label: 'Longest event-loop stall meanwhile (wall clock, machine load included)',
        value: stallMs,
        unit: 'ms',
        better: 'lower',
      },
      {
        id: 'tree_catchup_stall',
        label: 'Longest event-loop stall meanwhile (this thread running)',
        value: busyMs,
        unit: 'ms',
        target: 50,
        better: 'lower',
      },
    );
    await store.close();
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  writeResults('proofs', figures);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
