import type { ReactNode } from 'react';
import { words } from '../lib/format.js';

/** A colored status pill; `tone` picks the semantic color (allowed, denied, pending, risk levels...). */
export function Pill({ tone, children, title }: { tone?: string | null; children?: ReactNode; title?: string }) {
  return (
    <span className={`pill ${tone ?? ''}`} title={title}>
      {children ?? (tone ? words(tone) : '—')}
    </span>
  );
}

/** The decision/status of an action, colored by meaning. */
export function StatusPill({ status }: { status: string | null | undefined }) {
  if (!status) return <span className="muted">—</span>;
  return <Pill tone={status}>{words(status)}</Pill>;
}
