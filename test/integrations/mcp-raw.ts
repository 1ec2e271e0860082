import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, NODE } from './helpers.js';

/** The hand-written fixture server (test/integrations/fixtures/mcp-exact-server.mjs). */
export const EXACT_SERVER = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'mcp-exact-server.mjs');

/**
 * `gatehouse mcp-proxy` driven with hand-written JSON-RPC lines: what it writes to stdout is kept
 * as the exact lines it wrote, so tests can compare bytes.
 */
export class RawProxy {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  stderr = '';
  private buf = '';
  private consumed = new Set<number>();
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string>) {
    this.proc = spawn(NODE, [BIN, 'mcp-proxy', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (c: string) => {
      this.buf += c;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        this.lines.push(this.buf.slice(0, nl));
        this.buf = this.buf.slice(nl + 1);
      }
    });
    this.proc.stderr.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.exited = new Promise((r) => this.proc.on('exit', (code) => r(code)));
  }

  send(line: string): void {
    this.proc.stdin.write(`${line}\n`);
  }

  /** The first line not yet taken that matches, waiting for it. */
  async next(pred: (line: string, msg: Record<string, unknown>) => boolean, timeoutMs = 15_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      for (let i = 0; i < this.lines.length; i++) {
        if (this.consumed.has(i)) continue;
        const line = this.lines[i]!;
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        if (pred(line, msg)) {
          this.consumed.add(i);
          return line;
        }
      }
      if (Date.now() > end) throw new Error(`no matching line in ${timeoutMs} ms; got:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** The answer to request `id` (compared as JSON text of the id). */
  answer(idText: string, timeoutMs?: number): Promise<string> {
    return this.next(
      (l, m) => m.method === undefined && JSON.stringify(m.id) === JSON.stringify(JSON.parse(idText)) && l.includes(`"id":${idText}`),
      timeoutMs,
    );
  }

  async close(): Promise<number | null> {
    this.proc.stdin.end();
    return this.exited;
  }
}

/** The lines the fixture server received (exact text), from its log file. */
export function receivedLines(log: string): string[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as string);
}

/** The whole body of a request to a test's hand-written server, as text. */
export const requestBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let b = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (b += c));
    req.on('end', () => resolve(b));
  });

/** The lines the proxy wrote so far that answer the request whose id's JSON text is `id`. */
export const linesAnswering = (p: RawProxy, id: string): string[] =>
  p.lines.filter((l) => {
    try {
      const m = JSON.parse(l) as { id?: unknown; method?: unknown };
      return m.method === undefined && JSON.stringify(m.id) === id;
    } catch {
      return false;
    }
  });
