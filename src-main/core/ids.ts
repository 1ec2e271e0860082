import { randomBytes } from 'node:crypto';

/**
 * Prefixed, roughly time-ordered ids: `act_` + base36 ms time + 12 random hex chars.
 * Time order keeps related rows near each other and makes ids pleasant to eyeball.
 */
export function newId(prefix: 'act' | 'apr' | 'evt' | 'key' | 'whk' | 'dlv' | 'pol' | 'alr'): string {
  return `${prefix}_${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
}

export function shortId(): string {
  return randomBytes(4).toString('hex');
}
