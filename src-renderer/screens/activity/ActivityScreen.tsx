import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ActionStatus, AuditRecord } from '../../../src-shared/index.js';
import { MIN_PREFIX, wholeWordRuns } from '../../../src-shared/search.js';
import { api } from '../../api/client.js';
import { ErrorBanner } from '../../components/Banner.js';
import { EmptyState } from '../../components/EmptyState.js';
import { Header } from '../../components/Header.js';
import { Icon } from '../../components/Icon.js';
import { Loading } from '../../components/Loading.js';
import { Segmented } from '../../components/Segmented.js';
import { VirtualTable } from '../../components/VirtualTable.js';
import { useAsync } from '../../hooks/useAsync.js';
import { fullTime, num } from '../../lib/format.js';
import { useStore } from '../../store/index.js';
import { ActionDrawer } from './ActionDrawer.js';
import { ActivityFilterBar } from './ActivityFilterBar.js';
import { ACTION_COLUMNS, EVENT_COLUMNS } from './columns.js';
import { ExportPanel } from './ExportPanel.js';
import {
  activeFilterCount,
  clearedSearch,
  filtersToSearch,
  localToMs,
  msToLocal,
  parseFilters,
  patchFilters,
  rangeBounds,
  toActionQuery,
  toAuditQuery,
  type ActivityFilters,
  type ActivityView,
} from './filters.js';
import { RecordDrawer } from './RecordDrawer.js';
import { usePages } from './usePages.js';
import { VerifyButton, VerifyResultBanner, type VerifyOutcome } from './VerifyButton.js';

/** "Jump to a date": the list starts at that moment (inside the time range) and goes back from there. */
function JumpToDate({ filters, onChange }: { filters: ActivityFilters; onChange: (patch: Partial<ActivityFilters>) => void }) {
  const [value, setValue] = useState(filters.at);
  useEffect(() => setValue(filters.at), [filters.at]);
  const b = rangeBounds(filters, Date.now());
  const min = b.since === null ? undefined : msToLocal(b.since);
  const max = msToLocal(b.until ?? Date.now());
  const ms = localToMs(value);
  const outside = ms !== null && ((b.since !== null && ms < b.since) || ms > (b.until ?? Date.now() + 60_000));
  return (
    <form
      className="jump row"
      aria-label="Jump to a date in the list"
      onSubmit={(e) => {
        e.preventDefault();
        if (ms !== null && !outside) onChange({ at: value });
      }}
    >
      <label htmlFor="f-at" className="small muted nowrap">
        Jump to
      </label>
      <input
        id="f-at"
        className="input sm"
        type="datetime-local"
        step={1}
        value={value}
        min={min}
        max={max}
        aria-invalid={outside || undefined}
        aria-describedby={outside ? 'f-at-error' : undefined}
        onChange={(e) => setValue(e.target.value)}
      />
      <button type="submit" className="btn sm" disabled={ms === null || outside}>
        Go
      </button>
      {outside && (
        <span id="f-at-error" className="field-error small">
          outside the time range
        </span>
      )}
    </form>
  );
}

/** “rm”, “ls” and “db”. */
const quoted = (runs: string[]) =>
  runs
    .map((r) => `“${r}”`)
    .join(', ')
    .replace(/, ([^,]*)$/, ' and $1');

