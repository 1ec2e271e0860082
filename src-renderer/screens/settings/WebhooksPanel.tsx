import { useState } from 'react';
import { EVENT_NAMES, type WebhookView } from '../../../src-shared/index.js';
import { api, errorMessage, formErrorText } from '../../api/client.js';
import { Banner, ErrorBanner } from '../../components/Banner.js';
import { ConfirmDialog } from '../../components/Dialog.js';
import { EmptyState } from '../../components/EmptyState.js';
import { Icon } from '../../components/Icon.js';
import { Loading } from '../../components/Loading.js';
import { Pill } from '../../components/Pill.js';
import { useAsync } from '../../hooks/useAsync.js';
import { fullTime, shortTime } from '../../lib/format.js';
import { useStore } from '../../store/index.js';

function Deliveries({ id, version }: { id: string; version: number }) {
  const { data, error, loading, reload } = useAsync(() => api.deliveries(id), [id, version]);
  if (loading && !data) return <Loading label="Loading deliveries…" />;
  if (error) return <ErrorBanner error={error} onRetry={reload} />;
  const items = data?.items ?? [];
  if (items.length === 0) return <p className="muted small">No deliveries yet. Use "Send test" to try the endpoint.</p>;
  return (
    <div className="table-wrap" style={{ maxHeight: 280 }}>
      <table className="table cards">
        <thead>
          <tr>
            <th>Event</th>
            <th>Status</th>
            <th className="num">Attempts</th>
            <th>Created</th>
            <th>Last attempt</th>
          </tr>
        </thead>
        <tbody>
          {items.map((d) => {
            const last = d.attempt_log[d.attempt_log.length - 1];
            return (
              <tr key={d.id}>
                <td className="mono small card-title">{d.event}</td>
                <td className="card-end">
                  <Pill tone={d.status === 'delivered' ? 'allowed' : d.status === 'failed' ? 'denied' : 'pending'}>{d.status}</Pill>
                </td>
                <td className="num" data-label="Attempts">
                  {d.attempts}
                </td>
                <td className="small nowrap" data-label="Created">
                  {shortTime(d.created_at)}
                </td>
                <td
                  className="small"
                  data-label="Last attempt"
                  title={d.attempt_log
                    .map((a) => `${fullTime(a.at)}: ${a.response_status ?? a.error ?? '?'} (${Math.round(a.duration_ms)} ms)`)
                    .join('\n')}
                >
                  {last ? (
                    <>
                      {last.response_status ? `HTTP ${last.response_status}` : <span className="field-error">{last.error ?? 'error'}</span>}{' '}
                      · {Math.round(last.duration_ms)} ms
                      {d.next_attempt_at && <div className="muted">next try {shortTime(d.next_attempt_at)}</div>}
                    </>
                  ) : (
                    <span className="muted">queued</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function WebhookRow({ w, onDelete }: { w: WebhookView; onDelete: () => void }) {
  const [open, setOpen] = useState(false);
  const [version, setVersion] = useState(0);
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  async function test() {
    setTesting(true);
    setResult(null);
    try {
      // The test delivery is queued like any other; follow it until its first attempt is recorded.
      let d = await api.testWebhook(w.id);
      setOpen(true);
      setResult({ ok: true, text: 'Queued…' });
      for (let i = 0; i < 30 && d.status === 'pending' && d.attempts === 0; i++) {
        await new Promise((r) => setTimeout(r, 500));
        d = (await api.deliveries(w.id)).items.find((x) => x.id === d.id) ?? d;
      }
      const last = d.attempt_log[d.attempt_log.length - 1];
      const ok = d.status === 'delivered';
      setResult({
        ok,
        text: ok
          ? `Delivered (HTTP ${last?.response_status ?? '2xx'})`
          : d.attempts === 0
            ? 'Still queued — see deliveries'
            : `Not delivered: ${last?.error ?? (last?.response_status ? `HTTP ${last.response_status}` : d.status)}${d.next_attempt_at ? ' — will retry' : ''}`,
      });
      setVersion((v) => v + 1);
    } catch (e) {
      setResult({ ok: false, text: errorMessage(e) });
    } finally {
      setTesting(false);
    }
  }
  return (
    <div className="card webhook">
      <div className="row webhook-head">
        <Icon name="webhook" size={16} />
        <div className="grow">
          <div className="mono webhook-url">{w.url}</div>
          <div className="muted small">
            {w.name ? `${w.name} · ` : ''}
            {w.format} · {w.events.includes('*') ? 'all events' : w.events.join(', ')} · {w.has_secret ? 'signed' : 'unsigned'}
          </div>
          {w.dropped > 0 && (
            <div className="small field-error" role="note" title={w.last_dropped_at ? fullTime(w.last_dropped_at) : undefined}>
              {w.dropped === 1 ? '1 event was' : `${w.dropped.toLocaleString()} events were`} not sent: the backlog of undelivered events
              was full{w.last_dropped_at ? ` (last ${shortTime(w.last_dropped_at)})` : ''}
            </div>
          )}
        </div>
        {result && <span className={`small ${result.ok ? 'allowed-text' : 'field-error'}`}>{result.text}</span>}
        <button type="button" className="btn sm" onClick={() => void test()} disabled={testing}>
          {testing ? <span className="spinner" aria-hidden="true" /> : <Icon name="play" size={13} />} Send test
        </button>
        <button type="button" className="btn sm ghost" aria-expanded={open} onClick={() => setOpen(!open)}>
          Deliveries <Icon name={open ? 'chevronDown' : 'chevronRight'} size={13} />
        </button>
        <button type="button" className="btn sm ghost icon" aria-label={`Delete webhook ${w.url}`} onClick={onDelete}>
          <Icon name="trash" size={14} />
        </button>
      </div>
      {open && (
        <div style={{ marginTop: 12 }}>
          <Deliveries id={w.id} version={version} />
        </div>
      )}
    </div>
  );
}

/** Webhooks: add, send a test, see every delivery and attempt, delete. */
export function WebhooksPanel() {
  const { data, error, loading, reload } = useAsync(() => api.listWebhooks(), []);
  const [url, setUrl] = useState('');
  const [name, setName] = useState('');
  const [events, setEvents] = useState<string[]>(['approval.requested', 'action.denied', 'alert.triggered']);
  const [format, setFormat] = useState<'json' | 'slack'>('json');
  const [secret, setSecret] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<WebhookView | null>(null);
  const pushToast = useStore((s) => s.pushToast);

  const toggle = (e: string) => setEvents((xs) => (xs.includes(e) ? xs.filter((x) => x !== e) : [...xs, e]));

  async function add() {
    setFormError(null);
    try {
      await api.createWebhook({
        url: url.trim(),
        events: events as never,
        format,
        ...(secret ? { secret } : {}),
        ...(name.trim() ? { name: name.trim() } : {}),
      });
      setUrl('');
      setSecret('');
      setName('');
      pushToast({ kind: 'allowed', title: 'Webhook added', detail: 'Send a test to check the endpoint.' });
      reload();
    } catch (e) {
      setFormError(formErrorText(e));
    }
  }

  async function remove(w: WebhookView) {
    setDeleting(null);
    try {
      await api.deleteWebhook(w.id);
      reload();
    } catch (e) {
      setFormError(errorMessage(e));
    }
  }

  const hooks = data?.items ?? [];
  return (
    <div className="stack">
      <section className="panel">
        <div className="panel-head">
          <div>
            <h2>Add a webhook</h2>
            <p>
              Events are POSTed as they happen, signed with <code>X-Signature: v1=HMAC-SHA256</code>, and retried for 24 h.
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
            <div className="field span-2">
              <label htmlFor="w-url">URL</label>
              <input
                id="w-url"
                className="input code"
                type="url"
                value={url}
                onChange={(e) => setUrl(e.target.value)}
                placeholder="https://hooks.slack.com/services/…"
                required
              />
            </div>
            <div className="field">
              <label htmlFor="w-name">Name (optional)</label>
              <input id="w-name" className="input" value={name} onChange={(e) => setName(e.target.value)} placeholder="team channel" />
            </div>
            <div className="field">
              <label htmlFor="w-format">Format</label>
              <select
                id="w-format"
                className="select"
                value={format}
                onChange={(e) => setFormat(e.target.value === 'slack' ? 'slack' : 'json')}
              >
                <option value="json">JSON (event envelope)</option>
                <option value="slack">Slack / Teams text</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor="w-secret">Signing secret</label>
              <input
                id="w-secret"
                className="input"
                type="password"
                value={secret}
                onChange={(e) => setSecret(e.target.value)}
                placeholder="at least 8 characters"
                autoComplete="new-password"
              />
            </div>
          </div>
          <fieldset className="fieldset">
            <legend>Events</legend>
            <div className="event-checks">
              <label className="check">
                <input type="checkbox" checked={events.includes('*')} onChange={() => toggle('*')} /> all events
              </label>
              {EVENT_NAMES.map((e) => (
                <label key={e} className="check">
                  <input
                    type="checkbox"
                    checked={events.includes('*') || events.includes(e)}
                    disabled={events.includes('*')}
                    onChange={() => toggle(e)}
                  />
                  <span className="mono small">{e}</span>
                </label>
              ))}
            </div>
          </fieldset>
          {formError && <Banner kind="error">{formError}</Banner>}
          <div>
            <button type="submit" className="btn primary" disabled={!url.trim() || events.length === 0}>
              <Icon name="plus" size={14} /> Add webhook
            </button>
          </div>
        </form>
      </section>
      <ErrorBanner error={error} onRetry={reload} />
      {loading && !data ? (
        <Loading />
      ) : hooks.length === 0 ? (
        <EmptyState icon="webhook" title="No webhooks" compact>
          <p>Nothing leaves this machine unless you add a webhook here.</p>
        </EmptyState>
      ) : (
        hooks.map((w) => <WebhookRow key={w.id} w={w} onDelete={() => setDeleting(w)} />)
      )}
      {deleting && (
        <ConfirmDialog
          title="Delete this webhook?"
          confirmLabel="Delete webhook"
          danger
          onCancel={() => setDeleting(null)}
          onConfirm={() => void remove(deleting)}
        >
          <p>
            <code>{deleting.url}</code> will receive no more events. Queued deliveries are dropped.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
