/**
 * Retry schedule of webhook deliveries (SPEC 7.4): exponential-ish steps, then hourly, with jitter,
 * until `maxAgeMs` after the delivery was created; after that the delivery is `failed`.
 */
export const DEFAULT_BACKOFF_MS: readonly number[] = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000];
export const DEFAULT_MAX_AGE_MS = 24 * 3_600_000;
/** ± this fraction of the delay, so that many deliveries failing together do not retry in lockstep. */
export const JITTER = 0.2;

export interface BackoffPolicy {
  /** Delay before retry number `n` (1 = the retry after the first failed attempt). */
  delayMs(n: number): number;
  /** How long after creation a delivery is retried at all. */
  maxAgeMs: number;
}

/** A policy from a list of steps (the last one repeats) with ±`jitter` randomisation. */
export function scheduleBackoff(
  steps: readonly number[] = DEFAULT_BACKOFF_MS,
  opts: { maxAgeMs?: number; jitter?: number; random?: () => number } = {},
): BackoffPolicy {
  if (steps.length === 0) throw new Error('a backoff schedule needs at least one step');
  const jitter = opts.jitter ?? JITTER;
  const random = opts.random ?? Math.random;
  return {
    maxAgeMs: opts.maxAgeMs ?? DEFAULT_MAX_AGE_MS,
    delayMs(n: number): number {
      const base = steps[Math.min(Math.max(n, 1), steps.length) - 1]!;
      const spread = base * jitter * (random() * 2 - 1);
      return Math.max(0, Math.round(base + spread));
    },
  };
}

export type NextStep = { status: 'retrying'; nextMs: number } | { status: 'failed'; nextMs: null };

/**
 * After failed attempt number `attempts`: when to try again, or give up (at the max age). A step
 * that would pass the max age is cut short to end at it, so the last attempt is at the max age.
 */
export function nextAfterFailure(policy: BackoffPolicy, attempts: number, createdMs: number, nowMs: number): NextStep {
  const deadline = createdMs + policy.maxAgeMs;
  if (nowMs >= deadline) return { status: 'failed', nextMs: null };
  return { status: 'retrying', nextMs: Math.min(nowMs + policy.delayMs(attempts), deadline) };
}
