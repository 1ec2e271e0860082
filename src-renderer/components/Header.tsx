import type { ReactNode } from 'react';
import { useStore } from '../store/index.js';
import type { ConnectionState } from '../store/connection.js';

const LABEL: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline — retrying',
};

const TITLE: Record<ConnectionState, string> = {
  connecting: 'Opening the live event stream',
  live: 'Receiving events as they happen',
  reconnecting: 'The live stream was interrupted; reconnecting',
  offline: 'Gatehouse cannot be reached; it will keep retrying',
};

export function ConnectionStatus() {
  const c = useStore((s) => s.connection);
  return (
    <span className="conn" data-state={c} role="status" aria-live="polite" title={TITLE[c]}>
      <span className="dot" aria-hidden="true" />
      {LABEL[c]}
    </span>
  );
}

export function Header({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="header">
      <div className="grow row" style={{ gap: 12, alignItems: 'baseline' }}>
        <h1>{title}</h1>
        {subtitle && <span className="subtitle truncate">{subtitle}</span>}
      </div>
      {actions}
      <ConnectionStatus />
    </header>
  );
}
