import type { Remember } from '../../../src-shared/index.js';
import { REMEMBER_CHOICES } from '../../api/approvals.js';

/** Once / 15m / 1h / 12h / until restart / forever, with their number shortcuts. */
export function RememberPicker({ value, onChange, name }: { value: Remember; onChange: (r: Remember) => void; name: string }) {
  return (
    <div className="segmented remember" role="radiogroup" aria-label="Remember this answer">
      {REMEMBER_CHOICES.map((c, i) => (
        <button
          key={c.value}
          type="button"
          role="radio"
          name={name}
          aria-checked={value === c.value}
          title={`${c.label} (key ${i + 1})`}
          onClick={() => onChange(c.value)}
          data-remember={c.value}
        >
          <span className="num">{i + 1}</span>
          {c.short}
        </button>
      ))}
    </div>
  );
}
