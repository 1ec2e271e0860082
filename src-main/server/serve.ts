import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { getRequestListener, RequestError } from '@hono/node-server';
import { VERSION } from '../../src-shared/index.js';
import { readServerInfo, removeServerInfo, writeServerInfo } from '../config/server-info.js';
import { dataFiles, ensureDataDir } from '../config/paths.js';
import { Gatehouse, type GatehouseOptions } from '../app/gatehouse.js';
import { packageRoot } from '../core/resources.js';
import { createApp } from '../http/app.js';
import { errorBody } from '../http/errors.js';
import { previousServerRuns } from './previous-server.js';
import { claimServerLock } from './server-lock.js';

export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'];

export interface ServeOptions extends Omit<GatehouseOptions, 'mode'> {
  port: number;
  host?: string;
  mode?: 'desktop' | 'headless';
  /** The built console; defaults to out/renderer in the package. */
  consoleDir?: string | null;
}

export interface RunningServer {
  g: Gatehouse;
  url: string;
  port: number;
  /** A fresh one-time console login URL. */
  loginUrl(): string;
  close(): Promise<void>;
}

/**
 * A request the adapter could not even build (its Host and target make no URL, as `127.0.0.1:PORT.`
 * does) never reaches the app's Host check: it is refused the same way, with the same JSON body,
 * instead of an empty 400.
 */
function unreadableRequest(e: unknown, port: number): Response {
  const refused = e instanceof RequestError;
  const body = refused
    ? errorBody('forbidden', `The request's Host and target do not make a URL this server answers (use 127.0.0.1:${port})`)
    : errorBody('internal', 'The request could not be handled');
  return Response.json(body, { status: refused ? 403 : 500 });
}

/**
 * An absolute-form request target's scheme in lower case (RFC 3986 3.1: a scheme is
 * case-insensitive), so that `GET HTTP://127.0.0.1:PORT/… HTTP/1.1` reaches the app as `http://…`
 * does and meets the same Host check there (which compares hosts in lower case, as 3.2.2 has them).
 * The adapter recognises `http://` and `https://` only as written and refused any other spelling as
 * unreadable (403). Only those two schemes are touched; every other target goes on as sent, so what
 * cannot be read is still refused. A target in origin form (`/…`, every ordinary request) costs one
 * character's look.
 */
function lowerCaseScheme(req: IncomingMessage): void {
  const url = req.url;
  if (url === undefined || url.charCodeAt(0) === 47) return;
  const scheme = /^(https?):\/\//i.exec(url)?.[1];
  if (scheme !== undefined && scheme !== scheme.toLowerCase()) req.url = `${scheme.toLowerCase()}${url.slice(scheme.length)}`;
}

/**
 * Starts the core and the HTTP API on loopback only, writes `server.json`, and returns a handle
 * whose `close()` stops cleanly: server.json removed, connections ended, pending commits written,
 * the database closed (its WAL folded in). On a full or read-only disk it still stops cleanly:
 * everything acknowledged is already committed. Used by `gatehouse serve` and the Electron main
 * process alike.
 */
export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const host = o.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.includes(host)) throw new Error(`refusing to listen on ${host}: Gatehouse binds loopback only (127.0.0.1, ::1)`);
  // Claimed before anything is opened, so that of two servers started at once one says plainly
  // that the other has the data dir (server.json only appears once a server listens).
  // The lock lives in the data dir, which a first start creates (0700) before anything else.
  ensureDataDir(o.dataDir);
  const release = claimServerLock(o.dataDir);
  let g: Gatehouse;
  try {
    const existing = readServerInfo(o.dataDir);
    // A running server of a release without server.lock.
    if (existing && existing.pid !== process.pid && (await previousServerRuns(existing))) {
      throw new Error(
        `Gatehouse is already running for this data directory at ${existing.url} (pid ${existing.pid}). ` +
          `If that process is not Gatehouse, remove ${dataFiles(o.dataDir).serverJson} and start again.`,
      );
    }
    g = await Gatehouse.open({ ...o, mode: o.mode ?? 'headless', warmPages: true });
  } catch (e) {
    release();
    throw e;
  }
  let port = o.port;
  const defaultConsole = join(packageRoot(), 'out', 'renderer');
  const consoleDir = o.consoleDir === undefined ? (existsSync(join(defaultConsole, 'index.html')) ? defaultConsole : null) : o.consoleDir;
  const app = createApp(g, { getPort: () => port, consoleDir });
  const listener = getRequestListener(app.fetch, { errorHandler: (e) => unreadableRequest(e, port) });
  const server = createServer((req, res) => {
    lowerCaseScheme(req);
    return listener(req, res);
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0; // long-polls and SSE streams are bounded by the handlers themselves
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, host === 'localhost' ? '127.0.0.1' : host, () => resolve());
    });
  } catch (e) {
    await g.close();
    release();
    const err = e as NodeJS.ErrnoException;
    throw new Error(err.code === 'EADDRINUSE' ? `port ${o.port} is already in use (another Gatehouse? try --port 0)` : err.message);
  }
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : o.port;
  const urlHost = host === '::1' ? '[::1]' : '127.0.0.1';
  const url = `http://${urlHost}:${port}`;
  writeServerInfo(o.dataDir, {
    url,
    port,
    pid: process.pid,
    started_at: new Date(g.startedAt).toISOString(),
    version: VERSION,
    mode: g.opts.mode,
  });

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      try {
        removeServerInfo(o.dataDir);
      } catch (e) {
        // A read-only data dir: server.json cannot go; clients then find its pid gone.
        process.stderr.write(`gatehouse: could not remove server.json: ${(e as Error).message}\n`);
      }
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections?.();
        // Long-polls and event streams would hold the close open: end them after a short grace.
        setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, 250).unref();
      });
      try {
        await g.close();
      } finally {
        release();
      }
    })());

  return { g, url, port, loginUrl: () => `${url}/?token=${g.sessions.issueLoginToken()}`, close };
}
