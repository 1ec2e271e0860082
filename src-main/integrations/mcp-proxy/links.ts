import type { ChildProcess } from 'node:child_process';
import spawn from 'cross-spawn';
import type { Readable, Writable } from 'node:stream';
import { LineSplitter } from './jsonrpc.js';

/**
 * A link carries whole JSON-RPC messages as their exact text, one way in (`onmessage`) and one way
 * out (`send`). The relay sits between two links: the MCP client's and the real server's.
 */
export interface RawLink {
  onmessage?: (raw: string) => void;
  onclose?: (why: string) => void;
  onerror?: (e: Error) => void;
  start(): Promise<void>;
  /** Sends one message's exact text. */
  send(raw: string): Promise<void>;
  close(): Promise<void>;
}

/** Newline-delimited JSON-RPC over a pair of streams (MCP stdio framing), byte for byte. */
export class StreamLink implements RawLink {
  onmessage?: (raw: string) => void;
  onclose?: (why: string) => void;
  onerror?: (e: Error) => void;
  private readonly splitter = new LineSplitter();
  private closed = false;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
  ) {}

  async start(): Promise<void> {
    this.input.on('data', (chunk: Buffer | string) => {
      const lines = this.splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      for (const l of lines) this.onmessage?.(l);
    });
    const end = (why: string) => {
      const rest = this.splitter.rest();
      if (rest !== null) this.onmessage?.(rest);
      this.ended(why);
    };
    this.input.once('end', () => end('end of input'));
    this.input.once('close', () => end('input closed'));
    this.input.on('error', (e: Error) => this.onerror?.(e));
    this.output.on('error', (e: Error) => this.onerror?.(e));
  }

  protected ended(why: string): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.(why);
  }

  send(raw: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.output.destroyed || this.output.writableEnded) {
        reject(new Error('the stream is closed'));
        return;
      }
      this.output.write(`${raw}\n`, (e) => (e ? reject(e) : resolve()));
    });
  }

  async close(): Promise<void> {
    this.ended('closed');
  }
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * The real MCP server as a child process on stdio. Its stderr is passed through to ours; closing
 * the link ends its stdin, then sends SIGTERM, then SIGKILL (the MCP stdio shutdown sequence).
 */
export class ChildLink extends StreamLink {
  readonly child: ChildProcess;
  exit: ChildExit | null = null;
  private readonly exited: Promise<ChildExit>;

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv) {
    // cross-spawn: `npx`, `uvx` and other .cmd shims start on Windows too (as the SDK's stdio transport does).
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'inherit'], windowsHide: true });
    super(child.stdout!, child.stdin!);
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      child.once('error', (e) => {
        this.onerror?.(e);
        this.exit ??= { code: 127, signal: null };
        resolve(this.exit);
        this.ended(`cannot start ${command}: ${e.message}`);
      });
    });
  }

  override async start(): Promise<void> {
    await super.start();
    await new Promise<void>((resolve, reject) => {
      if (this.child.pid !== undefined) resolve();
      this.child.once('spawn', () => resolve());
      this.child.once('error', reject);
    });
  }

  /** Resolves when the child has exited. */
  whenExited(): Promise<ChildExit> {
    return this.exited;
  }

  override async close(): Promise<void> {
    const stdin = this.child.stdin;
    if (stdin && !stdin.destroyed) stdin.end();
    const waitExit = (ms: number) =>
      Promise.race([this.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), ms).unref())]);
    if (this.exit === null && !(await waitExit(2_000))) {
      this.child.kill('SIGTERM');
      if (!(await waitExit(2_000))) this.child.kill('SIGKILL');
      await waitExit(2_000);
    }
    await super.close();
  }
}
