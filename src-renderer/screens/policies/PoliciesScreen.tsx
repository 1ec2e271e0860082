import { useEffect, useRef, useState } from 'react';
import type { PolicyView } from '../../../src-shared/index.js';
import { api, errorMessage, fieldErrors } from '../../api/client.js';
import { saveBlob } from '../../api/download.js';
import { importPolicyFile } from '../../api/policies.js';
import { Banner, ErrorBanner } from '../../components/Banner.js';
import { ConfirmDialog } from '../../components/Dialog.js';
import { EmptyState } from '../../components/EmptyState.js';
import { Header } from '../../components/Header.js';
import { Icon } from '../../components/Icon.js';
import { Loading } from '../../components/Loading.js';
import { useAsync } from '../../hooks/useAsync.js';
import { useStore } from '../../store/index.js';
import { AbTestsPanel } from './AbTestsPanel.js';
import { toInput } from './model.js';
import { PolicyEditor } from './PolicyEditor.js';
import { PolicyTable } from './PolicyTable.js';
import { Suggestions } from './Suggestions.js';
import { TestPanel } from './TestPanel.js';

type Editing = { policy: PolicyView | null } | null;

function ImportExport({ onImported }: { onImported: () => void }) {
  const file = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<{ message: string; details: { path: string; message: string }[] } | null>(null);
  const pushToast = useStore((s) => s.pushToast);

  async function onFile(f: File) {
    setError(null);
    try {
      const r = await importPolicyFile(await f.text(), f.name);
      pushToast({
        kind: 'allowed',
        title: `Imported ${r.imported} polic${r.imported === 1 ? 'y' : 'ies'} from ${f.name}`,
        detail: `${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged${r.workflows ? `, ${r.workflows} workflow${r.workflows === 1 ? '' : 's'}` : ''}${r.settings_changed ? ', settings changed' : ''}`,
      });
      onImported();
    } catch (e) {
      setError({ message: errorMessage(e), details: fieldErrors(e) });
    }
  }

  async function exportAs(format: 'yaml' | 'json') {
    try {
      const text = await api.exportPolicies(format);
      saveBlob(new Blob([text], { type: format === 'yaml' ? 'application/yaml' : 'application/json' }), `policies.${format}`);
    } catch (e) {
      setError({ message: errorMessage(e), details: [] });
    }
  }

  return (
    <div className="row import-export">
      <input
        ref={file}
        type="file"
        accept=".yaml,.yml,.json,application/json,application/yaml"
        className="sr-only"
        tabIndex={-1}
        aria-hidden="true"
        data-testid="policy-import-file"
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) void onFile(f);
          e.target.value = '';
        }}
      />
      <button
        type="button"
        className="btn"
        onClick={() => file.current?.click()}
        title="Import a YAML or JSON policy file (applied all or nothing)"
      >
        <Icon name="upload" size={15} /> Import
      </button>
      <button type="button" className="btn" onClick={() => void exportAs('yaml')} title="Download the policy set as YAML">
        <Icon name="download" size={15} /> Export YAML
      </button>
      <button type="button" className="btn ghost sm" onClick={() => void exportAs('json')} title="Download the policy set as JSON">
        JSON
      </button>
      {error && (
        <div className="import-error">
          <Banner
            kind="error"
            action={
              <button type="button" className="btn ghost sm icon" aria-label="Dismiss" onClick={() => setError(null)}>
                <Icon name="x" size={14} />
              </button>
            }
          >
            <strong>Import failed; nothing was changed.</strong> {error.message}
            {error.details.length > 0 && (
              <ul className="issue-list">
                {error.details.slice(0, 8).map((d) => (
                  <li key={`${d.path}${d.message}`}>
                    <code>{d.path}</code> {d.message}
                  </li>
                ))}
              </ul>
            )}
          </Banner>
        </div>
      )}
    </div>
  );
}

