import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import type { HookAgent } from '../../../src-main/services/hooks/types.js';
import { BIN, NODE } from '../helpers.js';

/** Runs hooks the way the agents run them: the installed command line through `sh -c`, input on stdin. */
export interface HookRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function spawnHook(cmd: string, args: string[], input: string, env: Record<string, string>, timeoutMs = 60_000): Promise<HookRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`hook timed out: ${cmd} ${args.join(' ')}; stderr: ${stderr}`));
    }, timeoutMs);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
    p.stdin.on('error', () => undefined);
    p.stdin.end(input);
  });
}

/** The command an agent's config holds for our hook (for Cline: the executable file). */
export function installedCommand(agent: HookAgent, configPath: string): { cmd: string; args: string[] } {
  if (agent === 'cline') {
    if (!(statSync(configPath).mode & 0o100)) throw new Error(`${configPath} is not executable`);
    return { cmd: configPath, args: [] };
  }
  const found: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string' && v.includes('gatehouse-hook.sh')) found.push(v);
    else if (v && typeof v === 'object') for (const x of Object.values(v as object)) walk(x);
  };
  walk(JSON.parse(readFileSync(configPath, 'utf8')));
  if (!found.length) throw new Error(`no Gatehouse hook in ${configPath}`);
  return { cmd: 'sh', args: ['-c', found[0]!] };
}

/** The installed command with another hold (`--wait`), for the timeout cases. */
export function withWait(c: { cmd: string; args: string[] }, waitS: number): { cmd: string; args: string[] } {
  if (c.cmd === 'sh') return { cmd: 'sh', args: ['-c', c.args[1]!.replace(/--wait \d+/, `--wait ${waitS}`)] };
  const text = readFileSync(c.cmd, 'utf8');
  const line = /^exec (.*)$/m.exec(text)![1]!;
  return { cmd: 'sh', args: ['-c', line.replace(/--wait \d+/, `--wait ${waitS}`)] };
}

/** The Node transport, `gatehouse hook AGENT`. */
export const nodeHook = (agent: HookAgent, dataDir: string, waitS: number, onError = 'ask') => ({
  cmd: NODE,
  args: [BIN, 'hook', agent, '--data-dir', dataDir, '--wait', String(waitS), '--on-error', onError],
});
