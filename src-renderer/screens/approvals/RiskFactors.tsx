import type { Risk } from '../../../src-shared/index.js';

/** Every point of the risk score, each factor in words (its id kept small for the policy writer). */
export function RiskFactors({ risk }: { risk: Risk }) {
  if (risk.factors.length === 0) return <p className="muted small">No risk factors.</p>;
  return (
    <ul className="factors">
      {risk.factors.map((f, i) => (
        <li key={`${f.id}-${i}`}>
          <span className={`pts ${f.points < 0 ? 'neg' : ''}`}>{f.points > 0 ? `+${f.points}` : f.points}</span>
          <span className="factor-detail">{f.detail}</span>
          <span className="factor-id">{f.id}</span>
        </li>
      ))}
    </ul>
  );
}