export function PoliciesScreen() {
  const policiesSeq = useStore((s) => s.policiesSeq);
  const pushToast = useStore((s) => s.pushToast);
  const { data, error, loading, reload } = useAsync(() => api.listPolicies(), [policiesSeq]);
  const [editing, setEditing] = useState<Editing>(null);
  const [deleting, setDeleting] = useState<PolicyView | null>(null);
  const [busy, setBusy] = useState<Record<string, boolean>>({});
  const [rowError, setRowError] = useState<string | null>(null);
  const [optimistic, setOptimistic] = useState<Record<string, boolean>>({});

  useEffect(() => setOptimistic({}), [data]);

  const policies = (data?.items ?? [])
    .map((p) => (p.id in optimistic ? { ...p, enabled: optimistic[p.id]! } : p))
    .sort((a, b) => b.priority - a.priority || a.id.localeCompare(b.id));

  async function toggle(p: PolicyView, enabled: boolean) {
    setBusy((b) => ({ ...b, [p.id]: true }));
    setOptimistic((o) => ({ ...o, [p.id]: enabled }));
    setRowError(null);
    try {
      await api.updatePolicy(p.id, { ...toInput(p), enabled });
      reload();
    } catch (e) {
      setOptimistic((o) => {
        const { [p.id]: _x, ...rest } = o;
        return rest;
      });
      setRowError(`Could not ${enabled ? 'enable' : 'disable'} ${p.id}: ${errorMessage(e)}`);
    } finally {
      setBusy((b) => ({ ...b, [p.id]: false }));
    }
  }

  async function remove(p: PolicyView) {
    setDeleting(null);
    try {
      await api.deletePolicy(p.id);
      pushToast({ kind: 'info', title: `Deleted policy ${p.id}` });
      reload();
    } catch (e) {
      setRowError(`Could not delete ${p.id}: ${errorMessage(e)}`);
    }
  }

  return (
    <>
      <Header
        title="Policies"
        subtitle={data ? `${policies.length} polic${policies.length === 1 ? 'y' : 'ies'} · highest priority decides` : undefined}
        actions={
          <div className="row">
            <ImportExport onImported={reload} />
            <button type="button" className="btn primary" onClick={() => setEditing({ policy: null })}>
              <Icon name="plus" size={15} /> New policy
            </button>
          </div>
        }
      />
      <div className="content">
        <div className="page stack">
          <ErrorBanner error={error} onRetry={reload} />
          {rowError && (
            <Banner
              kind="error"
              action={
                <button type="button" className="btn ghost sm" onClick={() => setRowError(null)}>
                  Dismiss
                </button>
              }
            >
              {rowError}
            </Banner>
          )}
          {data && <Suggestions policies={data.items} onCreated={reload} />}
          {loading && !data ? (
            <Loading label="Loading policies…" />
          ) : data && policies.length === 0 ? (
            <EmptyState
              icon="sliders"
              title="No policies yet"
              actions={
                <button type="button" className="btn primary" onClick={() => setEditing({ policy: null })}>
                  <Icon name="plus" size={15} /> Write your first policy
                </button>
              }
            >
              <p>
                Without policies, risk decides: low-risk actions are allowed, high-risk ones wait for you. A policy lets you say exactly
                what is always allowed, always denied, or always needs approval — or import a YAML file.
              </p>
            </EmptyState>
          ) : (
            data && (
              <PolicyTable
                policies={policies}
                busy={busy}
                onToggle={(p, v) => void toggle(p, v)}
                onEdit={(p) => setEditing({ policy: p })}
                onDelete={setDeleting}
              />
            )
          )}
          {data && <AbTestsPanel policies={data.items} />}
          <section className="panel">
            <div className="panel-head">
              <div>
                <h2>Test an action</h2>
                <p>What would the current policies decide for this action, and why? Nothing is recorded.</p>
              </div>
            </div>
            <TestPanel />
          </section>
        </div>
      </div>
      {editing && (
        <PolicyEditor
          policy={editing.policy}
          all={data?.items ?? []}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.id}?`}
          confirmLabel="Delete policy"
          danger
          onCancel={() => setDeleting(null)}
          onConfirm={() => void remove(deleting)}
        >
          <p>
            <strong>{deleting.name ?? deleting.id}</strong> will no longer apply. Actions it matched are decided by the remaining policies,
            or by risk. The deletion is recorded in the audit log.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
