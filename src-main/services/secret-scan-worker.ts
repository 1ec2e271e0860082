/**
 * The secrets thread: scans the texts of a big body with the secrets catalogue (the risk factor and
 * the mask in one pass each) off the main event loop (SPEC 8), for services/secret-scans.ts. A
 * masked text identical to its input comes back as null, so clean text is not copied twice. It also
 * reads big bodies whole (big-bodies.ts), masking them here, and sends back only what is kept.
 */
import { parentPort } from 'node:worker_threads';
import { scanSecrets } from '../../src-shared/secrets.js';
import { GatehouseError } from '../core/errors.js';
import { readBigBody } from './big-bodies.js';
import type { ScanReply, ScanRequest } from './secret-scans.js';

const port = parentPort!;

function answer(req: ScanRequest): ScanReply {
  if ('body' in req) {
    try {
      const { kind, text, maxValues, extra } = req.body;
      return { id: req.id, read: readBigBody(kind, text, maxValues, extra as never) };
    } catch (e) {
      if (!(e instanceof GatehouseError)) throw e;
      return { id: req.id, refused: { code: e.code, message: e.message, details: e.details } };
    }
  }
  const scans = req.texts.map((t) => {
    const s = scanSecrets(t);
    return { detail: s.detail, masked: s.masked === t ? null : s.masked };
  });
  return { id: req.id, scans };
}

port.on('message', (req: ScanRequest) => {
  try {
    port.postMessage(answer(req));
  } catch (e) {
    port.postMessage({ id: req.id, error: e instanceof Error ? e.message : String(e) } satisfies ScanReply);
  }
});
