import type { ReactNode } from 'react';
import { api } from '../../api/client.js';
import { Segmented } from '../../components/Segmented.js';
import { useAsync } from '../../hooks/useAsync.js';
import { Switch } from '../../components/Switch.js';
import { conditionTree } from './conditions.js';
import { ConditionTree } from './ConditionTree.js';
import { issuesFor, matchesEverything, SIMPLE_CONDITIONS, simpleValue, slug, type FieldIssues } from './model.js';

export type Draft = Record<string, unknown>;

/** SPEC 11: the approval workflow (steps, named approvers, escalation) that answers this policy's approvals. */
function WorkflowField({ value, issues, onChange }: { value: string; issues: string[]; onChange: (id: string | undefined) => void }) {
  const { data } = useAsync(() => api.listWorkflows(), []);
  const workflows = data?.items ?? [];
  return (
    <Field
      id="pf-workflow"
      label="Approval workflow"
      issues={issues}
      hint="Empty: anyone with an admin key or the console answers; a workflow's steps need their named approvers"
    >
      <select id="pf-workflow" className="select" value={value} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">None (one answer)</option>
        {value && !workflows.some((w) => w.id === value) && <option value={value}>{value}</option>}
        {workflows.map((w) => (
          <option key={w.id} value={w.id}>
            {w.name} ({w.steps.length} step{w.steps.length === 1 ? '' : 's'})
          </option>
        ))}
      </select>
    </Field>
  );
}

