/**
 * Client-side masking of secrets the server may have missed. The server already redacts what it
 * recognises; this is a second net for what a person should never see in plain text on screen.
 */
const PATTERNS: RegExp[] = [
  // Stops at the end marker, or at the closing quote of the JSON string that holds it.
  /-----BEGIN [A-Z ]*PRIVATE KEY-----(?! \[redacted)[^"]*?(?:-----END [A-Z ]*PRIVATE KEY-----|(?=")|$)/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}\b/g,
  /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}\b/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g,
  /\bgk_(?:agent|admin)_[A-Za-z0-9_-]{8,}\b/g,
  /\bglpat-[A-Za-z0-9_-]{20,}\b/g,
  /\bAIza[0-9A-Za-z_-]{35}\b/g,
  /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b/g,
];

/** key=value / "key": "value" / Authorization: Bearer … where the key names a secret. */
const ASSIGNMENT =
  /((?:pass(?:word|wd)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|client[_-]?secret|auth)["']?\s*[:=]\s*["']?|Bearer\s+)([^\s"'&,;]{4,})/gi;

export const MASK = '••••••••';

/** Returns the text with anything that looks like a secret replaced by a mask. */
export function maskSecrets(text: string): string {
  let out = text;
  for (const p of PATTERNS) out = out.replace(p, (m) => (m.length > 12 ? `${m.slice(0, 4)}${MASK}` : MASK));
  out = out.replace(ASSIGNMENT, (_m, key: string, value: string) =>
    value.startsWith('•') || /^\[?redacted/i.test(value) ? `${key}${value}` : `${key}${MASK}`,
  );
  return out;
}

/** Pretty JSON with secrets masked; strings stay readable (long commands and SQL wrap). */
export function maskedJson(value: unknown): string {
  return maskSecrets(JSON.stringify(value, null, 2) ?? 'null');
}
