import type { BUILTIN_RISK_FACTORS } from '../../../src-shared/index.js';

export type BuiltinFactorId = (typeof BUILTIN_RISK_FACTORS)[number];

/** SPEC 2.4 default points of every built-in factor except `base` (which depends on the verb). */
export const DEFAULT_FACTOR_POINTS: Record<Exclude<BuiltinFactorId, 'base'>, number> = {
  'destructive-sql': 30,
  'dangerous-shell': 35,
  'sensitive-path': 30,
  production: 20,
  bulk: 15,
  secrets: 25,
  'has-backup': -10,
  'unregistered-agent': 10,
  'high-rate': 10,
  'off-hours': 5,
};

/** `context.estimated_rows` at or above this is a bulk operation. */
export const BULK_ROWS = 1000;
/** Earlier actions from the same agent in the last 60 s at or above this add `high-rate`. */
export const HIGH_RATE_ACTIONS = 30;
/** Off-hours are [22:00, 06:00) local time. */
export const OFF_HOURS_FROM = 22;
export const OFF_HOURS_UNTIL = 6;
