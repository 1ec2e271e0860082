import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { stringify as toYaml } from 'yaml';
import type { PolicyInput, PolicyView } from '../../../src-shared/index.js';
import { ApiError, api, errorMessage, fieldErrors } from '../../api/client.js';
import { Banner } from '../../components/Banner.js';

import { Drawer } from '../../components/Drawer.js';
import { Segmented } from '../../components/Segmented.js';
import { Tabs, tabPanelProps } from '../../components/Tabs.js';
import { useDebounced } from '../../hooks/useDebounced.js';
import { useStore } from '../../store/index.js';
import { EMPTY_POLICY, localIssues, mergeDraft, serverIssues, toInput, type FieldIssues } from './model.js';
import { PolicyForm, type Draft } from './PolicyForm.js';
import { SimulatePanel } from './SimulatePanel.js';
import { TestPanel } from './TestPanel.js';
import { issuesOnLines, parsePolicyText, type LineIssue } from './text-issues.js';

/** CodeMirror is loaded with the first code tab, not with the console. */
const CodeEditor = lazy(() => import('../../components/CodeEditor.js'));

type Tab = 'form' | 'text' | 'test' | 'simulate';

function serialize(d: Draft, format: 'yaml' | 'json'): string {
  return format === 'yaml' ? toYaml(d, { lineWidth: 0 }) : JSON.stringify(d, null, 2);
}

function clean(d: Draft): Draft {
  const out: Draft = {};
  for (const [k, v] of Object.entries(d)) if (v !== undefined && !(k === 'description' && v === '')) out[k] = v;
  return out;
}

/**
 * Create or edit a policy: a form for the common case, YAML/JSON for everything, validation as
 * you type (the shared zod schema locally, then the server's compiler for conditions and regexes),
 * and the draft can be tested and simulated before it is saved.
 */
