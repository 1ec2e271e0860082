import type { TextDetector } from './types.js';

const HINT = /AKIA|ASIA|PRIVATE KEY|gh[po]_|github_pat_|xox[bp]-|sk[-_]|glpat-|AIza|gk_a[dg]/;

/** Each detail names the kind of secret only; the secret itself never leaves the detector. */
const PATTERNS: readonly { detail: string; re: RegExp }[] = [
  { detail: 'AWS access key id', re: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/ },
  { detail: 'private key block', re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/ },
  { detail: 'GitHub token (ghp_)', re: /\bghp_[A-Za-z0-9]{20,}/ },
  { detail: 'GitHub OAuth token (gho_)', re: /\bgho_[A-Za-z0-9]{20,}/ },
  { detail: 'GitHub token (github_pat_)', re: /\bgithub_pat_[A-Za-z0-9_]{20,}/ },
  { detail: 'Slack token (xoxb-/xoxp-)', re: /\bxox[bp]-[A-Za-z0-9-]{10,}/ },
  { detail: 'Stripe live key (sk_live_)', re: /\bsk_live_[A-Za-z0-9]{10,}/ },
  { detail: 'API key (sk-)', re: /\bsk-[A-Za-z0-9_-]{20,}/ },
  { detail: 'GitLab token (glpat-)', re: /\bglpat-[A-Za-z0-9_-]{20,}/ },
  { detail: 'Google API key (AIza)', re: /\bAIza[0-9A-Za-z_-]{35}/ },
  { detail: 'Gatehouse key (gk_agent_/gk_admin_)', re: /\bgk_(?:agent|admin)_[A-Za-z0-9_-]{8,}/ },
];

/** SPEC 2.4 secrets: AWS access key ids, private key blocks, common token prefixes. */
export const secretValues: TextDetector = {
  factor: 'secrets',
  detect(text) {
    if (!HINT.test(text)) return null;
    for (const { detail, re } of PATTERNS) if (re.test(text)) return detail;
    return null;
  },
};
