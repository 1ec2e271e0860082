import { useState } from 'react';
import type { SinkCreate, SinkType, SinkView } from '../../../src-shared/index.js';
import { api, errorMessage, formErrorText } from '../../api/client.js';
import { ErrorBanner } from '../../components/Banner.js';
import { ConfirmDialog } from '../../components/Dialog.js';
import { EmptyState } from '../../components/EmptyState.js';
import { Icon } from '../../components/Icon.js';
import { Loading } from '../../components/Loading.js';
import { Pill } from '../../components/Pill.js';
import { useAsync } from '../../hooks/useAsync.js';
import { num, shortTime } from '../../lib/format.js';
import { useStore } from '../../store/index.js';

const TYPE_LABEL: Record<SinkType, string> = {
  splunk_hec: 'Splunk HEC',
  syslog: 'Syslog (RFC 5424, TCP)',
  otlp_http: 'OpenTelemetry (OTLP/HTTP)',
  file: 'File (JSONL)',
};

function SinkStatusLine({ id }: { id: string }) {
  const { data, error, reload } = useAsync(() => api.sinkStatus(id), [id]);
  if (error) return <span className="field-error small">{error}</span>;
  if (!data) return <span className="muted small">…</span>;
  return (
    <div className="small" data-sink-status={data.state}>
      <Pill tone={data.state === 'retrying' ? 'denied' : data.state === 'sending' ? 'pending' : 'allowed'}>
        {data.state.replace(/_/g, ' ')}
      </Pill>{' '}
      cursor {num(data.cursor)} of {num(data.head)} · lag {num(data.lag)} · {num(data.delivered)} delivered
      {data.last_success_at && <> · last success {shortTime(data.last_success_at)}</>}
      {data.last_error && (
        <div className="field-error">
          Last error{data.last_error_at ? ` (${shortTime(data.last_error_at)})` : ''}: {data.last_error}
          {data.next_attempt_at && <> — next try {shortTime(data.next_attempt_at)}</>}
        </div>
      )}
      <button type="button" className="btn sm ghost" style={{ marginLeft: 'var(--s1)' }} onClick={reload}>
        Refresh
      </button>
    </div>
  );
}

