import { findSecret } from '../../../../src-shared/secrets.js';
import type { TextDetector } from './types.js';

/**
 * SPEC 2.4 secrets: AWS keys, private key blocks, common token prefixes, passwords in URLs… — the
 * one catalogue in `src-shared/secrets.ts`, which the redactor also masks with, so whatever raises
 * this factor is never stored in clear. The detail names the kind of secret only.
 */
export const secretValues: TextDetector = {
  factor: 'secrets',
  detect: findSecret,
};

/**
 * V8 compiles a regex to machine code on its first long subjects and tunes its skip-ahead to the
 * character frequencies of that sample: the catalogue's one-pass hint compiled on shell text (`rm -f
 * …`) then reads a 1 MiB run of one letter at ~5.5 ms, compiled on a run of one letter at ~2 ms
 * for every letter (ordinary text alike: ~1.5 ms per MiB). The hint is compiled here, once, on such
 * a run, before any request reaches it, so the worst case of every decision does not depend on what
 * the first long request happened to hold.
 */
const TUNING_SAMPLE = 'a'.repeat(64 * 1024);
for (let i = 0; i < 3; i++) findSecret(TUNING_SAMPLE);
