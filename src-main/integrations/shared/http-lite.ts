import { request as httpRequest, type IncomingMessage } from 'node:http';

/**
 * A minimal JSON-over-HTTP call on `node:http`, for the Claude Code hook: it runs before every tool
 * call, and loading `fetch` (undici) costs about 20 ms of start-up where `node:http` costs about 5.
 * HTTPS URLs (a user-configured GATEHOUSE_URL) are handled by loading `node:https` on demand.
 */
export interface LiteResponse {
  status: number;
  body: unknown;
}

export class LiteUnreachable extends Error {
  override readonly name = 'LiteUnreachable';
}

export async function jsonRequest(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  o: { apiKey?: string | null; body?: unknown; timeoutMs: number },
): Promise<LiteResponse> {
  let url: URL;
  try {
    url = new URL(path, `${baseUrl}/`);
  } catch {
    throw new LiteUnreachable(`invalid Gatehouse URL ${JSON.stringify(baseUrl)}`);
  }
  const requestFn = url.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  const payload = o.body === undefined ? undefined : Buffer.from(JSON.stringify(o.body));
  const headers: Record<string, string> = { accept: 'application/json', connection: 'close' };
  if (o.apiKey) headers['x-api-key'] = o.apiKey;
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  return new Promise<LiteResponse>((resolve, reject) => {
    let settled = false;
    const fail = (msg: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(new LiteUnreachable(msg));
    };
    const req = requestFn(url, { method, headers }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => fail(e.message));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = null;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          body = null;
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    const timer = setTimeout(() => fail(`no answer within ${Math.round(o.timeoutMs / 1000)} s`), o.timeoutMs);
    timer.unref();
    req.on('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
    req.end(payload);
  });
}
