import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { parseFrames } from './syslog-parse.js';

/**
 * SIEM receivers on 127.0.0.1 for the sink tests: each records the seqs of the audit records it got,
 * in arrival order, and can be taken down (an outage) and brought back on the same port.
 */
export interface SinkReceiver {
  /** Seqs in arrival order (a re-sent batch appears twice: delivery is at least once). */
  seqs: number[];
  /** Every delivered record line (the JSONL export line). */
  lines: string[];
  port: number;
  /** Answer 503 (HTTP, with `body` if given) / refuse connections (TCP) until `up()`. */
  down(body?: string): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/** Splits a HEC batch (concatenated JSON objects) into its objects. */
export function splitConcatenated(body: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      out.push(JSON.parse(body.slice(start, i + 1)));
      start = i + 1;
    }
  }
  return out;
}

/** An HTTP receiver: `parse` turns one request body into record lines; `check` validates headers. */
export async function httpReceiver(
  path: string,
  parse: (body: string) => string[],
  check: (h: IncomingHttpHeaders) => boolean,
): Promise<SinkReceiver> {
  let outage = false;
  let outageBody = '{"text":"Server is busy","code":9}';
  const r: SinkReceiver = {
    seqs: [],
    lines: [],
    port: 0,
    down: async (body?: string) => {
      outage = true;
      if (body !== undefined) outageBody = body;
    },
    up: async () => void (outage = false),
    close: () => new Promise<void>((res) => server.close(() => res())),
  };
  const server: Server = createHttpServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      if (outage) return void res.writeHead(503).end(outageBody);
      if (req.url !== path || req.method !== 'POST') return void res.writeHead(404).end();
      if (!check(req.headers)) return void res.writeHead(401).end();
      for (const line of parse(body)) {
        r.lines.push(line);
        r.seqs.push((JSON.parse(line) as { seq: number }).seq);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"Success","code":0}');
    });
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  r.port = (server.address() as AddressInfo).port;
  r.close = () =>
    new Promise<void>((res) => {
      server.closeAllConnections();
      server.close(() => res());
    });
  return r;
}

export const hecReceiver = (token: string) =>
  httpReceiver(
    '/services/collector/event',
    (body) => splitConcatenated(body).map((e) => JSON.stringify((e as { event: unknown }).event)),
    (h) => h.authorization === `Splunk ${token}` && h['content-type'] === 'application/json',
  );

export const otlpReceiver = () =>
  httpReceiver(
    '/v1/logs',
    (body) =>
      (JSON.parse(body) as { resourceLogs: { scopeLogs: { logRecords: { body: { stringValue: string } }[] }[] }[] }).resourceLogs.flatMap(
        (rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((lr) => lr.body.stringValue)),
      ),
    (h) => h['content-type'] === 'application/json',
  );

/** A syslog TCP receiver: each connection's bytes are parsed as RFC 5424 octet-counted frames when it closes. */
export async function syslogReceiver(): Promise<SinkReceiver & { frames: number }> {
  let server: TcpServer;
  const r = {
    seqs: [] as number[],
    lines: [] as string[],
    frames: 0,
    port: 0,
    down: () => new Promise<void>((res) => server.close(() => res())),
    up: () => listen(r.port),
    close: () => new Promise<void>((res) => (server.listening ? server.close(() => res()) : res())),
  };
  const listen = (port: number) =>
    new Promise<void>((res, rej) => {
      server = createTcpServer((sock) => {
        const chunks: Buffer[] = [];
        sock.on('data', (c) => chunks.push(c));
        sock.on('end', () => {
          for (const f of parseFrames(Buffer.concat(chunks))) {
            const line = f.msg.slice(1); // the BOM
            r.frames++;
            r.lines.push(line);
            r.seqs.push((JSON.parse(line) as { seq: number }).seq);
          }
          sock.end();
        });
        sock.on('error', () => undefined);
      });
      server.once('error', rej);
      server.listen(port, '127.0.0.1', () => {
        r.port = (server.address() as AddressInfo).port;
        res();
      });
    });
  await listen(0);
  return r;
}
