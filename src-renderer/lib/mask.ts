import { maskSecrets as maskWith, REDACTED } from '../../src-shared/secrets.js';

/**
 * Client-side masking of secrets, a second net behind the server's (which masks with the same
 * catalogue before anything is stored): what a person should never see in plain text on screen.
 */
export const MASK = '••••••••';

/** Returns the text with anything that looks like a secret replaced by a mask (the readable prefix stays). */
export function maskSecrets(text: string): string {
  return maskWith(text.replaceAll(REDACTED, MASK), (keep) => `${keep}${MASK}`);
}
