import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Helpers for the gateway tests: a tiny upstream API, free ports, and Debian's nginx. */

export interface Upstream {
  port: number;
  /** Requests the upstream received, in order. */
  hits: { method: string; url: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1:0 that records each request and answers `upstream says hi`. */
export async function startUpstream(): Promise<Upstream> {
  const hits: Upstream['hits'] = [];
  const server: Server = createServer((req, res) => {
    hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`upstream says hi: ${req.method} ${req.url}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** A port that was free a moment ago (for programs that need a number up front, like nginx). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

const NGINX_CANDIDATES = [process.env.NGINX_PATH, '/usr/sbin/nginx', '/usr/bin/nginx'].filter((p): p is string => !!p);

/** Debian's nginx; installed with apt when missing and running as root, else a clear error. */
export function findNginx(): string {
  const found = NGINX_CANDIDATES.find((p) => existsSync(p));
  if (found) return found;
  if (process.getuid?.() === 0) {
    const r = spawnSync('apt-get', ['install', '-y', 'nginx'], { stdio: 'inherit', timeout: 600_000 });
    if (r.status === 0 && existsSync('/usr/sbin/nginx')) return '/usr/sbin/nginx';
  }
  throw new Error('nginx not found: the gateway test needs Debian’s nginx (apt-get install -y nginx) or NGINX_PATH.');
}

/** Starts nginx in the foreground with `conf` and `prefix`; resolves once it accepts connections on `port`. */
export async function startNginx(
  bin: string,
  prefix: string,
  conf: string,
  port: number,
): Promise<ChildProcess & { output: () => string }> {
  const proc = spawn(bin, ['-p', prefix, '-c', conf, '-e', `${prefix}/error.log`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const end = Date.now() + 15_000;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`nginx exited ${proc.exitCode}: ${out}`);
    try {
      await fetch(`http://127.0.0.1:${port}/__probe__`, { method: 'HEAD' });
      return Object.assign(proc, { output: () => out });
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  proc.kill('SIGKILL');
  throw new Error(`nginx did not start: ${out}`);
}

/** The policies every gateway test decides with: deny admin deletes, hold payments, allow reads. */
export const GATEWAY_POLICIES = [
  { id: 'no-admin-deletes', effect: 'deny', priority: 200, when: { action_type: 'http.delete', resource: '*/admin/*' } },
  { id: 'payments-need-a-person', effect: 'require_approval', priority: 100, when: { action_type: 'http.post', resource: '*/payments*' } },
  { id: 'reads-ok', effect: 'allow', priority: 10, when: { action_type: 'http.get' } },
];
