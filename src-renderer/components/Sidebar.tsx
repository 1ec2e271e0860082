import { useStore } from '../store/index.js';
import type { RoutePath } from '../store/route.js';
import { Icon, type IconName } from './Icon.js';
import { Link } from './Link.js';
import { Logo } from './Logo.js';

export const NAV: { path: RoutePath; label: string; icon: IconName }[] = [
  { path: '/approvals', label: 'Approvals', icon: 'inbox' },
  { path: '/activity', label: 'Activity', icon: 'activity' },
  { path: '/policies', label: 'Policies', icon: 'sliders' },
  { path: '/agents', label: 'Agents', icon: 'bot' },
  { path: '/mcp', label: 'MCP servers', icon: 'server' },
  { path: '/dashboard', label: 'Dashboard', icon: 'chart' },
  { path: '/settings', label: 'Settings', icon: 'settings' },
];

function PendingBadge() {
  const n = useStore((s) => s.pendingCount);
  if (n === 0) return null;
  return (
    <span className="count" aria-label={`${n} pending`}>
      {n > 99 ? '99+' : n}
    </span>
  );
}

export function Sidebar() {
  const path = useStore((s) => s.path);
  return (
    <nav className="sidebar" aria-label="Main">
      <div className="brand">
        <Logo size={26} />
        <div>
          Gatehouse
          <small>Agent governance</small>
        </div>
      </div>
      <div className="nav">
        {NAV.map((n) => (
          <Link key={n.path} to={n.path} aria-current={path === n.path ? 'page' : undefined}>
            <Icon name={n.icon} size={17} />
            <span className="nav-label">{n.label}</span>
            {n.path === '/approvals' && <PendingBadge />}
          </Link>
        ))}
      </div>
      <div className="sidebar-foot">
        Press <kbd>?</kbd> for shortcuts
      </div>
    </nav>
  );
}
