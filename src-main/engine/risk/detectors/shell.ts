import type { TextDetector } from './types.js';

const HINT = /\b(?:rm|mkfs|dd|chmod|curl|wget|sudo|git)\b|\)\s*\{/;

/** The argument run of a command up to the next `;`, `&`, `|` or newline. */
function argumentsOf(text: string, command: RegExp): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(command)) out.push(m[1] ?? '');
  return out;
}

const RM = /\brm\s+([^;&|\n]*)/g;
const CHMOD = /\bchmod\s+([^;&|\n]*)/g;

function hasFlag(args: string, short: string, long: string): boolean {
  for (const token of args.split(/\s+/)) {
    if (token === long) return true;
    if (/^-[a-zA-Z]+$/.test(token) && token.includes(short)) return true;
  }
  return false;
}

function rmRecursiveForce(text: string): boolean {
  return argumentsOf(text, RM).some(
    (args) => (hasFlag(args, 'r', '--recursive') || hasFlag(args, 'R', '--recursive')) && hasFlag(args, 'f', '--force'),
  );
}

function chmodRecursiveWorldWritable(text: string): boolean {
  return argumentsOf(text, CHMOD).some(
    (args) => hasFlag(args, 'R', '--recursive') && /(?:^|\s)(?:0?777|a\+rwx|ugo\+rwx)(?:\s|$)/.test(args),
  );
}

const PATTERNS: readonly { detail: string | ((m: RegExpExecArray) => string); re: RegExp }[] = [
  { detail: 'mkfs', re: /\bmkfs(?:\.[a-z0-9]+)?\b/ },
  { detail: 'dd of=', re: /\bdd\s+(?:[^;&|\n]*\s)?of=/ },
  { detail: (m) => `${m[1] ?? 'curl'} piped to a shell`, re: /\b(curl|wget)\b[^|;\n]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:ba|z|da|k|fi)?sh\b/ },
  {
    detail: 'git push --force',
    re: /\bgit\s+(?:-\S+\s+)*push\b[^;&|\n]*?\s(?:--force(?:-with-lease)?|-[a-zA-Z]*f[a-zA-Z]*)(?=\s|$|[;&|])/,
  },
  { detail: 'git reset --hard', re: /\bgit\s+(?:-\S+\s+)*reset\b[^;&|\n]*?\s--hard\b/ },
  { detail: 'fork bomb', re: /(\w+|:)\s*\(\s*\)\s*\{[^}]*?\1\s*\|\s*\1\s*&[^}]*\}\s*;\s*\1/ },
  { detail: 'sudo', re: /\bsudo\b/ },
];

/** SPEC 2.4 dangerous shell: rm -rf, mkfs, dd of=, chmod -R 777, curl|sh, sudo, git push --force, git reset --hard, fork bombs. */
export const dangerousShell: TextDetector = {
  factor: 'dangerous-shell',
  detect(text) {
    if (!HINT.test(text)) return null;
    if (rmRecursiveForce(text)) return 'rm -rf';
    if (chmodRecursiveWorldWritable(text)) return 'chmod -R 777';
    for (const { detail, re } of PATTERNS) {
      const m = re.exec(text);
      if (m) return typeof detail === 'string' ? detail : detail(m);
    }
    return null;
  },
};
