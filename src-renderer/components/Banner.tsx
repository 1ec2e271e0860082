import type { ReactNode } from 'react';
import { Icon, type IconName } from './Icon.js';

const ICONS: Record<string, IconName> = { error: 'alert', warn: 'alert', ok: 'check', info: 'info' };

/** An inline message shown where something happened (errors stay next to their cause). */
export function Banner({
  kind,
  children,
  action,
  role,
}: {
  kind: 'error' | 'warn' | 'ok' | 'info';
  children: ReactNode;
  action?: ReactNode;
  role?: 'alert' | 'status';
}) {
  return (
    <div className={`banner ${kind}`} role={role ?? (kind === 'error' ? 'alert' : 'status')}>
      <Icon name={ICONS[kind] ?? 'info'} />
      <div className="banner-body">{children}</div>
      {action}
    </div>
  );
}

export function ErrorBanner({ error, onRetry }: { error: string | null | undefined; onRetry?: () => void }) {
  if (!error) return null;
  return (
    <Banner
      kind="error"
      action={
        onRetry && (
          <button type="button" className="btn sm" onClick={onRetry}>
            Retry
          </button>
        )
      }
    >
      {error}
    </Banner>
  );
}
