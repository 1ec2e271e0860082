import { createHmac } from 'node:crypto';

/**
 * The delivery signature of SPEC 7.4, exactly as the seeds' verifier computes it:
 * `v1=` + hex HMAC-SHA256(secret, "<timestamp>.<raw body>").
 */
export function signatureOf(secret: string, timestamp: number | string, rawBody: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

/** Unix seconds, as sent in `X-Request-Timestamp`. */
export const unixSeconds = (ms: number): number => Math.floor(ms / 1000);
