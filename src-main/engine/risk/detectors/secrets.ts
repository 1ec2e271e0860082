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
