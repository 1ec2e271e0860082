import type { Policy } from '../../src-shared/index.js';
import { jcs, sha256Hex } from '../audit/chain.js';

/**
 * Default policies shipped by earlier releases that a later default replaces, each known by the
 * SHA-256 of its canonical (JCS) form as stored. A stored policy with exactly that form is one the
 * user never edited, so it follows the release; an edited one is the user's and is left alone (if it
 * no longer compiles it is enforced fail-closed and an alert says so: see PolicyService).
 *
 * 0.1 → 0.2: the regexes moved to RE2 (no lookaround), shell risk is scored by what a command does,
 * and `rm-rf-outside-tmp-needs-approval` became `dangerous-shell-needs-approval`.
 */
const SUPERSEDED: { id: string; sha256: string; by: string }[] = [
  { id: 'deny-curl-pipe-shell', sha256: '9d46e5e6bd27d5ec04896855779f901ee6768110a0ae21eaecf0074c6895cf51', by: 'deny-curl-pipe-shell' },
  {
    id: 'secrets-files-need-approval',
    sha256: 'c704e719fbbea840dc06c7a23814ca6cecc98619211db592ae4e8059e0768f18',
    by: 'secrets-files-need-approval',
  },
  {
    id: 'rm-rf-outside-tmp-needs-approval',
    sha256: '64ff822a32e2d0d664ab8bf287d070e81c8be1c89bac09fa83fd450a979ed295',
    by: 'dangerous-shell-needs-approval',
  },
  { id: 'prod-db-delete', sha256: 'a3d160a7063dab84ab7db2539e0bebb955cdf348c9ee80ba4b6726405c6a028c', by: 'prod-db-delete' },
];

/**
 * Default policies shipped by earlier releases that this release no longer ships, nor replaces: an
 * unedited one is deleted (and audited) at start.
 */
const RETIRED: { id: string; sha256: string; why: string }[] = [
  {
    // 0.1 and the first 0.2 builds: allow every file.read, whatever its risk.
    id: 'allow-file-reads',
    sha256: 'a72835e5c0e60a6f8cac4fa084c7bf39ce36d1fa6aafcb07bc409cdc2f802704',
    why:
      "a default of an earlier release that this release no longer ships: its explicit allow answered 'allow' to a coding " +
      "agent's hook for every file read, secrets and files outside the project included, so the agent skipped its own " +
      'prompt (never looser than the agent alone). Reads are decided by risk now.',
  },
];

export const policyDigest = (p: Policy): string => sha256Hex(jcs(p));

/** The stored policies that are unedited earlier defaults this release no longer ships, with why. */
export function retiredDefaults(stored: Policy[]): { previous: Policy; why: string }[] {
  return stored.flatMap((previous) => {
    const old = RETIRED.find((r) => r.id === previous.id);
    return old && policyDigest(previous) === old.sha256 ? [{ previous, why: old.why }] : [];
  });
}

/** The stored policies that are unedited earlier defaults, each with the current default that replaces it. */
export function supersededDefaults(stored: Policy[], current: Policy[]): { previous: Policy; next: Policy }[] {
  const out: { previous: Policy; next: Policy }[] = [];
  for (const previous of stored) {
    const old = SUPERSEDED.find((s) => s.id === previous.id);
    if (!old || policyDigest(previous) !== old.sha256) continue;
    const next = current.find((p) => p.id === old.by);
    if (next) out.push({ previous, next });
  }
  return out;
}
