import { useEffect, useState } from 'react';
import { api, formErrorText } from '../../api/client.js';
import { ErrorBanner } from '../../components/Banner.js';
import { CodeBlock } from '../../components/CodeBlock.js';
import { Loading } from '../../components/Loading.js';
import { useAsync } from '../../hooks/useAsync.js';
import { bytes, num } from '../../lib/format.js';
import { parseNote } from '../../lib/proof-verify.js';
import { useStore } from '../../store/index.js';

/** Audit settings: retention (SPEC 7.7) and the key that signs checkpoints (SPEC 7.6). */
export function AuditPanel() {
  const settings = useAsync(() => api.settings(), []);
  const key = useAsync(async () => ({ key: await api.auditPublicKey(), checkpoint: await api.auditCheckpoint() }), []);
  const archives = useAsync(() => api.auditArchives(), []);
  const [keep, setKeep] = useState<'all' | 'days'>('all');
  const [days, setDays] = useState('365');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const pushToast = useStore((s) => s.pushToast);

  useEffect(() => {
    const r = settings.data?.retention_days;
    if (r === undefined) return;
    setKeep(r === null ? 'all' : 'days');
    if (r !== null) setDays(String(r));
  }, [settings.data]);

  async function save() {
    setError(null);
    const value = keep === 'all' ? null : Number(days);
    if (value !== null && !(Number.isInteger(value) && value >= 1 && value <= 36_500)) {
      setError('retention_days: a whole number of days from 1 to 36500');
      return;
    }
    setSaving(true);
    try {
      await api.updateSettings({ retention_days: value });
      pushToast({
        kind: 'allowed',
        title: 'Retention saved',
        detail: value === null ? 'Everything stays in the live log.' : `Records older than ${value} days will be archived.`,
      });
      settings.reload();
    } catch (e) {
      setError(formErrorText(e));
    } finally {
      setSaving(false);
    }
  }

  const note = key.data?.checkpoint ? parseNote(key.data.checkpoint) : null;
  return (
    <div className="stack">
      <section className="panel" aria-labelledby="retention-title">
        <div className="panel-head">
          <div>
            <h2 id="retention-title">Retention</h2>
            <p>
              Records older than this move, in whole signed ranges, to <code>archive/audit-&lt;first&gt;-&lt;last&gt;.jsonl.gz</code> in the
              data directory, each with the checkpoint that covers it and a prefix file, so that each verifies on its own. The chain
              continues across them: <code>gatehouse audit verify --archive</code> checks archives and the live log as one.
            </p>
          </div>
        </div>
        {settings.loading && !settings.data ? (
          <Loading label="Loading settings…" />
        ) : settings.error ? (
          <ErrorBanner error={settings.error} onRetry={settings.reload} />
        ) : (
          <form
            className="stack-sm"
            onSubmit={(e) => {
              e.preventDefault();
              void save();
            }}
          >
            <div className="row-wrap">
              <label className="row">
                <input type="radio" name="retention" checked={keep === 'all'} onChange={() => setKeep('all')} /> Keep everything in the live
                log
              </label>
              <label className="row">
                <input type="radio" name="retention" checked={keep === 'days'} onChange={() => setKeep('days')} /> Archive records older
                than
              </label>
              <input
                id="retention-days"
                aria-label="retention_days"
                className="input"
                style={{ width: 90 }}
                inputMode="numeric"
                disabled={keep !== 'days'}
                value={days}
                onChange={(e) => setDays(e.target.value)}
              />
              <span>days</span>
              <button type="submit" className="btn primary" disabled={saving}>
                Save
              </button>
            </div>
            {error && <p className="field-error">{error}</p>}
          </form>
        )}
        {archives.data && archives.data.archives.length > 0 && (
          <div className="archive-list" data-testid="archive-list">
            <p className="small">
              Records 1–{num(archives.data.archived_records)} are archived, in {num(archives.data.archives.length)} file
              {archives.data.archives.length === 1 ? '' : 's'}:
            </p>
            <ul className="small mono">
              {archives.data.archives.map((a) => (
                <li key={a.file}>
                  {a.file} — records {num(a.first_seq)}–{num(a.last_seq)}, {bytes(a.bytes)}
                  {a.checkpoint ? '' : ' (its checkpoint is missing)'}
                  {a.checkpoint && !a.prefix ? ' (no prefix file: verifiable with the archives before it)' : ''}
                </li>
              ))}
            </ul>
          </div>
        )}
      </section>

      <section className="panel" aria-labelledby="cp-key-title">
        <div className="panel-head">
          <div>
            <h2 id="cp-key-title">Checkpoint signing key</h2>
            <p>
              Checkpoints of the audit log are signed with this Ed25519 key (<code>audit-key.json</code> in the data directory; its public
              half in <code>audit-key.pub</code>). Give the public key to whoever should be able to check your log; keep copies of
              checkpoints where agents cannot write, or forward them with a sink.
            </p>
          </div>
        </div>
        {key.loading && !key.data ? (
          <Loading label="Loading the key…" />
        ) : key.error ? (
          <ErrorBanner error={key.error} onRetry={key.reload} />
        ) : (
          <dl className="kv stack-narrow">
            <dt>Origin</dt>
            <dd className="mono">{key.data!.key.origin}</dd>
            <dt>Key id</dt>
            <dd className="mono">{key.data!.key.key_id}</dd>
            <dt>Public key (base64)</dt>
            <dd>
              <CodeBlock text={key.data!.key.public_key} copy mask={false} label="Public key" />
            </dd>
            <dt>Verifier key (C2SP)</dt>
            <dd>
              <CodeBlock text={key.data!.key.verifier_key} copy mask={false} label="Verifier key" />
            </dd>
            <dt>Latest checkpoint</dt>
            <dd>
              {note ? (
                <>
                  {num(note.size)} records
                  <CodeBlock text={key.data!.checkpoint!} copy mask={false} label="Latest checkpoint" />
                </>
              ) : (
                <span className="muted">none signed yet</span>
              )}
            </dd>
          </dl>
        )}
      </section>
    </div>
  );
}
