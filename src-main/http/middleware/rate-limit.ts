import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';
import { GatehouseError } from '../../core/errors.js';

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Per-key token bucket (SPEC 5): `rate` requests per second, bursts up to twice that; 0 turns it
 * off. Beyond it: 429 `rate_limited` with `Retry-After`. One runaway agent key cannot starve others.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  constructor(
    private readonly rate: () => number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Seconds to wait, or 0 if the request may go. */
  take(key: string): number {
    const rate = this.rate();
    if (rate <= 0) return 0;
    const cap = rate * 2;
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: cap, at: t };
    b.tokens = Math.min(cap, b.tokens + ((t - b.at) / 1000) * rate);
    b.at = t;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    if (this.buckets.size > 10_000) this.buckets.clear();
    return Math.max(1, Math.ceil((1 - b.tokens) / rate));
  }
}

export function rateLimit(limiter: RateLimiter): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const wait = limiter.take(c.get('principal').id);
    if (wait > 0) {
      throw new GatehouseError('rate_limited', 'Too many requests for this key', undefined, wait);
    }
    await next();
  };
}
