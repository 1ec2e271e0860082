import { open } from 'node:fs/promises';
import { hostname } from 'node:os';
import { connect } from 'node:net';
import type { SinkConfig } from '../../../src-shared/index.js';
import { hecBatch, octetFrame, otlpLogs, syslogMessage, type SinkRecord } from '../../audit/sink-formats.js';

/**
 * How a batch of records reaches each kind of sink (SPEC 7.8). A send resolves only once the
 * receiver has taken the whole batch (a 2xx, the TCP peer closing after reading it, the file
 * fsynced) and throws otherwise; the caller then retries the same batch, so delivery is at least
 * once and in order. Nothing is sent anywhere but the configured target; redirects are not followed.
 */

export type Send = (records: readonly SinkRecord[]) => Promise<void>;

const TIMEOUT_MS = 15_000;

export class SinkSendError extends Error {
  override readonly name = 'SinkSendError';
}

/** `base` with `suffix` appended unless the path already ends with it. */
export function endpointUrl(base: string, suffix: string): string {
  const u = new URL(base);
  if (!u.pathname.replace(/\/+$/, '').endsWith(suffix)) u.pathname = `${u.pathname.replace(/\/+$/, '')}${suffix}`;
  return u.toString();
}

/**
 * The HEC event endpoint of a collector URL. Splunk's own docs and most configs name the collector
 * as `https://host:8088/services/collector` (the older alias of the event endpoint): that gets
 * `/event`, not a second `/services/collector/event` (which answers 404 forever).
 */
export function hecEndpoint(base: string): string {
  const u = new URL(base);
  const path = u.pathname.replace(/\/+$/, '');
  if (!path.endsWith('/services/collector')) return endpointUrl(base, '/services/collector/event');
  u.pathname = `${path}/event`;
  return u.toString();
}

/** Posts a batch; `secret` (the token) is taken out of an error answer before it is cut short, so no part of it shows. */
async function post(url: string, body: string, headers: Record<string, string>, secret?: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', ...headers },
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    throw new SinkSendError(
      `${err.name === 'TimeoutError' ? `timed out after ${TIMEOUT_MS} ms` : err.message}${err.cause?.code ? ` (${err.cause.code})` : ''}`,
    );
  }
  let text = await res.text().catch(() => '');
  if (secret) text = text.split(secret).join('…');
  if (res.status < 200 || res.status >= 300)
    throw new SinkSendError(`HTTP ${res.status}${text ? `: ${text.replace(/\s+/g, ' ').slice(0, 200)}` : ''}`);
}

/**
 * How long the connection must stay open, after the batch left, before our end is sent: a peer
 * that closes in that window (an overloaded collector, a load balancer with no healthy backend
 * accepting and hanging up) closed without reading the batch. Its FIN then often reaches us before
 * the RST its kernel sends for the unread bytes, and a sender that half-closed at once would take
 * that FIN for "read everything" and count a batch nobody received as delivered. A few round trips
 * (the connect time measures one), at least 100 ms.
 */
const SETTLE_MIN_MS = 100;
const SETTLE_MAX_MS = 5_000;

/**
 * RFC 5424 frames over one TCP connection per batch (plain TCP syslog has no acknowledgement): the
 * frames are written, the connection must stay open for a settle time, then our end is sent and the
 * batch counts as delivered once the peer, having read up to it, closes too. A peer that closes or
 * resets before our end was sent fails the batch, which is sent again (at least once).
 */
function sendSyslog(host: string, port: number, frames: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect({ host, port });
    let phase: 'writing' | 'settling' | 'ending' = 'writing';
    let settled = false;
    let settleTimer: NodeJS.Timeout | null = null;
    const done = (err: SinkSendError | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (settleTimer) clearTimeout(settleTimer);
      if (err) {
        socket.destroy();
        reject(err);
      } else resolve();
    };
    const timer = setTimeout(() => {
      socket.destroy();
      // The peer held the connection open past our end without closing it: every byte was handed
      // over and it never hung up early, so it is counted sent.
      done(phase === 'ending' ? null : new SinkSendError(`timed out after ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    let connectMs = 0;
    socket.once('connect', () => (connectMs = Date.now() - started));
    socket.once('error', (e: NodeJS.ErrnoException) => done(new SinkSendError(`${e.code ?? ''} ${e.message}`.trim())));
    socket.once('end', () => {
      if (phase !== 'ending') done(new SinkSendError('the syslog receiver closed the connection before it could have read the batch'));
    });
    socket.once('close', (hadError) => {
      if (!hadError && phase === 'ending') done(null);
      else done(new SinkSendError('the syslog receiver closed the connection before reading the batch'));
    });
    socket.on('data', () => undefined); // a receiver may answer; it is not read
    socket.write(frames, (err) => {
      if (err || settled) return; // the error handler has it
      phase = 'settling';
      const settle = Math.min(SETTLE_MAX_MS, Math.max(SETTLE_MIN_MS, 3 * connectMs));
      settleTimer = setTimeout(() => {
        phase = 'ending';
        socket.end();
      }, settle);
    });
  });
}

async function appendFile(path: string, text: string): Promise<void> {
  const fh = await open(path, 'a', 0o600);
  try {
    await fh.write(text);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

export interface SendContext {
  installId: string;
}

/** The send function of a sink. */
export function transportOf(c: SinkConfig, ctx: SendContext): Send {
  const host = hostname();
  switch (c.type) {
    case 'splunk_hec': {
      const url = hecEndpoint(c.url);
      return (records) =>
        post(url, hecBatch(records, { host, ...(c.index ? { index: c.index } : {}) }), { Authorization: `Splunk ${c.token}` }, c.token);
    }
    case 'otlp_http': {
      const url = endpointUrl(c.url, '/v1/logs');
      const headers: Record<string, string> = c.token ? { Authorization: `Bearer ${c.token}` } : {};
      return (records) => post(url, otlpLogs(records, { hostname: host, installId: ctx.installId }), headers, c.token);
    }
    case 'syslog':
      return (records) =>
        sendSyslog(
          c.host,
          c.port,
          Buffer.concat(records.map((r) => octetFrame(syslogMessage(r, { hostname: host, procId: process.pid })))),
        );
    case 'file':
      return (records) => appendFile(c.path, records.map((r) => `${r.line}\n`).join(''));
  }
}

/** Where a sink sends, for people: the URL without credentials or query, `host:port`, or the path. */
export function targetOf(c: SinkConfig): string {
  switch (c.type) {
    case 'splunk_hec':
    case 'otlp_http': {
      const u = new URL(c.url);
      return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
    }
    case 'syslog':
      return `${c.host}:${c.port}`;
    case 'file':
      return c.path;
  }
}
