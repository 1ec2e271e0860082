export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function Progress({ value, label }: { value: number | null; label: string }) {
  return (
    <div
      className={`progress${value == null ? ' indeterminate' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={value == null ? undefined : Math.round(value * 100)}
    >
      <span style={value == null ? undefined : { width: `${Math.min(100, value * 100)}%` }} />
    </div>
  );
}
