import type { RiskLevel } from '../../src-shared/index.js';

/** Score in a colored chip, plus the level in words (color is never the only signal). */
export function RiskBadge({ score, level, compact = false }: { score: number; level: RiskLevel | string; compact?: boolean }) {
  return (
    <span className={`risk ${level}`} title={`Risk ${score}/100 (${level})`}>
      <span className="score">{score}</span>
      {!compact && <span className="level">{level}</span>}
    </span>
  );
}
