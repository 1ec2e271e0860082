import { useRef, useState } from 'react';
import { announcedRecords, type ExportFormat } from '../../../src-shared/index.js';
import { api, errorMessage } from '../../api/client.js';
import { readWithProgress, saveBlob, stamp, type StreamProgress } from '../../api/download.js';
import { Banner } from '../../components/Banner.js';
import { Icon } from '../../components/Icon.js';
import { Progress } from '../../components/Loading.js';
import { bytes, num } from '../../lib/format.js';
import { useStore } from '../../store/index.js';

const FORMATS: { value: ExportFormat; label: string }[] = [
  { value: 'jsonl', label: 'JSON Lines (verifiable)' },
  { value: 'csv', label: 'CSV' },
  { value: 'cef', label: 'CEF (SIEM)' },
];

/**
 * Export of the whole log, archived records included (SPEC 7.7: so a log that retention has thinned
 * still exports from seq 1), streamed with a progress bar, saved through a Blob link.
 */
export function ExportPanel() {
  const [format, setFormat] = useState<ExportFormat>('jsonl');
  const [progress, setProgress] = useState<StreamProgress | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ctrl = useRef<AbortController | null>(null);
  const pushToast = useStore((s) => s.pushToast);
  const running = progress !== null;

  async function run() {
    setError(null);
    setTotal(null);
    setProgress({ bytes: 0, lines: 0 });
    ctrl.current = new AbortController();
    try {
      const res = await api.exportAudit(format, { include_archive: 'true' });
      if (!res.ok) throw new Error(`The export failed (HTTP ${res.status}).`);
      // The server says how many records follow (archived and live, fixed when the export started).
      setTotal(announcedRecords(res.headers));
      const blob = await readWithProgress(res, setProgress, ctrl.current.signal);
      const name = `gatehouse-audit-${stamp()}.${format}`;
      saveBlob(blob, name);
      pushToast({ kind: 'allowed', title: `Exported ${name}`, detail: bytes(blob.size) });
    } catch (e) {
      if (!(e instanceof DOMException && e.name === 'AbortError')) setError(errorMessage(e));
    } finally {
      setProgress(null);
      ctrl.current = null;
    }
  }

  const expected = total ? total + (format === 'csv' ? 1 : 0) : null;
  return (
    <div className="export-panel">
      <div className="row">
        <label className="sr-only" htmlFor="export-format">
          Export format
        </label>
        <select
          id="export-format"
          className="select"
          value={format}
          onChange={(e) => setFormat(e.target.value as ExportFormat)}
          disabled={running}
        >
          {FORMATS.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
        {running ? (
          <button type="button" className="btn" onClick={() => ctrl.current?.abort()}>
            Cancel
          </button>
        ) : (
          <button type="button" className="btn" onClick={() => void run()}>
            <Icon name="download" size={15} /> Export
          </button>
        )}
      </div>
      {running && (
        <div className="export-progress" aria-live="polite">
          <Progress value={expected ? Math.min(1, progress.lines / expected) : null} label="Export progress" />
          <span className="muted small nowrap">
            {num(progress.lines)}
            {expected ? ` / ${num(expected)}` : ''} lines · {bytes(progress.bytes)}
          </span>
        </div>
      )}
      {error && <Banner kind="error">{error}</Banner>}
    </div>
  );
}
