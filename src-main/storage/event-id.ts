import { randomBytes } from 'node:crypto';

/**
 * Audit record ids, `evt_` + base36 ms time + 12 random hex chars (the format of core/ids.ts), from
 * a pooled random buffer: one randomBytes call per thousand ids instead of one per id keeps id
 * generation off the commit path's profile.
 */
const POOL_IDS = 1024;
let pool = Buffer.alloc(0);
let pos = 0;

export function eventId(nowMs: number): string {
  if (pos + 6 > pool.length) {
    pool = randomBytes(6 * POOL_IDS);
    pos = 0;
  }
  const hex = pool.toString('hex', pos, pos + 6);
  pos += 6;
  return `evt_${nowMs.toString(36)}${hex}`;
}
