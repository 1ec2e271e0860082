/**
 * The secrets thread: scans the texts of a big body with the secrets catalogue (the risk factor and
 * the mask in one pass each) off the main event loop (SPEC 8), for services/secret-scans.ts. A
 * masked text identical to its input comes back as null, so clean text is not copied twice.
 */
import { parentPort } from 'node:worker_threads';
import { scanSecrets } from '../../src-shared/secrets.js';
import type { ScanReply, ScanRequest } from './secret-scans.js';

const port = parentPort!;
port.on('message', ({ id, texts }: ScanRequest) => {
  try {
    const scans = texts.map((t) => {
      const s = scanSecrets(t);
      return { detail: s.detail, masked: s.masked === t ? null : s.masked };
    });
    port.postMessage({ id, scans } satisfies ScanReply);
  } catch (e) {
    port.postMessage({ id, error: e instanceof Error ? e.message : String(e) } satisfies ScanReply);
  }
});
