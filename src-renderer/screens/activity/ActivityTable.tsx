import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import type { AuditRecord } from '../../../src-shared/index.js';
import { StatusPill } from '../../components/Pill.js';
import { RiskBadge } from '../../components/RiskBadge.js';
import { shortTime } from '../../lib/format.js';
import { maskSecrets } from '../../lib/mask.js';
import { viewOf } from './record.js';

const ROW_H = 40;

const COLUMNS = ['Time', 'Type', 'Actor / agent', 'Action', 'Resource', 'Outcome', 'Risk'];

/** The audit log as a virtualized table: only the rows on screen are in the DOM. */
export function ActivityTable({
  rows,
  count,
  done,
  loading,
  onMore,
  onOpen,
  selectedSeq,
}: {
  rows: AuditRecord[];
  count: number;
  done: boolean;
  loading: boolean;
  onMore: () => void;
  onOpen: (r: AuditRecord) => void;
  selectedSeq: number | null;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count: count + (done ? 0 : 1),
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_H,
    overscan: 12,
  });
  const items = v.getVirtualItems();
  const last = items[items.length - 1];

  useEffect(() => {
    if (!done && !loading && last && last.index >= count - 30) onMore();
  }, [last, count, done, loading, onMore]);

  return (
    <div className="vtable" role="table" aria-label="Audit records" aria-rowcount={done ? count + 1 : -1}>
      <div className="vrow vhead" role="row">
        {COLUMNS.map((c) => (
          <div key={c} role="columnheader" className="vcell">
            {c}
          </div>
        ))}
      </div>
      <div className="vbody" ref={scroller} tabIndex={-1}>
        <div style={{ height: v.getTotalSize(), position: 'relative' }} role="rowgroup">
          {items.map((it) => {
            const r = rows[it.index];
            if (!r) {
              return (
                <div key="loader" className="vrow vloader" role="row" style={{ transform: `translateY(${it.start}px)`, height: ROW_H }}>
                  <div role="cell" className="vcell muted">
                    <span className="spinner" aria-hidden="true" /> Loading older records…
                  </div>
                </div>
              );
            }
            const view = viewOf(r);
            return (
              <div
                key={r.seq}
                className={`vrow${selectedSeq === r.seq ? ' selected' : ''}`}
                role="row"
                aria-rowindex={it.index + 2}
                tabIndex={0}
                style={{ transform: `translateY(${it.start}px)`, height: ROW_H }}
                onClick={() => onOpen(r)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    onOpen(r);
                  }
                }}
                data-seq={r.seq}
              >
                <div role="cell" className="vcell mono small" title={r.ts}>
                  {shortTime(r.ts)}
                </div>
                <div role="cell" className="vcell">
                  <span className="type-chip">{r.type}</span>
                </div>
                <div role="cell" className="vcell truncate" title={r.actor}>
                  {view.agent}
                </div>
                <div role="cell" className="vcell truncate mono small" title={view.action ?? ''}>
                  {view.action ?? <span className="muted">—</span>}
                </div>
                <div role="cell" className="vcell truncate mono small" title={view.resource ? maskSecrets(view.resource) : ''}>
                  {view.resource ? maskSecrets(view.resource) : <span className="muted">—</span>}
                </div>
                <div role="cell" className="vcell">
                  <StatusPill status={view.outcome} />
                </div>
                <div role="cell" className="vcell">
                  {view.risk ? <RiskBadge score={view.risk.score} level={view.risk.level} compact /> : <span className="muted">—</span>}
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