/** SIEM sinks (SPEC 7.8): add, see where each stands (cursor, lag, last error), remove. */
export function SinksPanel() {
  const { data, error, loading, reload } = useAsync(() => api.listSinks(), []);
  const [type, setType] = useState<SinkType>('splunk_hec');
  const [url, setUrl] = useState('');
  const [token, setToken] = useState('');
  const [host, setHost] = useState('');
  const [port, setPort] = useState('514');
  const [path, setPath] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<SinkView | null>(null);
  const pushToast = useStore((s) => s.pushToast);

  async function add() {
    setFormError(null);
    let body: SinkCreate;
    if (type === 'splunk_hec') body = { type, url: url.trim(), token };
    else if (type === 'otlp_http') body = { type, url: url.trim(), ...(token ? { token } : {}) };
    else if (type === 'syslog') body = { type, host: host.trim(), port: Number(port) };
    else body = { type, path: path.trim() };
    try {
      await api.createSink(body);
      setToken('');
      pushToast({ kind: 'allowed', title: 'Sink added', detail: 'It starts with the first record of the live log.' });
      reload();
    } catch (e) {
      setFormError(formErrorText(e));
    }
  }

  async function remove(s: SinkView) {
    setDeleting(null);
    try {
      await api.deleteSink(s.id);
      reload();
    } catch (e) {
      setFormError(errorMessage(e));
    }
  }

  const sinks = data?.items ?? [];
  return (
    <div className="stack">
      <section className="panel" aria-labelledby="sink-add-title">
        <div className="panel-head">
          <div>
            <h2 id="sink-add-title">Forward the audit log to your SIEM</h2>
            <p>
              Every audit record, in order, at least once, from a saved position: an outage or a restart resumes where it stopped. Nothing
              is sent anywhere but the target you enter here.
            </p>
          </div>
        </div>
        <form
          className="stack-sm"
          onSubmit={(e) => {
            e.preventDefault();
            void add();
          }}
        >
          <div className="form-grid">
            <div className="field">
              <label htmlFor="sink-type">Type</label>
              <select id="sink-type" className="input" value={type} onChange={(e) => setType(e.target.value as SinkType)}>
                {(Object.keys(TYPE_LABEL) as SinkType[]).map((t) => (
                  <option key={t} value={t}>
                    {TYPE_LABEL[t]}
                  </option>
                ))}
              </select>
            </div>
            {(type === 'splunk_hec' || type === 'otlp_http') && (
              <>
                <div className="field">
                  <label htmlFor="sink-url">{type === 'splunk_hec' ? 'Collector URL' : 'OTLP endpoint'}</label>
                  <input
                    id="sink-url"
                    className="input"
                    placeholder={type === 'splunk_hec' ? 'https://splunk.example.com:8088' : 'http://localhost:4318'}
                    value={url}
                    onChange={(e) => setUrl(e.target.value)}
                  />
                </div>
                <div className="field">
                  <label htmlFor="sink-token">{type === 'splunk_hec' ? 'HEC token' : 'Bearer token (optional)'}</label>
                  <input
                    id="sink-token"
                    className="input"
                    type="password"
                    autoComplete="off"
                    value={token}
                    onChange={(e) => setToken(e.target.value)}
                  />
                </div>
              </>
            )}
            {type === 'syslog' && (
              <>
                <div className="field">
                  <label htmlFor="sink-host">Host</label>
                  <input id="sink-host" className="input" placeholder="127.0.0.1" value={host} onChange={(e) => setHost(e.target.value)} />
                </div>
                <div className="field">
                  <label htmlFor="sink-port">TCP port</label>
                  <input id="sink-port" className="input" inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} />
                </div>
              </>
            )}
            {type === 'file' && (
              <div className="field span-2">
                <label htmlFor="sink-path">File (absolute path)</label>
                <input
                  id="sink-path"
                  className="input"
                  placeholder="/var/log/gatehouse/audit.jsonl"
                  value={path}
                  onChange={(e) => setPath(e.target.value)}
                />
              </div>
            )}
          </div>
          {formError && <p className="field-error">{formError}</p>}
          <div>
            <button type="submit" className="btn primary">
              <Icon name="plus" size={14} /> Add sink
            </button>
          </div>
        </form>
      </section>

      <section className="panel" aria-labelledby="sink-list-title">
        <div className="panel-head">
          <h2 id="sink-list-title">Sinks</h2>
        </div>
        {loading && !data ? (
          <Loading label="Loading sinks…" />
        ) : error ? (
          <ErrorBanner error={error} onRetry={reload} />
        ) : sinks.length === 0 ? (
          <EmptyState icon="webhook" title="No sinks" compact>
            The audit log stays on this machine.
          </EmptyState>
        ) : (
          <div className="stack-sm">
            {sinks.map((s) => (
              <div key={s.id} className="card webhook" data-sink={s.type}>
                <div className="row">
                  <div className="grow">
                    <div>
                      <strong>{TYPE_LABEL[s.type]}</strong> → <span className="mono">{s.target}</span>
                    </div>
                    <div className="muted small">
                      {s.name ? `${s.name} · ` : ''}
                      {s.token_hint ? `token ${s.token_hint} · ` : ''}added {shortTime(s.created_at)}
                    </div>
                  </div>
                  <button type="button" className="btn sm ghost icon" aria-label={`Remove sink ${s.target}`} onClick={() => setDeleting(s)}>
                    <Icon name="trash" size={14} />
                  </button>
                </div>
                <SinkStatusLine id={s.id} />
              </div>
            ))}
          </div>
        )}
      </section>
      {deleting && (
        <ConfirmDialog
          title="Remove this sink?"
          confirmLabel="Remove"
          danger
          onConfirm={() => void remove(deleting)}
          onCancel={() => setDeleting(null)}
        >
          Records stop going to {deleting.target}. Adding it again starts from the first live record.
        </ConfirmDialog>
      )}
    </div>
  );
}
