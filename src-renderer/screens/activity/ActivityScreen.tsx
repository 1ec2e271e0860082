import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { AuditRecord, VerifyResult } from '../../../src-shared/index.js';
import { api } from '../../api/client.js';
import { ErrorBanner } from '../../components/Banner.js';
import { EmptyState } from '../../components/EmptyState.js';
import { Header } from '../../components/Header.js';
import { Icon } from '../../components/Icon.js';
import { Loading } from '../../components/Loading.js';
import { useAsync } from '../../hooks/useAsync.js';
import { num } from '../../lib/format.js';
import { useStore } from '../../store/index.js';
import { ActivityFilterBar } from './ActivityFilterBar.js';
import { ActivityTable } from './ActivityTable.js';
import { ExportPanel } from './ExportPanel.js';
import { activeFilterCount, filtersToSearch, parseFilters, toAuditQuery, type ActivityFilters } from './filters.js';
import { RecordDrawer } from './RecordDrawer.js';
import { useAuditPages } from './useAuditPages.js';
import { VerifyButton, VerifyResultBanner } from './VerifyButton.js';

export function ActivityScreen() {
  const search = useStore((s) => s.search);
  const navigate = useStore((s) => s.navigate);
  const eventSeq = useStore((s) => s.eventSeq);
  const filters = useMemo(() => parseFilters(search), [search]);
  const key = filtersToSearch(filters);
  // Relative ranges are resolved when the filters change (or on refresh), not on every render.
  const query = useMemo(() => toAuditQuery(filters), [key]);
  const pages = useAuditPages(query, key);
  const [open, setOpen] = useState<AuditRecord | null>(null);
  const [verify, setVerify] = useState<VerifyResult | { error: string } | null>(null);
  const seenSeq = useRef(eventSeq);
  const agents = useAsync(() => api.listAgents(), []);

  useEffect(() => {
    seenSeq.current = eventSeq;
    // Reset the "new events" count whenever the list is reloaded.
  }, [key]);

  const onChange = useCallback(
    (patch: Partial<ActivityFilters>) => {
      const next = { ...parseFilters(useStore.getState().search), ...patch };
      navigate(`/activity${filtersToSearch(next) ? `?${filtersToSearch(next)}` : ''}`);
    },
    [navigate],
  );

  const fresh = eventSeq - seenSeq.current;
  const refresh = () => {
    seenSeq.current = useStore.getState().eventSeq;
    pages.reset();
  };
  const nFilters = activeFilterCount(filters);

  return (
    <>
      <Header
        title="Activity"
        subtitle="Every decision, approval and change — hash-chained"
        actions={
          <div className="row">
            <VerifyButton onResult={setVerify} />
            <ExportPanel />
          </div>
        }
      />
      <div className="content flush">
        <div className="activity-top">
          <ActivityFilterBar filters={filters} onChange={onChange} agents={(agents.data?.items ?? []).map((a) => a.agent_id)} />
          {verify && <VerifyResultBanner result={verify} onClose={() => setVerify(null)} />}
          <ErrorBanner error={pages.error} onRetry={pages.reset} />
          <div className="activity-meta row">
            <span className="muted small">
              {pages.count > 0
                ? `${num(pages.count)}${pages.done ? '' : '+'} record${pages.count === 1 ? '' : 's'} loaded · newest first`
                : ' '}
            </span>
            {nFilters > 0 && (
              <button type="button" className="btn ghost sm" onClick={() => navigate('/activity')}>
                <Icon name="x" size={13} /> Clear {nFilters} filter{nFilters === 1 ? '' : 's'}
              </button>
            )}
            <span className="spacer" />
            {fresh > 0 && (
              <button type="button" className="btn sm new-events" onClick={refresh}>
                <Icon name="refresh" size={13} /> {num(fresh)} new event{fresh === 1 ? '' : 's'} — show
              </button>
            )}
          </div>
        </div>
        <div className="activity-table">
          {pages.count === 0 && pages.loading ? (
            <Loading label="Loading the audit log…" />
          ) : pages.count === 0 && !pages.error ? (
            nFilters > 0 ? (
              <EmptyState
                icon="search"
                title="No records match these filters"
                actions={
                  <button type="button" className="btn" onClick={() => navigate('/activity')}>
                    Clear filters
                  </button>
                }
              >
                <p>Try a wider time range or fewer filters.</p>
              </EmptyState>
            ) : (
              <EmptyState icon="activity" title="The audit log is empty">
                <p>
                  Every action an agent submits, every approval and every policy change is recorded here, hash-chained so that tampering
                  shows.
                </p>
              </EmptyState>
            )
          ) : (
            <ActivityTable
              rows={pages.rows}
              count={pages.count}
              done={pages.done}
              loading={pages.loading}
              onMore={pages.more}
              onOpen={setOpen}
              selectedSeq={open?.seq ?? null}
            />
          )}
        </div>
      </div>
      {open && (
        <RecordDrawer
          record={open}
          onClose={() => setOpen(null)}
          onFilterAction={(id) => {
            setOpen(null);
            onChange({ action_id: id });
          }}
        />
      )}
    </>
  );
}
