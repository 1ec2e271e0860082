/**
 * Masks secrets before anything is written to the audit log or an event (SPEC principles: keys
 * and secrets found in parameters never land in clear). Keeps a short prefix so a person can
 * still tell which credential it was.
 */
const SECRET_PATTERNS: RegExp[] = [
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g,
  /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}\b/g,
  /\b[sr]k_live_[A-Za-z0-9]{16,}\b/g,
  /\bglpat-[A-Za-z0-9_-]{20,}\b/g,
  /\bAIza[0-9A-Za-z_-]{35}\b/g,
  /\bgk_(?:agent|admin)_[A-Za-z0-9_-]{20,}/g,
];
const QUICK = /AKIA|ASIA|PRIVATE KEY|gh[pousr]_|github_pat_|xox|sk-|_live_|glpat-|AIza|gk_a/;

function maskOne(m: string): string {
  if (m.startsWith('-----BEGIN')) return '-----BEGIN PRIVATE KEY----- [redacted by Gatehouse]';
  return `${m.slice(0, Math.min(6, Math.floor(m.length / 4)))}…[redacted]`;
}

export function redactString(s: string): string {
  if (!QUICK.test(s)) return s;
  let out = s;
  for (const re of SECRET_PATTERNS) out = out.replace(re, maskOne);
  return out;
}

/** A deep copy of `value` with every secret-looking string masked. Depth-bounded. */
export function redact<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redactString(value) as T;
  if (value === null || typeof value !== 'object' || depth > 64) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redact(v, depth + 1);
  return out as T;
}
