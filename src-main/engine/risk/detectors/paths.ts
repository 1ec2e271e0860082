import type { TextDetector } from './types.js';

const HINT = /\.ssh|id_|\.env|\.aws|\/etc\/|secrets|credentials/i;

const PATTERNS: readonly { detail: string | ((m: RegExpExecArray) => string); re: RegExp }[] = [
  { detail: 'path under ~/.ssh', re: /(?:^|[\s/'"=:~])\.ssh(?:\/|$|[\s'"])/ },
  { detail: (m) => `private key file ${m[0]}`, re: /\bid_(?:rsa|dsa|ecdsa|ed25519)\b/ },
  { detail: 'AWS credentials file', re: /\.aws\/credentials\b/ },
  { detail: '.env file', re: /(?:^|[\s/\\'"=:])\.env(?:\.[\w.-]+)?(?=$|[\s'";,)])/ },
  { detail: 'path under /etc/', re: /\/etc\// },
  { detail: "'secrets' in path", re: /(?:^|[^a-z0-9])secrets(?:$|[^a-z0-9])/i },
  { detail: "'credentials' in path", re: /(?:^|[^a-z0-9])credentials(?:$|[^a-z0-9])/i },
];

/** SPEC 2.4 sensitive paths: ~/.ssh, id_rsa, .env, .aws/credentials, /etc/, secrets, credentials. */
export const sensitivePath: TextDetector = {
  factor: 'sensitive-path',
  detect(text) {
    if (!HINT.test(text)) return null;
    for (const { detail, re } of PATTERNS) {
      const m = re.exec(text);
      if (m) return typeof detail === 'string' ? detail : detail(m);
    }
    return null;
  },
};
