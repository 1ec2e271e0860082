import { isSecretName, isSecretOfWeakName, maskSecrets, REDACTED } from '../../src-shared/secrets.js';

/**
 * Masks secrets before anything is written to the audit log, a row or an event (SPEC: secrets are
 * masked before anything is stored, sent or shown), with the catalogue the risk detector uses.
 * The readable prefix stays (`ghp_…[redacted]`) so a person can still tell which credential it was.
 */
export const redactString = (s: string): string => maskSecrets(s);

const MAX_DEPTH = 64;

/**
 * A value a secret-named key holds that is masked whole: non-empty text, a number or a list. An
 * object is walked instead (it is structure, such as an MCP tool's schema for an `api_key`
 * argument), and true/false/null/"" hold nothing to hide.
 */
const holdsSecret = (v: unknown): boolean => (typeof v === 'string' ? v.length > 0 : typeof v === 'number' || Array.isArray(v));

/**
 * A deep copy of `value` with every secret masked: in string values, in object keys, and the whole
 * value of a key named like a secret (`password`, `api_key`, `Authorization`, `db_pass`, `Cookie`),
 * a number or a list too (`{"password": 12345678}`), and the text or list of a key that holds a
 * secret only some of the time (`auth`, `pwd`) when it can be one (`{"pwd": "/home/me"}` stays).
 * Beyond the depth bound (deeper than any request the API accepts), what is left is masked whole.
 */
export function redact<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redactString(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return REDACTED as T;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const secret = isSecretName(k) ? holdsSecret(v) : isSecretOfWeakName(k, v);
    out[redactString(k)] = secret ? REDACTED : redact(v, depth + 1);
  }
  return out as T;
}

/** `redact` for an optional field: null stays null. */
export const redactOrNull = <T>(value: T | null | undefined): T | null => (value == null ? null : redact(value));
