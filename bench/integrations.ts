/**
 * Integration benchmarks (`npx tsx bench/integrations.ts [--runs N] [--calls N]`):
 *
 * - each agent's installed hook (the transport `gatehouse hook install` writes: sh handing over to bash,
 *   which speaks HTTP over its /dev/tcp with builtins only — curl and Node are its fallbacks) — its
 *   whole-process time for an allowed call (spawn the command as the agent does, feed the agent's
 *   own read event, wait for exit) next to a bare `node -e 0` in the same run — target ≤ 0.5×;
 * - the MCP proxy's added latency per allowed tools/call: a cheap tool of the filesystem server
 *   called through the proxy vs directly, beside a `GET /health` round trip of the same Gatehouse
 *   in the same run (issue 15 target: added p50 ≤ 4 × the /health p50), with the two parts of that
 *   figure — the relay itself (a ping through the proxy vs directly) and Gatehouse's durable
 *   decision (`POST /api/v1/actions/submit`, acknowledged once committed) — and the machine's load.
 *
 * Writes bench/results/integrations.json and prints a table.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { runHookInstall } from '../src-main/integrations/hooks/install/run.js';
import { targetsOf } from '../src-main/services/hooks/config/targets.js';
import { HOOK_AGENTS, type HookAgent } from '../src-main/services/hooks/types.js';
import { BIN, cleanEnv, FS_SERVER, NODE, startServer } from '../test/integrations/helpers.js';
import { fixture } from '../test/integrations/hooks/fixtures/index.js';
import { installedCommand } from '../test/integrations/hooks/run.js';
import { percentile, writeResults, type Figure } from './lib.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const RUNS = opt('--runs', 30);
const CALLS = opt('--calls', 300);

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const stats = (xs: number[]) => {
  const s = sorted(xs);
  return { p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99) };
};

function timeProcess(
  cmd: string,
  args: string[],
  input: string | null,
  env: Record<string, string>,
): Promise<{ ms: number; stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'ignore'] });
    let stdout = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ ms: performance.now() - t0, stdout, code }));
    p.stdin.on('error', () => undefined);
    p.stdin.end(input ?? undefined);
  });
}

/** Which of the transport's ways the hook takes on this machine (the first of bash, curl, Node found on PATH). */
function transportWay(): string {
  const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
  return has('bash') ? 'sh → bash /dev/tcp' : has('curl') ? 'sh + curl' : 'sh → Node';
}

