import type { Settings } from '../../../src-shared/index.js';

export type Thresholds = Pick<Settings, 'auto_allow_below' | 'require_approval_at' | 'deny_at'>;

/** A whole number from `lo` to `hi`. */
export const isWholeIn = (v: number, lo: number, hi: number): boolean => Number.isInteger(v) && v >= lo && v <= hi;

/**
 * What is wrong with the thresholds, by field: the server's own rules (SettingsService.merged), so
 * the form never refuses what the server accepts nor the other way round.
 */
export function thresholdProblems(f: Thresholds): Record<string, string> {
  const p: Record<string, string> = {};
  const int = isWholeIn;
  if (!int(f.auto_allow_below, 0, 101)) p.auto_allow_below = 'A whole number from 0 to 101';
  if (!int(f.require_approval_at, 0, 101)) p.require_approval_at = 'A whole number from 0 to 101';
  if (f.deny_at !== null && !int(f.deny_at, 0, 101)) p.deny_at = 'A whole number from 0 to 101, or empty';
  if (!p.auto_allow_below && !p.require_approval_at && f.auto_allow_below > f.require_approval_at)
    p.auto_allow_below = 'Must not be above "require approval at"';
  if (f.deny_at !== null && !p.deny_at && !p.auto_allow_below && f.deny_at < f.auto_allow_below)
    p.deny_at = 'Must not be below "allow below"';
  return p;
}

/**
 * Where each outcome starts on the 0–100 scale, in the engine's order (riskVerdict): below
 * `allow` allowed; from `deny` denied, before any approval; from `approval` held; between, allowed
 * with a flag. A deny threshold under the approval one leaves no room for approvals.
 */
export function scaleBounds(f: Thresholds): { allow: number; approval: number; deny: number } {
  const allow = Math.min(100, f.auto_allow_below);
  const deny = f.deny_at === null ? 100 : Math.min(100, Math.max(allow, f.deny_at));
  const approval = Math.min(deny, Math.max(allow, f.require_approval_at));
  return { allow, approval, deny };
}
