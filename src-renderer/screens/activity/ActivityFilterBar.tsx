import { useEffect, useState } from 'react';
import { AUDIT_TYPES } from '../../../src-shared/index.js';
import { Icon } from '../../components/Icon.js';
import { useDebounced } from '../../hooks/useDebounced.js';
import { activeFilterCount, DECISIONS, RANGES, RISKS, statusOptions, type ActivityFilters } from './filters.js';

function Select({
  id,
  label,
  value,
  onChange,
  options,
  any,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  options: { value: string; label: string }[];
  any: string;
}) {
  return (
    <div className="field filter">
      <label htmlFor={id}>{label}</label>
      <select id={id} className="select" value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{any}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A free-text filter with suggestions (agents, action types seen). */
function DatalistInput({
  id,
  label,
  placeholder,
  value,
  onChange,
  options,
  onFocus,
}: {
  id: string;
  label: string;
  placeholder: string;
  value: string;
  onChange: (v: string) => void;
  options: string[];
  onFocus: () => void;
}) {
  return (
    <div className="field filter agent">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className="input"
        list={`${id}-list`}
        placeholder={placeholder}
        onFocus={onFocus}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
      <datalist id={`${id}-list`}>
        {options.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
    </div>
  );
}

const opts = (xs: readonly string[]) => xs.map((x) => ({ value: x, label: x }));

/** A text filter that commits to the URL once typing pauses, and follows the URL when it changes underneath. */
function useCommittedText(value: string, commit: (v: string) => void): [string, (v: string) => void] {
  const [text, setText] = useState(value);
  const debounced = useDebounced(text, 300);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (debounced !== value) commit(debounced);
    // Only the debounced text commits.
  }, [debounced]);
  return [text, setText];
}

/** Every filter of the Activity screen; each change is committed to the URL by the parent. */
export function ActivityFilterBar({
  filters,
  onChange,
  agents,
  actionTypes,
  onWantSuggestions,
}: {
  filters: ActivityFilters;
  onChange: (patch: Partial<ActivityFilters>) => void;
  agents: string[];
  actionTypes: string[];
  /** Called when a filter with suggestions is focused (they are fetched then). */
  onWantSuggestions: () => void;
}) {
  const [q, setQ] = useCommittedText(filters.q, (v) => onChange({ q: v }));
  const [agent, setAgent] = useCommittedText(filters.agent_id, (v) => onChange({ agent_id: v }));
  const [actionType, setActionType] = useCommittedText(filters.action_type, (v) => onChange({ action_type: v }));
  const statuses = statusOptions(filters.decision);
  // On a phone the filters but the search are behind a toggle that says how many are set (laid
  // out, they took the first screen and the list started below it); screen-activity.css.
  const [open, setOpen] = useState(false);
  const hidden = activeFilterCount(filters) - (filters.q ? 1 : 0) - (filters.action_id ? 1 : 0);

  return (
    <form
      className={`filter-bar${open ? '' : ' collapsed'}`}
      role="search"
      aria-label="Filter activity"
      onSubmit={(e) => e.preventDefault()}
    >
      <div className="field filter search">
        <label htmlFor="f-q">Search</label>
        <div className="input-icon">
          <Icon name="search" size={14} />
          <input
            id="f-q"
            className="input"
            type="search"
            placeholder="Any words, e.g. prod"
            value={q}
            onChange={(e) => setQ(e.target.value)}
          />
        </div>
      </div>
      <button
        type="button"
        className="btn filters-toggle"
        aria-expanded={open}
        aria-controls="activity-more-filters"
        onClick={() => setOpen(!open)}
      >
        <Icon name={open ? 'chevronDown' : 'chevronRight'} size={14} />
        Filters{hidden > 0 ? ` (${hidden} active)` : ''}
      </button>
      <div className="more-filters" id="activity-more-filters">
        <DatalistInput
          id="f-agent"
          label="Agent"
          placeholder="Any agent"
          value={agent}
          onChange={setAgent}
          options={agents}
          onFocus={onWantSuggestions}
        />
        {filters.view === 'actions' ? (
          <DatalistInput
            id="f-action-type"
            label="Action type"
            placeholder="Any action"
            value={actionType}
            onChange={setActionType}
            options={actionTypes}
            onFocus={onWantSuggestions}
          />
        ) : (
          <Select
            id="f-type"
            label="Record type"
            value={filters.type}
            onChange={(type) => onChange({ type })}
            options={opts(AUDIT_TYPES)}
            any="Any type"
          />
        )}
        <Select
          id="f-decision"
          label="Decision"
          value={filters.decision}
          onChange={(decision) => onChange({ decision })}
          options={opts(DECISIONS)}
          any="Any decision"
        />
        <Select
          id="f-status"
          label="Status"
          value={filters.status}
          onChange={(status) => onChange({ status })}
          options={opts(statuses)}
          any={filters.decision ? `Any ${filters.decision}` : 'Any status'}
        />
        <Select
          id="f-risk"
          label="Risk"
          value={filters.risk_level}
          onChange={(risk_level) => onChange({ risk_level })}
          options={opts(RISKS)}
          any="Any risk"
        />
        <Select
          id="f-range"
          label="Time"
          value={filters.range}
          onChange={(range) => onChange({ range })}
          options={[...RANGES.map((r) => ({ value: r.value, label: r.label })), { value: 'custom', label: 'Custom range…' }]}
          any="All time"
        />
        {filters.range === 'custom' && (
          <>
            <div className="field filter">
              <label htmlFor="f-since">From</label>
              <input
                id="f-since"
                className="input"
                type="datetime-local"
                value={filters.since}
                max={filters.until || undefined}
                onChange={(e) => onChange({ since: e.target.value })}
              />
            </div>
            <div className="field filter">
              <label htmlFor="f-until">To</label>
              <input
                id="f-until"
                className="input"
                type="datetime-local"
                value={filters.until}
                min={filters.since || undefined}
                onChange={(e) => onChange({ until: e.target.value })}
              />
            </div>
          </>
        )}
      </div>
      {filters.view === 'events' && filters.action_id && (
        <div className="field filter clear">
          <span className="label">Action</span>
          <button type="button" className="btn sm" onClick={() => onChange({ action_id: '' })} title="Show every action's records">
            <span className="mono">{filters.action_id.slice(0, 14)}…</span> <Icon name="x" size={12} />
          </button>
        </div>
      )}
    </form>
  );
}
