import { memo, useEffect, useRef } from 'react';
import { headlineOf } from '../../api/approvals.js';
import { RiskBadge } from '../../components/RiskBadge.js';
import { useNow } from '../../lib/clock.js';
import { MiddleEllipsis } from '../../components/MiddleEllipsis.js';
import { clockDuration } from '../../lib/format.js';
import { maskSecrets } from '../../lib/mask.js';
import { selectQueue, type Entry } from '../../store/approvals.js';
import { useStore } from '../../store/index.js';

function TimeLeft({ expiresAt }: { expiresAt: string }) {
  const now = useNow();
  const left = (Date.parse(expiresAt) - now) / 1000;
  return <span className={`q-time${left <= 30 ? ' urgent' : ''}`}>{left > 0 ? clockDuration(left) : 'expired'}</span>;
}

const QueueOption = memo(function QueueOption({ entry, selected, index }: { entry: Entry; selected: boolean; index: number }) {
  const selectEntry = useStore((s) => s.selectEntry);
  const ref = useRef<HTMLLIElement>(null);
  const p = entry.primary;
  const resource = p.action.resource ? maskSecrets(p.action.resource) : null;
  // The selected entry is kept visible inside the list only (scrollIntoView would also scroll the page).
  useEffect(() => {
    const li = ref.current;
    const list = li?.parentElement;
    if (!selected || !li || !list) return;
    const r = li.getBoundingClientRect();
    const lr = list.getBoundingClientRect();
    if (r.top < lr.top) list.scrollTop += r.top - lr.top - 4;
    else if (r.bottom > lr.bottom) list.scrollTop += r.bottom - lr.bottom + 4;
  }, [selected]);
  return (
    <li
      ref={ref}
      role="option"
      id={`queue-option-${index}`}
      aria-selected={selected}
      className={`q-entry${selected ? ' selected' : ''}`}
      data-key={entry.key}
      data-action-id={p.action_id}
      data-count={entry.count}
      onClick={() => selectEntry(entry.key)}
    >
      <RiskBadge score={p.action.risk.score} level={p.action.risk.level} compact />
      <div className="q-main">
        <div className="q-headline">{headlineOf(p)}</div>
        {/* The headline may be cut: the resource, start and end, always tells entries apart. */}
        {resource && (
          <div className="q-resource mono" title={resource}>
            <MiddleEllipsis text={resource} />
          </div>
        )}
        <div className="q-meta">
          <span className="mono">{p.action.action_type}</span>
          {p.action.environment && <span> · {p.action.environment}</span>}
        </div>
      </div>
      <div className="q-side">
        {entry.count > 1 && (
          <span className="q-count" aria-label={`${entry.count} identical requests`}>
            ×{entry.count}
          </span>
        )}
        <TimeLeft expiresAt={p.expires_at} />
      </div>
    </li>
  );
});

/** The waiting requests: an accessible list box, soonest expiry first, identical ones grouped. */
export function QueueList() {
  const queue = useStore(selectQueue);
  const selectedKey = useStore((s) => s.selectedKey);
  const selectedIndex = queue.findIndex((e) => e.key === selectedKey);
  return (
    <ul
      className="queue-list"
      role="listbox"
      aria-label="Waiting requests"
      tabIndex={0}
      aria-activedescendant={selectedIndex >= 0 ? `queue-option-${selectedIndex}` : undefined}
    >
      {queue.map((e, i) => (
        <QueueOption key={e.key} entry={e} selected={e.key === selectedKey} index={i} />
      ))}
    </ul>
  );
}
