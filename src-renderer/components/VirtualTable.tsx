import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, useState, type CSSProperties, type ReactNode, type RefObject } from 'react';

const ROW_H = 40;

/**
 * A row's height as the table's CSS gives it (`--vrow-h` on the body: two lines when the table's own
 * box is narrow, screen-activity.css), read again whenever the body changes width.
 */
function useRowHeight(body: RefObject<HTMLDivElement | null>): number {
  const [h, setH] = useState(ROW_H);
  useLayoutEffect(() => {
    const el = body.current;
    if (!el) return;
    const read = () => setH(Number.parseFloat(getComputedStyle(el).getPropertyValue('--vrow-h')) || ROW_H);
    read();
    const ro = new ResizeObserver(read);
    ro.observe(el);
    return () => ro.disconnect();
  }, [body]);
  return h;
}

/** A column's name as a `data-col` value ("Actor / agent" → "actor-agent"), for the narrow layout's CSS. */
const colName = (header: string) =>
  header
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

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
  className,
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
  /** A class for the table: its narrow layout (which cells go where, which are left out) is CSS. */
  className?: string;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const rowH = useRowHeight(scroller);
  const v = useVirtualizer({
    count: count + (done ? 0 : 1),
    getScrollElement: () => scroller.current,
    estimateSize: () => rowH,
    overscan: 12,
  });
  useEffect(() => v.measure(), [v, rowH]);
  const items = v.getVirtualItems();
  const last = items[items.length - 1];
  // A variable, not grid-template-columns itself, so that the narrow layout's CSS can replace it.
  const grid = { '--vcols': columns.map((c) => c.width).join(' ') } as CSSProperties;

  useEffect(() => {
    if (!done && !loading && last && last.index >= count - 30) onMore();
  }, [last, count, done, loading, onMore]);

  return (
    <div className={`vtable${className ? ` ${className}` : ''}`} role="table" aria-label={label} aria-rowcount={done ? count + 1 : -1}>
      <div className="vrow vhead" role="row" style={grid}>
        {columns.map((c) => (
          <div key={c.header} role="columnheader" className="vcell" data-col={colName(c.header)}>
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
                <div key="loader" className="vrow vloader" role="row" style={{ transform: `translateY(${it.start}px)`, height: rowH }}>
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
                style={{ ...grid, transform: `translateY(${it.start}px)`, height: rowH }}
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
                  <div
                    key={c.header}
                    role="cell"
                    className={`vcell ${c.className ?? ''}`}
                    data-col={colName(c.header)}
                    title={c.title?.(r)}
                  >
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
