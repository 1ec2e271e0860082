import type { ReactNode } from 'react';
import { Icon, type IconName } from './Icon.js';

/** An empty screen that teaches the next step. */
export function EmptyState({
  icon,
  title,
  children,
  actions,
  compact,
}: {
  icon: IconName;
  title: string;
  children?: ReactNode;
  actions?: ReactNode;
  compact?: boolean;
}) {
  return (
    <div className={`empty${compact ? ' compact' : ''}`}>
      <div className="empty-icon">
        <Icon name={icon} size={26} />
      </div>
      <h2>{title}</h2>
      {children}
      {actions && <div className="actions row-wrap">{actions}</div>}
    </div>
  );
}
