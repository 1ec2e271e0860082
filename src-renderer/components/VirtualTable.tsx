import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type ReactNode } from 'react';

const ROW_H = 40;

export interface Column<T> {
  header: string;
  /** A CSS grid track ("132px", "minmax(120px, 1fr)"). */
  width: string;
  cell: (row: T) => ReactNode;
  /** Cell class (mono, small, truncate…). */
  className?: string;
  title?: (row: T) => string | undefined;
}

/**
 * A table whose body is virtualized: only the rows on screen (plus a few) are in the DOM, so a list
 * paged in from a log of millions stays as cheap as one page. Older rows are asked for (`onMore`)
 * when the last loaded ones come into view.
 */
export function VirtualTable<T>({
  label,
  columns,
  rows,
  count,
  done,
  loading,
  onMore,
  onOpen,
  rowKey,
  selectedKey,
  loaderText,
  rowData,
}: {
  label: string;
  columns: Column<T>[];
  rows: T[];
  count: number;
  done: boolean;
  loading: boolean;
  onMore: () => void;
  onOpen: (r: T) => void;
  rowKey: (r: T) => string;
  selectedKey: string | null;
  loaderText: string;
  /** data-* attributes for a row (tests and the bench find rows by them). */
  rowData?: (r: T) => Record<string, string>;
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
  const grid = { gridTemplateColumns: columns.map((c) => c.width).join(' ') };

  useEffect(() => {
    if (!done && !loading && last && last.index >= count - 30) onMore();
  }, [last, count, done, loading, onMore]);

  return (
    <div className="vtable" role="table" aria-label={label} aria-rowcount={done ? count + 1 : -1}>
      <div className="vrow vhead" role="row" style={grid}>
        {columns.map((c) => (
          <div key={c.header} role="columnheader" className="vcell">
            {c.header}
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
                    <span className="spinner" aria-hidden="true" /> {loaderText}
                  </div>
                </div>
              );
            }
            const k = rowKey(r);
            return (
              <div
                key={k}
                className={`vrow${selectedKey === k ? ' selected' : ''}`}
                role="row"
                aria-rowindex={it.index + 2}
                tabIndex={0}
                style={{ ...grid, transform: `translateY(${it.start}px)`, height: ROW_H }}
                onClick={() => onOpen(r)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    onOpen(r);
                  }
                }}
                {...Object.fromEntries(Object.entries(rowData?.(r) ?? {}).map(([a, b]) => [`data-${a}`, b]))}
              >
                {columns.map((c) => (
                  <div key={c.header} role="cell" className={`vcell ${c.className ?? ''}`} title={c.title?.(r)}>
                    {c.cell(r)}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