async function main() {
  const server = await startServer(); // also builds the CLI and dist/cli/hook.js when needed
  const figures: Figure[] = [];
  try {
    // --- 1. hook whole-process time, per agent, through the command `hook install` wrote ---------
    const home = mkdtempSync(join(tmpdir(), 'gatehouse-bench-home-'));
    const env = cleanEnv({ HOME: home, GATEHOUSE_HOME: server.dataDir });
    const installed = new Map<HookAgent, { cmd: string; args: string[] }>();
    for (const agent of HOOK_AGENTS) {
      await runHookInstall(agent, { home, dataDir: server.dataDir, log: () => undefined });
      installed.set(agent, installedCommand(agent, targetsOf(agent, 'user', { home })[0]!.path));
    }
    // An allowed call: a file read (allowed by the default policy; Codex reads through `cat`).
    const allowedCall = (agent: HookAgent) => fixture(agent, 'read');
    const bareMs: number[] = [];
    const hookMs = new Map<HookAgent, number[]>(HOOK_AGENTS.map((a) => [a, []]));
    for (let i = 0; i < 3; i++) {
      await timeProcess(NODE, ['-e', '0'], null, env);
      for (const agent of HOOK_AGENTS) {
        const c = installed.get(agent)!;
        const w = await timeProcess(c.cmd, c.args, allowedCall(agent), env);
        if (w.code !== 0 || /"(deny|ask)"|cancel":true/.test(w.stdout))
          throw new Error(`${agent} hook did not allow: ${w.code} ${w.stdout}`);
      }
    }
    for (let i = 0; i < RUNS; i++) {
      // interleaved, so machine noise hits all alike
      bareMs.push((await timeProcess(NODE, ['-e', '0'], null, env)).ms);
      for (const agent of HOOK_AGENTS) {
        const c = installed.get(agent)!;
        const r = await timeProcess(c.cmd, c.args, allowedCall(agent), env);
        if (r.code !== 0 || /"(deny|ask)"|cancel":true/.test(r.stdout))
          throw new Error(`${agent} hook run ${i} failed: ${r.code} ${r.stdout}`);
        hookMs.get(agent)!.push(r.ms);
      }
    }
    rmSync(home, { recursive: true, force: true });
    const b = stats(bareMs);
    figures.push(
      { id: 'node_bare_p50', label: `Bare \`node -e 0\` p50 (reference, N=${RUNS})`, value: b.p50, unit: 'ms', better: 'lower' },
      { id: 'node_bare_p90', label: 'Bare `node -e 0` p90 (reference)', value: b.p90, unit: 'ms', better: 'lower' },
    );
    for (const agent of HOOK_AGENTS) {
      const h = stats(hookMs.get(agent)!);
      figures.push(
        {
          id: `hook_${agent}_p50`,
          label: `${agent} installed hook (${transportWay()}), whole process, allowed call, p50`,
          value: h.p50,
          unit: 'ms',
          target: 0.5 * b.p50,
          better: 'lower',
          note: 'target: half a bare node p50, same run',
        },
        { id: `hook_${agent}_p90`, label: `${agent} installed hook, p90`, value: h.p90, unit: 'ms', better: 'lower' },
        {
          id: `hook_${agent}_ratio`,
          label: `${agent} hook p50 / bare node p50`,
          value: h.p50 / b.p50,
          unit: '×',
          target: 0.5,
          better: 'lower',
        },
      );
    }

    // --- 1b. the transport's three ways side by side (PATH decides which one runs) ---------------
    // Cursor's beforeReadFile carries the file's content: a small read, and one of ~200 KB.
    const ways = { bash: ['sh', 'bash'], curl: ['sh', 'cat', 'curl'], node: ['sh', 'cat'] } as const;
    const waysRoot = mkdtempSync(join(tmpdir(), 'gatehouse-bench-ways-'));
    const wayEnv = new Map<string, Record<string, string>>();
    for (const [way, tools] of Object.entries(ways)) {
      const d = join(waysRoot, way);
      mkdirSync(d);
      for (const t of tools) {
        const at = spawnSync('sh', ['-c', `command -v ${t}`], { encoding: 'utf8' }).stdout.trim();
        if (at) symlinkSync(at, join(d, t));
      }
      wayEnv.set(way, { ...env, PATH: d });
    }
    const cursorRead = (content: string) => {
      const o = JSON.parse(fixture('cursor', 'read')) as Record<string, unknown>;
      return JSON.stringify({ ...o, content });
    };
    const unit = 'export const line = "text with é, €, 😀 and \\"quotes\\"";\n';
    const sizes = { small: cursorRead('# README\n'), '200kb': cursorRead(unit.repeat(Math.ceil(200_000 / Buffer.byteLength(unit)))) };
    const cursorCmd = installed.get('cursor')!;
    const wayMs = new Map<string, number[]>();
    const WAY_RUNS = Math.max(5, Math.round(RUNS / 2));
    for (let i = 0; i < WAY_RUNS + 1; i++) {
      for (const [size, input] of Object.entries(sizes)) {
        for (const way of Object.keys(ways)) {
          const r = await timeProcess('/bin/sh', cursorCmd.args, input, wayEnv.get(way)!);
          if (r.code !== 0 || !r.stdout.includes('"allow"')) throw new Error(`cursor hook via ${way} (${size}) did not allow: ${r.stdout}`);
          if (i === 0) continue; // warm-up
          const k = `${way}/${size}`;
          wayMs.set(k, [...(wayMs.get(k) ?? []), r.ms]);
        }
      }
    }
    rmSync(waysRoot, { recursive: true, force: true });
    const WAY_LABEL = { bash: 'bash /dev/tcp', curl: 'curl (no bash on PATH)', node: 'Node transport (no bash, no curl)' } as const;
    for (const size of Object.keys(sizes))
      for (const way of Object.keys(ways) as (keyof typeof ways)[]) {
        const h = stats(wayMs.get(`${way}/${size}`)!);
        figures.push({
          id: `hook_way_${way}_${size}_p50`,
          label: `cursor hook through ${WAY_LABEL[way]}, allowed read (${size === 'small' ? 'small' : '~200 KB content'}), p50 (N=${WAY_RUNS})`,
          value: h.p50,
          unit: 'ms',
          better: 'lower',
          note: `p90 ${h.p90.toFixed(1)} ms; same run as the bare node p50 ${b.p50.toFixed(1)} ms`,
        });
      }

    // --- 2. MCP proxy added latency -------------------------------------------------------------
    const root = mkdtempSync(join(tmpdir(), 'gatehouse-bench-fs-'));
    const connect = async (viaProxy: boolean) => {
      const args = viaProxy ? [BIN, 'mcp-proxy', '--server-id', 'bench-fs', '--', NODE, FS_SERVER, root] : [FS_SERVER, root];
      const transport = new StdioClientTransport({
        command: NODE,
        args,
        env: cleanEnv({ GATEHOUSE_HOME: server.dataDir }),
        stderr: 'ignore',
      });
      const client = new Client({ name: 'bench', version: '1' });
      await client.connect(transport);
      return client;
    };
    const direct = await connect(false);
    const proxied = await connect(true);
    const call = (c: Client) => c.callTool({ name: 'list_allowed_directories', arguments: {} });
    const timeIt = async (f: () => Promise<unknown>) => {
      const t0 = performance.now();
      await f();
      return performance.now() - t0;
    };
    for (let i = 0; i < 30; i++) {
      await call(direct);
      const r = await call(proxied);
      if (r.isError) throw new Error(`proxied call failed: ${JSON.stringify(r)}`);
      await direct.ping();
      await proxied.ping();
    }
    const health = async () => {
      const res = await fetch(`${server.url}/health`);
      await res.text();
    };
    for (let i = 0; i < 30; i++) await health();
    const directMs: number[] = [];
    const proxiedMs: number[] = [];
    const pingDirect: number[] = [];
    const pingProxied: number[] = [];
    const healthMs: number[] = [];
    const loadBefore = loadavg()[0]!;
    for (let i = 0; i < CALLS; i++) {
      // interleaved, so machine noise hits all alike
      directMs.push(await timeIt(() => call(direct)));
      proxiedMs.push(await timeIt(() => call(proxied)));
      healthMs.push(await timeIt(health));
      pingDirect.push(await timeIt(() => direct.ping()));
      pingProxied.push(await timeIt(() => proxied.ping()));
    }
    const loadAfter = loadavg()[0]!;
    // Gatehouse's own decision round-trip, measured the same way the proxy calls it.
    const submitMs: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      submitMs.push(
        await timeIt(async () => {
          const res = await fetch(`${server.url}/api/v1/actions/submit`, {
            method: 'POST',
            headers: { 'x-api-key': server.agentKey, 'content-type': 'application/json' },
            body: JSON.stringify({
              agent_id: 'mcp-client',
              action_type: 'mcp.tool_call',
              tool_name: 'list_allowed_directories',
              mcp: { server_id: 'bench-fs', tool: 'list_allowed_directories' },
              resource: 'mcp://bench-fs/list_allowed_directories',
              parameters: {},
            }),
          });
          await res.text();
        }),
      );
    }
    await direct.close();
    await proxied.close();
    rmSync(root, { recursive: true, force: true });

    const d = stats(directMs);
    const p = stats(proxiedMs);
    const pd = stats(pingDirect);
    const pp = stats(pingProxied);
    const s = stats(submitMs);
    const hl = stats(healthMs);
    figures.push(
      {
        id: 'proxy_added_p50',
        label: `MCP proxy added latency per allowed tools/call p50 (N=${CALLS})`,
        value: p.p50 - d.p50,
        unit: 'ms',
        target: 4 * hl.p50,
        better: 'lower',
        note: 'target: 4 × the /health p50 of the same run; includes Gatehouse’s durable decision (see submit p50)',
      },
      {
        id: 'proxy_added_p99',
        label: 'MCP proxy added latency per allowed tools/call p99',
        value: p.p99 - d.p99,
        unit: 'ms',
        better: 'lower',
      },
      { id: 'health_p50', label: 'GET /health round trip p50 (same run, reference)', value: hl.p50, unit: 'ms', better: 'lower' },
      { id: 'health_p99', label: 'GET /health round trip p99 (same run, reference)', value: hl.p99, unit: 'ms', better: 'lower' },
      {
        id: 'proxy_added_vs_health',
        label: 'MCP proxy added p50 / /health p50',
        value: (p.p50 - d.p50) / hl.p50,
        unit: '×',
        target: 4,
        better: 'lower',
      },
      {
        id: 'mcp_bench_load',
        label: 'Machine load (1-min load average) during the MCP bench',
        value: (loadBefore + loadAfter) / 2,
        unit: '',
        better: 'lower',
        note: `before ${loadBefore.toFixed(2)}, after ${loadAfter.toFixed(2)}, on ${(await import('node:os')).cpus().length} cores`,
      },
      { id: 'tools_call_direct_p50', label: 'tools/call directly to the server p50', value: d.p50, unit: 'ms', better: 'lower' },
      { id: 'tools_call_proxied_p50', label: 'tools/call through the proxy p50', value: p.p50, unit: 'ms', better: 'lower' },
      { id: 'tools_call_direct_p99', label: 'tools/call directly to the server p99', value: d.p99, unit: 'ms', better: 'lower' },
      { id: 'tools_call_proxied_p99', label: 'tools/call through the proxy p99', value: p.p99, unit: 'ms', better: 'lower' },
      {
        id: 'proxy_relay_added_p50',
        label: 'Proxy relay alone (ping through proxy − direct) p50',
        value: pp.p50 - pd.p50,
        unit: 'ms',
        better: 'lower',
        note: 'the relay without a decision',
      },
      {
        id: 'proxy_added_beyond_decision_p50',
        label: 'MCP proxy added p50 minus the submit round-trip p50',
        value: p.p50 - d.p50 - s.p50,
        unit: 'ms',
        better: 'lower',
        note: 'what the proxy adds besides Gatehouse’s durable decision (an indication: percentiles do not subtract exactly)',
      },
      {
        id: 'submit_decision_p50',
        label: 'Gatehouse submit round-trip (the decision) p50',
        value: s.p50,
        unit: 'ms',
        better: 'lower',
        note: 'acknowledged after the journal fsync',
      },
      { id: 'submit_decision_p99', label: 'Gatehouse submit round-trip (the decision) p99', value: s.p99, unit: 'ms', better: 'lower' },
    );
  } finally {
    await server.stop();
  }
  writeResults('integrations', figures);
}

await main();
