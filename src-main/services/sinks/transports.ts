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

async function post(url: string, body: string, headers: Record<string, string>): Promise<void> {
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
  const text = await res.text().catch(() => '');
  if (res.status < 200 || res.status >= 300)
    throw new SinkSendError(`HTTP ${res.status}${text ? `: ${text.replace(/\s+/g, ' ').slice(0, 200)}` : ''}`);
}

/** RFC 5424 frames over one TCP connection per batch; done when the peer has closed after our end. */
function sendSyslog(host: string, port: number, frames: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let finished = false;
    const timer = setTimeout(() => {
      socket.destroy();
      // Every byte was handed to the peer's TCP stack and it never answered our FIN: count it sent.
      if (finished) resolve();
      else reject(new SinkSendError(`timed out after ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new SinkSendError(`${e.code ?? ''} ${e.message}`.trim()));
    });
    socket.once('close', (hadError) => {
      clearTimeout(timer);
      if (!hadError && finished) resolve();
      else if (!hadError) reject(new SinkSendError('the syslog receiver closed the connection before reading the batch'));
    });
    socket.on('data', () => undefined); // a receiver may answer; it is not read
    socket.end(frames, () => {
      finished = true;
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
      const url = endpointUrl(c.url, '/services/collector/event');
      return (records) =>
        post(url, hecBatch(records, { host, ...(c.index ? { index: c.index } : {}) }), { Authorization: `Splunk ${c.token}` });
    }
    case 'otlp_http': {
      const url = endpointUrl(c.url, '/v1/logs');
      const headers: Record<string, string> = c.token ? { Authorization: `Bearer ${c.token}` } : {};
      return (records) => post(url, otlpLogs(records, { hostname: host, installId: ctx.installId }), headers);
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
