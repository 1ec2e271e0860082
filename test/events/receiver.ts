import crypto from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The seeds' verifier (004 "Node.js: Webhook Handler") accepted the signature. */
  signatureOk: boolean;
}

/** What to do with request number `n` (0-based): answer a status, or never answer ('hang'). */
export type Responder = (n: number) => number | 'hang';

/** The seeds' verifier, verbatim in substance: HMAC-SHA256 over `${timestamp}.${payload}`, compared to `v1=...`. */
export function seedVerify(secret: string, headers: IncomingHttpHeaders, payload: string): boolean {
  const signature = headers['x-signature'];
  const timestamp = headers['x-request-timestamp'];
  const expected = crypto
    .createHmac('sha256', secret)
    .update(`${String(timestamp)}.${payload}`)
    .digest('hex');
  return `v1=${expected}` === signature;
}

/** A webhook receiver on 127.0.0.1, port 0, recording every request. */
export class Receiver {
  readonly received: Received[] = [];
  /** What a 4xx/5xx answer says. */
  errorBody = 'receiver says no';
  private readonly hanging: ServerResponse[] = [];
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    public respond: Responder,
    private readonly secret: string | null,
  ) {}

  static async start(respond: Responder, secret: string | null = null): Promise<Receiver> {
    let self: Receiver | null = null;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => self?.handle(req.headers, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new Receiver(server, `http://127.0.0.1:${port}/hook`, respond, secret);
    return self;
  }

  private handle(headers: IncomingHttpHeaders, body: string, res: ServerResponse): void {
    const n = this.received.length;
    this.received.push({ headers, body, signatureOk: this.secret ? seedVerify(this.secret, headers, body) : false });
    for (const w of this.waiters) w();
    const answer = this.respond(n);
    if (answer === 'hang') {
      this.hanging.push(res);
      return;
    }
    if (this.secret && !seedVerify(this.secret, headers, body)) {
      res.writeHead(401).end('Invalid signature');
      return;
    }
    res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer >= 400 ? this.errorBody : 'OK');
  }

  /** Resolves once at least `n` requests have arrived. */
  async waitFor(n: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < n) {
      if (Date.now() > deadline) throw new Error(`receiver got ${this.received.length} of ${n} requests`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
      this.waiters = [];
    }
  }

  async close(): Promise<void> {
    for (const r of this.hanging) r.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Polls `fn` until it returns a truthy value. */
export async function until<T>(
  fn: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
