/** The Gatehouse mark: a shield with a gateway (same drawing as resources/icon.svg). */
export function Logo({ size = 24 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 64 64" aria-hidden="true" focusable="false">
      <path d="M32 4 55 12v17c0 14.5-9.6 26.7-23 31-13.4-4.3-23-16.5-23-31V12L32 4z" fill="var(--accent)" />
      <path d="M24 45V33a8 8 0 0 1 16 0v12z" fill="var(--accent-fg)" />
    </svg>
  );
}
