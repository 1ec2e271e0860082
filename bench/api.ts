// API benchmark (issue 5): serial submit latency on loopback, and durable submit throughput under
// 32 concurrent connections next to the same server's GET /health throughput in the same run.
// Run: npx tsx bench/api.ts [--seconds 8]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDir, percentile, writeResults, type Figure } from './lib.js';

const flag = process.argv.indexOf('--seconds');
const seconds = flag > 0 ? Number(process.argv[flag + 1]) : 8;
const root = join(benchDir, '..');

function call(agent: Agent, port: number, method: string, path: string, key: string | null, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          ...(key ? { 'X-API-Key': key } : {}),
          ...(body ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function throughput(
  port: number,
  conc: number,
  ms: number,
  make: () => [string, string, string | null, string | undefined],
): Promise<{ rps: number; errors: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: conc });
  let done = 0;
  let errors = 0;
  const end = Date.now() + ms;
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (Date.now() < end) {
        const [m, p, k, b] = make();
        const s = await call(agent, port, m, p, k, b).catch(() => 0);
        if (s === 200) done++;
        else errors++;
      }
    }),
  );
  agent.destroy();
  return { rps: done / (ms / 1000), errors };
}

async function main() {
  if (!existsSync(join(root, 'dist/cli/main.js'))) throw new Error('run `npm run build` first');
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-api-'));
  const server = spawn(process.execPath, [join(root, 'bin/gatehouse.mjs'), 'serve', '--port', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => server.stdout!.on('data', (b: Buffer) => b.toString().includes('listening') && resolve()));
  const info = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as { port: number };
  const { agent_key: agentKey, admin_key: adminKey } = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as {
    agent_key: string;
    admin_key: string;
  };
  const port = info.port;
  await call(new Agent(), port, 'PUT', '/api/v1/settings', adminKey, JSON.stringify({ rate_limit_per_s: 0 }));
  let n = 0;
  const body = () =>
    JSON.stringify({
      agent_id: `agent-${n % 8}`,
      action_type: 'file.read',
      resource: `/home/dev/project/src/file-${n++}.ts`,
      tool_name: 'Read',
      parameters: { file_path: `/home/dev/project/src/file-${n}.ts` },
      context: { cwd: '/home/dev/project' },
    });

  // Serial latency.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 300; i++) await call(agent, port, 'POST', '/api/v1/actions/submit', agentKey, body());
  const lat: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const t0 = process.hrtime.bigint();
    await call(agent, port, 'POST', '/api/v1/actions/submit', agentKey, body());
    lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  agent.destroy();
  lat.sort((a, b) => a - b);

  const health = await throughput(port, 32, seconds * 1000, () => ['GET', '/health', null, undefined]);
  const submit = await throughput(port, 32, seconds * 1000, () => ['POST', '/api/v1/actions/submit', agentKey, body()]);

  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
  rmSync(dataDir, { recursive: true, force: true });

  const figures: Figure[] = [
    {
      id: 'submit_serial_p50',
      label: 'Serial submit latency p50 (loopback, durable)',
      value: percentile(lat, 50),
      unit: 'ms',
      target: 0.5,
      better: 'lower',
    },
    { id: 'submit_serial_p99', label: 'Serial submit latency p99', value: percentile(lat, 99), unit: 'ms', target: 2, better: 'lower' },
    { id: 'health_rps_32', label: 'GET /health throughput, 32 connections', value: health.rps, unit: 'req/s', better: 'higher' },
    {
      id: 'submit_rps_32',
      label: 'Durable submit throughput, 32 connections',
      value: submit.rps,
      unit: 'req/s',
      better: 'higher',
      note: `${submit.errors} non-200`,
    },
    {
      id: 'submit_vs_health',
      label: 'Submit throughput as % of /health',
      value: (submit.rps / health.rps) * 100,
      unit: '%',
      target: 50,
      better: 'higher',
    },
  ];
  writeResults('api', figures);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
