import { randomBytes } from 'node:crypto';

export type IdPrefix = 'act' | 'apr' | 'evt' | 'key' | 'whk' | 'dlv' | 'pol' | 'alr' | 'abt' | 'snk';

/** Randomness is drawn from a pooled buffer: one randomBytes call per thousand ids, not one per id. */
const POOL_IDS = 1024;
let pool = Buffer.alloc(0);
let pos = 0;

function random6Hex(): string {
  if (pos + 6 > pool.length) {
    pool = randomBytes(6 * POOL_IDS);
    pos = 0;
  }
  const hex = pool.toString('hex', pos, pos + 6);
  pos += 6;
  return hex;
}

/**
 * Prefixed, roughly time-ordered ids: `act_` + base36 ms time + 12 random hex chars.
 * Time order keeps related rows near each other and makes ids pleasant to eyeball.
 */
export function newId(prefix: IdPrefix, nowMs = Date.now()): string {
  return `${prefix}_${nowMs.toString(36)}${random6Hex()}`;
}

export function shortId(): string {
  return random6Hex().slice(0, 8);
}
