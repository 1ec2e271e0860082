/** What the audit commands print to, and how they report progress and HTTP failures. */

export interface Out {
  stdout: (s: string) => void;
  stderr: NodeJS.WriteStream;
  /** Standard output as a stream, for an export written there (`--out -`; process.stdout when absent). */
  raw?: NodeJS.WritableStream;
}
export const defaultOut = (): Out => ({ stdout: (s) => void process.stdout.write(s), stderr: process.stderr, raw: process.stdout });

/** A one-line progress indicator, silent when stderr is not a TTY. */
export class Progress {
  private last = 0;
  constructor(private readonly stream: NodeJS.WriteStream) {}
  get active(): boolean {
    return Boolean(this.stream.isTTY);
  }
  /** `label` may be a function: it is then only called when the line is drawn (at most every 100 ms). */
  update(label: string | (() => string), done: number, total?: number): void {
    if (!this.active) return;
    const now = Date.now();
    if (now - this.last < 100 && (total === undefined || done < total)) return;
    this.last = now;
    let line = typeof label === 'function' ? label() : label;
    if (total) {
      const frac = Math.min(1, done / total);
      const width = 30;
      const filled = Math.round(frac * width);
      line += ` [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(frac * 100).toFixed(0)}%`;
    }
    this.stream.write(`\r\x1b[2K${line}`);
  }
  done(): void {
    if (this.active) this.stream.write('\r\x1b[2K');
  }
}

export async function errorLine(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.message) return `${res.status} ${body.error.code ?? ''}: ${body.error.message}`.replace(' :', ':');
  } catch {
    // not JSON
  }
  return `${res.status} ${res.statusText}`;
}

export const unreachable = (url: string, e: unknown): string =>
  `cannot reach Gatehouse at ${url} (${(e as Error).message}). Is the server running? (gatehouse serve)`;
