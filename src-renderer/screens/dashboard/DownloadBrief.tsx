import { useState } from 'react';
import { api, errorMessage } from '../../api/client.js';
import { saveBlob } from '../../api/download.js';
import { useStore } from '../../store/index.js';

type BriefWindow = '7d' | '30d';

/**
 * "Download brief" (SPEC 13): the executive brief for the last 7 or 30 days (30 when the dashboard
 * shows 30 days, else 7) as a PDF, or as the self-contained HTML page when the server has no
 * Chromium to print with (it answers 503 then).
 */
export function DownloadBrief({ dashboardWindow }: { dashboardWindow: string }) {
  const window: BriefWindow = dashboardWindow === '30d' ? '30d' : '7d';
  const [busy, setBusy] = useState(false);
  const pushToast = useStore((s) => s.pushToast);

  async function download() {
    setBusy(true);
    try {
      let format: 'pdf' | 'html' = 'pdf';
      let res = await api.briefDocument(window, 'pdf');
      if (res.status === 503) {
        format = 'html';
        res = await api.briefDocument(window, 'html');
      }
      if (!res.ok) {
        const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        throw new Error(body?.error?.message ?? `The server answered ${res.status}.`);
      }
      const blob = await res.blob();
      const match = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '');
      saveBlob(blob, match?.[1] ?? `gatehouse-brief-${window}.${format}`);
      pushToast({
        kind: 'allowed',
        title: `Executive brief downloaded (${format.toUpperCase()}, last ${window})`,
        detail: format === 'html' ? 'No Chromium on this machine to print a PDF: open the page and print it from your browser.' : undefined,
      });
    } catch (e) {
      pushToast({ kind: 'error', title: 'The brief could not be made', detail: e instanceof Error ? e.message : errorMessage(e) }, 8000);
    } finally {
      setBusy(false);
    }
  }

  return (
    <button
      type="button"
      className="btn sm"
      onClick={() => void download()}
      disabled={busy}
      aria-busy={busy}
      title={`Security posture, risk trend, decisions, approvals and audit integrity for the last ${window}, as a file to share`}
    >
      {busy ? 'Preparing brief…' : 'Download brief'}
    </button>
  );
}