export function ActivityScreen() {
  const search = useStore((s) => s.search);
  const navigate = useStore((s) => s.navigate);
  const eventSeq = useStore((s) => s.eventSeq);
  const filters = useMemo(() => parseFilters(search), [search]);
  const key = filtersToSearch(filters);
  const view = filters.view;
  // Relative ranges are resolved when the filters change (or on refresh), not on every render.
  const actionQuery = useMemo(() => toActionQuery(filters), [key]);
  const auditQuery = useMemo(() => toAuditQuery(filters), [key]);
  const actions = usePages<ActionStatus>(
    useCallback(
      (p) => (view === 'actions' ? api.listActions({ ...actionQuery, ...p }) : Promise.resolve({ items: [], next_cursor: null })),
      [actionQuery, view],
    ),
    `a:${key}`,
  );
  const events = usePages<AuditRecord>(
    useCallback(
      (p) => (view === 'events' ? api.audit({ ...auditQuery, ...p }) : Promise.resolve({ items: [], next_cursor: null })),
      [auditQuery, view],
    ),
    `e:${key}`,
  );
  const pages = view === 'actions' ? actions : events;
  const [openAction, setOpenAction] = useState<ActionStatus | null>(null);
  const [openRecord, setOpenRecord] = useState<AuditRecord | null>(null);
  const [verify, setVerify] = useState<VerifyOutcome | null>(null);
  const seenSeq = useRef(eventSeq);
  // Suggestions for the agent and action-type filters are fetched when one of them is first
  // focused, not with the page: at a million records the first page must not queue behind them.
  const [wantSuggestions, setWantSuggestions] = useState(false);
  const agents = useAsync(() => (wantSuggestions ? api.listAgents() : Promise.resolve(null)), [wantSuggestions]);
  // Records retention moved to archive/ (SPEC 7.7) are not in these lists: say where the list ends.
  const archived = useAsync(() => api.auditArchives(), []).data?.archived_records ?? 0;
  const suggestions = useMemo(() => {
    const items = agents.data?.items ?? [];
    const types = new Set(items.flatMap((a) => a.top_action_types.map((t) => t.action_type)));
    return { agents: items.map((a) => a.agent_id), actionTypes: [...types].sort() };
  }, [agents.data]);

  useEffect(() => {
    seenSeq.current = eventSeq;
    // Reset the "new events" count whenever the list is reloaded.
  }, [key]);

  const onChange = useCallback(
    (patch: Partial<ActivityFilters>) => {
      const next = patchFilters(parseFilters(useStore.getState().search), patch);
      const s = filtersToSearch(next);
      navigate(`/activity${s ? `?${s}` : ''}`);
    },
    [navigate],
  );

  const fresh = eventSeq - seenSeq.current;
  const refresh = () => {
    seenSeq.current = useStore.getState().eventSeq;
    pages.reset();
  };
  const nFilters = activeFilterCount(filters);
  // Search words too short to match as a prefix: said so, so that no result never reads as "nothing starts with it".
  const shortRuns = wholeWordRuns(filters.q);
  const cleared = clearedSearch(filters);
  const clear = () => navigate(`/activity${cleared ? `?${cleared}` : ''}`);
  const noun = view === 'actions' ? 'action' : 'record';

  return (
    <>
      <Header
        title="Activity"
        subtitle="Every action, decision and answer — hash-chained"
        actions={
          <div className="row">
            <VerifyButton onResult={setVerify} />
            <ExportPanel />
          </div>
        }
      />
      <div className="content flush">
        <div className="activity-top">
          <div className="row activity-view">
            <Segmented<ActivityView>
              label="Show"
              value={view}
              onChange={(v) => onChange({ view: v })}
              options={[
                { value: 'actions', label: 'Actions', hint: 'One row per action, with its timeline' },
                { value: 'events', label: 'Raw events', hint: 'Every audit record as it was appended' },
              ]}
            />
            <span className="muted small">
              {view === 'actions' ? 'One row per action: its current status.' : 'Every audit record, as appended to the chain.'}
            </span>
          </div>
          <ActivityFilterBar
            filters={filters}
            onChange={onChange}
            agents={suggestions.agents}
            actionTypes={suggestions.actionTypes}
            onWantSuggestions={() => setWantSuggestions(true)}
          />
          {verify && <VerifyResultBanner result={verify} onClose={() => setVerify(null)} />}
          <ErrorBanner error={pages.error} onRetry={pages.reset} />
          <div className="activity-meta row">
            <span className="muted small" data-testid="activity-count">
              {pages.count > 0
                ? `${num(pages.count)}${pages.done ? '' : '+'} ${noun}${pages.count === 1 ? '' : 's'} loaded · newest first` +
                  (pages.done && archived ? ` · records 1–${num(archived)} are archived` : '') +
                  (shortRuns.length ? ` · ${quoted(shortRuns)} matched as whole word${shortRuns.length === 1 ? '' : 's'}` : '')
                : ' '}
            </span>
            {filters.at && (
              <span className="chip jump-chip" data-testid="jump-chip">
                from {fullTime(new Date(localToMs(filters.at)!).toISOString())} back
                <button type="button" className="btn ghost sm" onClick={() => onChange({ at: '' })}>
                  Back to newest
                </button>
              </span>
            )}
            {nFilters > 0 && (
              <button type="button" className="btn ghost sm" onClick={clear}>
                <Icon name="x" size={13} /> Clear {nFilters} filter{nFilters === 1 ? '' : 's'}
              </button>
            )}
            <span className="spacer" />
            {fresh > 0 && !filters.at && (
              <button type="button" className="btn sm new-events" onClick={refresh}>
                <Icon name="refresh" size={13} /> {num(fresh)} new event{fresh === 1 ? '' : 's'} — show
              </button>
            )}
            <JumpToDate filters={filters} onChange={onChange} />
          </div>
        </div>
        <div className="activity-table">
          {pages.count === 0 && (pages.loading || !pages.done) && !pages.error ? (
            <Loading
              label={
                pages.notice
                  ? pages.notice
                  : pages.searching
                    ? `Searching older ${view === 'actions' ? 'actions' : 'records'} for matches…`
                    : view === 'actions'
                      ? 'Loading actions…'
                      : 'Loading the audit log…'
              }
            />
          ) : pages.count === 0 && !pages.error ? (
            nFilters > 0 || filters.at ? (
              <EmptyState
                icon="search"
                title={`No ${noun}s match these filters`}
                actions={
                  <button type="button" className="btn" onClick={clear}>
                    Clear filters
                  </button>
                }
              >
                {shortRuns.length > 0 ? (
                  <p data-testid="short-words">
                    {quoted(shortRuns)} {shortRuns.length === 1 ? 'is' : 'are'} matched as{' '}
                    {shortRuns.length === 1 ? 'a whole word' : 'whole words'}: a search word of fewer than {MIN_PREFIX} letters finds that
                    word itself (<code>rm</code> finds <code>rm -rf build/</code>), not every word that starts with it. Type more of it to
                    match the start of longer words, or try a wider time range or fewer filters.
                  </p>
                ) : (
                  <p>Try a wider time range, fewer filters or a later date.</p>
                )}
              </EmptyState>
            ) : archived ? (
              <EmptyState icon="activity" title={`No ${noun}s in the live log`}>
                <p>
                  Records 1–{num(archived)} were moved to <code>archive/</code> in the data directory by retention (Settings → Audit log).
                  Export includes them; <code>gatehouse audit verify --archive</code> checks them.
                </p>
              </EmptyState>
            ) : view === 'actions' ? (
              <EmptyState icon="activity" title="No actions yet">
                <p>
                  Each action an agent submits appears here once, with where it stands now; open it for its timeline. The raw event stream
                  also shows policy, key and settings changes.
                </p>
              </EmptyState>
            ) : (
              <EmptyState icon="activity" title="The audit log is empty">
                <p>
                  Every action an agent submits, every approval and every policy change is recorded here, hash-chained so that tampering
                  shows.
                </p>
              </EmptyState>
            )
          ) : view === 'actions' ? (
            <VirtualTable
              label="Actions"
              className="actions-vtable"
              columns={ACTION_COLUMNS}
              rows={actions.rows}
              count={actions.count}
              done={actions.done}
              loading={actions.loading}
              onMore={actions.more}
              onOpen={setOpenAction}
              rowKey={(a) => a.action_id}
              selectedKey={openAction?.action_id ?? null}
              loaderText="Loading older actions…"
              rowData={(a) => ({ 'action-id': a.action_id, status: a.status })}
            />
          ) : (
            <VirtualTable
              label="Audit records"
              className="events-vtable"
              columns={EVENT_COLUMNS}
              rows={events.rows}
              count={events.count}
              done={events.done}
              loading={events.loading}
              onMore={events.more}
              onOpen={setOpenRecord}
              rowKey={(r) => String(r.seq)}
              selectedKey={openRecord ? String(openRecord.seq) : null}
              loaderText="Loading older records…"
              rowData={(r) => ({ seq: String(r.seq) })}
            />
          )}
        </div>
      </div>
      {openAction && (
        <ActionDrawer
          action={openAction}
          onClose={() => setOpenAction(null)}
          onShowRecords={(id) => {
            setOpenAction(null);
            onChange({ view: 'events', action_id: id });
          }}
        />
      )}
      {openRecord && (
        <RecordDrawer
          record={openRecord}
          onClose={() => setOpenRecord(null)}
          onFilterAction={(id) => {
            setOpenRecord(null);
            onChange({ action_id: id });
          }}
        />
      )}
    </>
  );
}
