import { useEffect, useState } from 'react';
import { AUDIT_TYPES } from '../../../src-shared/index.js';
import { Icon } from '../../components/Icon.js';
import { useDebounced } from '../../hooks/useDebounced.js';
import { RANGES, type ActivityFilters } from './filters.js';

const DECISIONS = ['allowed', 'denied', 'pending'];
const STATUSES = ['allowed', 'denied', 'pending', 'approved', 'rejected', 'expired', 'completed', 'failed'];
const RISKS = ['low', 'medium', 'high', 'critical'];

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

const opts = (xs: readonly string[]) => xs.map((x) => ({ value: x, label: x }));

/** Every filter of the Activity screen; each change is committed to the URL by the parent. */
export function ActivityFilterBar({
  filters,
  onChange,
  agents,
}: {
  filters: ActivityFilters;
  onChange: (patch: Partial<ActivityFilters>) => void;
  agents: string[];
}) {
  const [q, setQ] = useState(filters.q);
  const [agent, setAgent] = useState(filters.agent_id);
  const dq = useDebounced(q, 350);
  const dAgent = useDebounced(agent, 350);
  // Follow the URL when it changes underneath (back button, "clear").
  useEffect(() => setQ(filters.q), [filters.q]);
  useEffect(() => setAgent(filters.agent_id), [filters.agent_id]);
  useEffect(() => {
    if (dq !== filters.q) onChange({ q: dq });
    // Only the debounced text commits.
  }, [dq]);
  useEffect(() => {
    if (dAgent !== filters.agent_id) onChange({ agent_id: dAgent });
  }, [dAgent]);

  return (
    <form className="filter-bar" role="search" aria-label="Filter activity" onSubmit={(e) => e.preventDefault()}>
      <div className="field filter search">
        <label htmlFor="f-q">Search</label>
        <div className="input-icon">
          <Icon name="search" size={14} />
          <input
            id="f-q"
            className="input"
            type="search"
            placeholder="Command, path, policy, comment…"
            value={q}
            onChange={(e) => setQ(e.target.value)}
          />
        </div>
      </div>
      <div className="field filter agent">
        <label htmlFor="f-agent">Agent</label>
        <input
          id="f-agent"
          className="input"
          list="f-agent-list"
          placeholder="Any agent"
          value={agent}
          onChange={(e) => setAgent(e.target.value)}
        />
        <datalist id="f-agent-list">
          {agents.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
      </div>
      <Select
        id="f-type"
        label="Type"
        value={filters.type}
        onChange={(type) => onChange({ type })}
        options={opts(AUDIT_TYPES)}
        any="Any type"
      />
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
        options={opts(STATUSES)}
        any="Any status"
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
              onChange={(e) => onChange({ until: e.target.value })}
            />
          </div>
        </>
      )}
      {filters.action_id && (
        <div className="field filter">
          <span className="label">Action</span>
          <button type="button" className="btn sm" onClick={() => onChange({ action_id: '' })} title="Show all actions">
            <span className="mono">{filters.action_id.slice(0, 14)}…</span> <Icon name="x" size={12} />
          </button>
        </div>
      )}
    </form>
  );
}