function Field({
  id,
  label,
  issues,
  hint,
  children,
  className,
}: {
  id: string;
  label: string;
  issues: string[];
  hint?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      {children}
      {issues.length > 0 ? (
        <div className="error" id={`${id}-err`} role="alert">
          {issues.join('; ')}
        </div>
      ) : (
        hint && <div className="hint">{hint}</div>
      )}
    </div>
  );
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const toLocal = (iso: unknown) => {
  if (typeof iso !== 'string' || !iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

/**
 * The common case of a policy as a form. The four wildcard fields are edited here; every other
 * condition (operators, `any` / `all` / `not` trees) is shown in words and edited as YAML / JSON.
 */
export function PolicyForm({
  draft,
  onChange,
  issues,
  isNew,
  idTouched,
  onIdTouched,
  onEditCode,
}: {
  draft: Draft;
  onChange: (d: Draft) => void;
  issues: FieldIssues;
  isNew: boolean;
  idTouched: boolean;
  onIdTouched: () => void;
  /** Opens the YAML / JSON tab, where every condition can be edited. */
  onEditCode: () => void;
}) {
  const set = (patch: Draft) => onChange({ ...draft, ...patch });
  const when = (draft.when && typeof draft.when === 'object' && !Array.isArray(draft.when) ? draft.when : {}) as Record<string, unknown>;
  const approval = (draft.approval && typeof draft.approval === 'object' ? draft.approval : {}) as Record<string, unknown>;
  const simpleKeys: string[] = SIMPLE_CONDITIONS.map((c) => c.key);
  const otherKeys = Object.keys(when).filter((k) => !simpleKeys.includes(k));
  const richKeys = Object.keys(when).filter((k) => otherKeys.includes(k) || simpleValue(when[k]) === null);
  const rich = Object.fromEntries(richKeys.map((k) => [k, when[k]]));
  const otherWhenIssues = Object.entries(issues)
    .filter(([p]) => (p === 'when' || p.startsWith('when.')) && !simpleKeys.some((k) => p === `when.${k}` || p.startsWith(`when.${k}.`)))
    .map(([p, m]) => `${p}: ${m.join('; ')}`);
  const inv = (path: string) => ({
    'aria-invalid': issuesFor(issues, path).length > 0,
    'aria-describedby': issuesFor(issues, path).length ? `pf-${path}-err` : undefined,
  });

  const setWhen = (key: string, value: string) => {
    const next = { ...when };
    if (value === '') delete next[key];
    else next[key] = value;
    set({ when: next });
  };
  const setApproval = (patch: Record<string, unknown>) => {
    const next: Record<string, unknown> = { ...approval, ...patch };
    for (const k of Object.keys(next)) if (next[k] === undefined || next[k] === '') delete next[k];
    const copy = { ...draft };
    if (Object.keys(next).length) copy.approval = next;
    else delete copy.approval;
    onChange(copy);
  };

  return (
    <div className="stack policy-form">
      <div className="form-grid">
        <Field id="pf-name" label="Name" issues={issuesFor(issues, 'name')} className="span-2">
          <input
            id="pf-name"
            className="input"
            value={str(draft.name)}
            placeholder="e.g. Force pushes need approval"
            onChange={(e) => {
              const name = e.target.value;
              set(isNew && !idTouched ? { name, id: slug(name) } : { name });
            }}
            {...inv('name')}
          />
        </Field>
        <Field
          id="pf-id"
          label="Id"
          issues={issuesFor(issues, 'id')}
          hint={isNew ? 'lowercase letters, digits, . _ -' : 'The id cannot change'}
        >
          {isNew ? (
            <input
              id="pf-id"
              className="input code"
              value={str(draft.id)}
              onChange={(e) => {
                onIdTouched();
                set({ id: e.target.value });
              }}
              {...inv('id')}
            />
          ) : (
            // An id that cannot change, read whole: it wraps (an input cut a long one to
            // "prod-db-deletes-outside-maintenance-" even at 1920 px).
            <textarea id="pf-id" className="textarea code fixed-id" rows={1} value={str(draft.id)} disabled {...inv('id')} />
          )}
        </Field>
        <Field id="pf-description" label="Description" issues={issuesFor(issues, 'description')} className="span-all">
          <textarea
            id="pf-description"
            className="textarea"
            rows={2}
            value={str(draft.description)}
            onChange={(e) => set({ description: e.target.value || undefined })}
            {...inv('description')}
          />
        </Field>
      </div>

      <div className="form-grid">
        <div className="field span-2">
          <span className="label">Effect</span>
          <Segmented
            label="Effect"
            value={(draft.effect as string) ?? 'require_approval'}
            onChange={(effect) => set({ effect })}
            options={[
              { value: 'allow', label: 'Allow' },
              { value: 'require_approval', label: 'Require approval' },
              { value: 'deny', label: 'Deny' },
              { value: 'monitor', label: 'Monitor', hint: 'Never decides; adds a monitor:<id> flag' },
            ]}
          />
          {issuesFor(issues, 'effect').length > 0 && <div className="error">{issuesFor(issues, 'effect').join('; ')}</div>}
        </div>
        <Field id="pf-priority" label="Priority" issues={issuesFor(issues, 'priority')} hint="0–1000; higher is considered first">
          <input
            id="pf-priority"
            className="input"
            type="number"
            min={0}
            max={1000}
            value={typeof draft.priority === 'number' ? draft.priority : ''}
            onChange={(e) => set({ priority: e.target.value === '' ? undefined : Number(e.target.value) })}
            {...inv('priority')}
          />
        </Field>
        <div className="field">
          <span className="label">Mode</span>
          <Segmented
            label="Mode"
            value={(draft.mode as string) ?? 'enforce'}
            onChange={(mode) => set({ mode })}
            options={[
              { value: 'enforce', label: 'Enforce' },
              { value: 'shadow', label: 'Shadow', hint: 'Evaluated on the side; differences are recorded, nothing is enforced' },
            ]}
          />
        </div>
        <div className="field">
          <span className="label">Enabled</span>
          <label className="check">
            <Switch checked={draft.enabled !== false} onChange={(enabled) => set({ enabled })} label="Enabled" />
            {draft.enabled !== false ? 'On' : 'Off'}
          </label>
        </div>
      </div>

      <fieldset className="fieldset">
        <legend>When (all must hold)</legend>
        <p className="muted small">
          Wildcards: <code>*</code> any run of characters, <code>?</code> one character. Text without wildcards must match exactly. Leave a
          field empty to match anything.
        </p>
        <div className="form-grid">
          {SIMPLE_CONDITIONS.map((c) => {
            const v = simpleValue(when[c.key]);
            const id = `pf-when-${c.key}`;
            return (
              <Field
                key={c.key}
                id={id}
                label={c.label}
                issues={issuesFor(issues, `when.${c.key}`)}
                hint={v === null ? 'Edit it in the YAML / JSON tab' : undefined}
              >
                {v === null ? (
                  <input id={id} className="input code" value="a richer condition, shown below" disabled />
                ) : (
                  <input
                    id={id}
                    className="input code"
                    value={v}
                    placeholder={c.placeholder}
                    onChange={(e) => setWhen(c.key, e.target.value)}
                    {...inv(`when.${c.key}`)}
                  />
                )}
              </Field>
            );
          })}
        </div>
        {richKeys.length > 0 && (
          <div className="cond-more" data-testid="rich-conditions">
            <div className="row">
              <span className="label">More conditions, all of which must hold too</span>
              <span className="spacer" />
              <button type="button" className="btn small" onClick={onEditCode}>
                Edit in YAML / JSON
              </button>
            </div>
            <ConditionTree node={conditionTree(rich)} />
          </div>
        )}
        {matchesEverything(when) && (
          <div className="banner warn small" role="note">
            No condition: this policy matches <strong>every action</strong>.
          </div>
        )}
        {otherWhenIssues.length > 0 && (
          <div className="field-error" role="alert">
            {otherWhenIssues.join('; ')}
          </div>
        )}
      </fieldset>

      <div className="form-grid">
        {draft.effect === 'require_approval' && (
          <>
            <Field
              id="pf-timeout"
              label="Approval timeout (seconds)"
              issues={issuesFor(issues, 'approval.timeout_s')}
              hint="Empty: the setting's default"
            >
              <input
                id="pf-timeout"
                className="input"
                type="number"
                min={1}
                value={typeof approval.timeout_s === 'number' ? approval.timeout_s : ''}
                onChange={(e) => setApproval({ timeout_s: e.target.value === '' ? undefined : Number(e.target.value) })}
                {...inv('approval.timeout_s')}
              />
            </Field>
            <WorkflowField
              value={str(approval.workflow)}
              issues={issuesFor(issues, 'approval.workflow')}
              onChange={(w) => setApproval({ workflow: w })}
            />
            <Field id="pf-timeout-action" label="When nobody answers" issues={issuesFor(issues, 'approval.timeout_action')}>
              <select
                id="pf-timeout-action"
                className="select"
                value={str(approval.timeout_action)}
                onChange={(e) => setApproval({ timeout_action: e.target.value || undefined })}
              >
                <option value="">Setting's default</option>
                <option value="deny">Deny</option>
                <option value="allow">Allow</option>
              </select>
            </Field>
          </>
        )}
        <Field id="pf-expires" label="Expires" issues={issuesFor(issues, 'expires_at')} hint="Empty: never">
          <input
            id="pf-expires"
            className="input"
            type="datetime-local"
            value={toLocal(draft.expires_at)}
            onChange={(e) => set({ expires_at: e.target.value ? new Date(e.target.value).toISOString() : null })}
            {...inv('expires_at')}
          />
        </Field>
      </div>
    </div>
  );
}
