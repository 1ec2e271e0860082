import type { RiskLevel } from '../../../src-shared/index.js';

/** SPEC 2.4: low < 30 ≤ medium < 70 ≤ high < 90 ≤ critical. */
export function riskLevelOf(score: number): RiskLevel {
  if (score >= 90) return 'critical';
  if (score >= 70) return 'high';
  if (score >= 30) return 'medium';
  return 'low';
}

export const RISK_LEVEL_RANK: Record<RiskLevel, number> = { low: 0, medium: 1, high: 2, critical: 3 };

export function isRiskLevel(value: unknown): value is RiskLevel {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(RISK_LEVEL_RANK, value);
}

export function clampScore(points: number): number {
  return Math.max(0, Math.min(100, Math.round(points)));
}