export function PolicyEditor({
  policy,
  all,
  onClose,
  onSaved,
}: {
  policy: PolicyView | null;
  all: PolicyView[];
  onClose: () => void;
  onSaved: (p: PolicyView) => void;
}) {
  const isNew = policy === null;
  const [initial] = useState<Draft>(() => (policy ? (toInput(policy) as Draft) : ({ ...EMPTY_POLICY } as Draft)));
  const [draft, setDraft] = useState<Draft>(initial);
  // A new policy nobody has typed into yet is not wrong, only empty: its problems show once editing starts.
  const pristine = isNew && draft === initial;
  const [tab, setTab] = useState<Tab>('form');
  const [format, setFormat] = useState<'yaml' | 'json'>('yaml');
  const [text, setText] = useState('');
  const [parseIssues, setParseIssues] = useState<LineIssue[]>([]);
  const textError = parseIssues[0]?.message ?? null;
  const [idTouched, setIdTouched] = useState(!isNew);
  const [remote, setRemote] = useState<FieldIssues>({});
  const [saveIssues, setSaveIssues] = useState<FieldIssues>({});
  const [saveError, setSaveError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const pushToast = useStore((s) => s.pushToast);

  const local = useMemo(() => localIssues(clean(draft)), [draft]);
  const issues: FieldIssues = useMemo(
    () => (pristine ? {} : { ...remote, ...saveIssues, ...local }),
    [pristine, remote, saveIssues, local],
  );
  const valid = Object.keys(local).length === 0 && Object.keys(remote).length === 0 && !textError;

  // The server compiles conditions (operators, regexes): ask it about the draft once typing pauses.
  const settled = useDebounced(draft, 500);
  useEffect(() => {
    setSaveIssues({});
    if (Object.keys(localIssues(clean(settled))).length > 0) {
      setRemote({});
      return;
    }
    let live = true;
    api
      .testPolicy({ agent_id: 'gatehouse-console', action_type: 'console.validate' }, [clean(settled)])
      .then(() => live && setRemote({}))
      .catch((e: unknown) => {
        if (live && e instanceof ApiError && e.status === 400) setRemote(serverIssues(fieldErrors(e)));
      });
    return () => {
      live = false;
    };
  }, [settled]);

  const switchTab = (t: Tab) => {
    if (t === 'text') {
      setText(serialize(clean(draft), format));
      setParseIssues([]);
    }
    setTab(t);
  };

  const onText = (value: string, fmt = format) => {
    setText(value);
    const parsed = parsePolicyText(value, fmt);
    if (parsed.issues.length) return setParseIssues(parsed.issues);
    const v = parsed.value;
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      return setParseIssues([{ line: 1, message: 'The policy must be one object (a mapping), not a list or a value.' }]);
    }
    setDraft(v as Draft);
    setParseIssues([]);
  };
  const lineIssues = useMemo(() => (parseIssues.length ? parseIssues : issuesOnLines(text, issues)), [parseIssues, text, issues]);

  const draftSet = () => (valid ? mergeDraft(all, clean(draft), policy?.id ?? null) : null);

  async function save() {
    setSaving(true);
    setSaveError(null);
    try {
      const body = clean(draft) as PolicyInput;
      const saved = isNew ? await api.createPolicy(body) : await api.updatePolicy(policy.id, body);
      pushToast({ kind: 'allowed', title: `${isNew ? 'Created' : 'Saved'} policy ${saved.id}`, detail: saved.name ?? undefined });
      onSaved(saved);
    } catch (e) {
      const details = fieldErrors(e);
      if (details.length) setSaveIssues(serverIssues(details));
      setSaveError(errorMessage(e));
      setTab((t) => (t === 'test' || t === 'simulate' ? 'form' : t));
    } finally {
      setSaving(false);
    }
  }

  const issueCount = Object.values(issues).reduce((n, m) => n + m.length, 0);

  return (
    <Drawer
      wide
      title={isNew ? 'New policy' : `Edit ${policy.id}`}
      subtitle={isNew ? 'Policies decide before risk does: the highest priority match wins.' : policy.name}
      onClose={onClose}
      footer={
        <>
          <span className={`small ${valid || pristine ? 'muted' : 'field-error'}`} role="status">
            {textError
              ? 'The YAML / JSON does not parse.'
              : valid
                ? 'Valid.'
                : pristine
                  ? 'Give the policy a name and an id.'
                  : `${issueCount} problem${issueCount === 1 ? '' : 's'} to fix.`}
          </span>
          <span className="spacer" />
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn primary" onClick={() => void save()} disabled={!valid || saving}>
            {saving && <span className="spinner" aria-hidden="true" />}
            {isNew ? 'Create policy' : 'Save changes'}
          </button>
        </>
      }
    >
      <Tabs
        idPrefix="policy-editor"
        value={tab}
        onChange={switchTab}
        tabs={[
          { id: 'form', label: 'Form' },
          { id: 'text', label: 'YAML / JSON' },
          { id: 'test', label: 'Test an action' },
          { id: 'simulate', label: 'Simulate' },
        ]}
      />
      <div {...tabPanelProps('policy-editor', tab)}>
        {saveError && (
          <div style={{ marginBottom: 16 }}>
            <Banner kind="error">{saveError}</Banner>
          </div>
        )}
        {tab === 'form' && (
          <PolicyForm
            draft={draft}
            onChange={setDraft}
            issues={issues}
            isNew={isNew}
            idTouched={idTouched}
            onIdTouched={() => setIdTouched(true)}
            onEditCode={() => switchTab('text')}
          />
        )}
        {tab === 'text' && (
          <div className="stack-sm">
            <div className="row">
              <Segmented
                label="Format"
                value={format}
                onChange={(f) => {
                  setFormat(f);
                  setText(serialize(clean(draft), f));
                  setParseIssues([]);
                }}
                options={[
                  { value: 'yaml', label: 'YAML' },
                  { value: 'json', label: 'JSON' },
                ]}
              />
              <span className="muted small">
                Every field of SPEC 3.1, including <code>any</code> / <code>all</code> / <code>not</code> and operators such as{' '}
                <code>regex</code>.
              </span>
            </div>
            <Suspense fallback={<div className="code-editor loading">Loading the editor…</div>}>
              <CodeEditor
                id="policy-text"
                label={`Policy as ${format.toUpperCase()}`}
                language={format}
                value={text}
                onChange={(v) => onText(v)}
                issues={lineIssues}
              />
            </Suspense>
            {lineIssues.length > 0 && (
              <ul className="issue-list" aria-label="Problems">
                {lineIssues.map((i, n) => (
                  <li key={n}>
                    <span className="muted">line {i.line}</span> {i.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        {tab === 'test' &&
          (valid ? (
            <TestPanel draftSet={draftSet} compact />
          ) : (
            <Banner kind="warn">Fix the draft first: the test runs the whole set with this draft in it.</Banner>
          ))}
        {tab === 'simulate' &&
          (valid ? (
            <SimulatePanel draftSet={draftSet} />
          ) : (
            <Banner kind="warn">Fix the draft first: the simulation replays history against the set with this draft in it.</Banner>
          ))}
      </div>
    </Drawer>
  );
}
