/** One HTTP attempt of a webhook delivery, with a timeout; never throws. */
export interface AttemptResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
}

export type FetchFn = (url: string, init: RequestInit) => Promise<Response>;

const SNIPPET_BYTES = 300;

/** The first few hundred bytes of a response body (for the attempt log), then the rest is dropped. */
async function snippet(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // The body broke off; what we have is enough.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8');
  return text.replace(/\s+/g, ' ').trim();
}

function describe(e: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `timed out after ${timeoutMs} ms`;
  const err = e as Error & { cause?: { code?: string; message?: string } };
  const cause = err.cause?.code ?? err.cause?.message;
  return `${err.message || String(e)}${cause ? ` (${cause})` : ''}`.slice(0, 500);
}

/**
 * POSTs `body` to `url`. 2xx is success; redirects are not followed (a 3xx is a failure, so a
 * delivery never lands somewhere the user did not configure).
 */
export async function postOnce(
  fetchFn: FetchFn,
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<AttemptResult> {
  const started = performance.now();
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([stop, timeout]);
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    const res = await fetchFn(url, { method: 'POST', headers, body, redirect: 'manual', signal });
    const ok = res.status >= 200 && res.status < 300;
    if (ok) {
      await res.body?.cancel().catch(() => undefined);
      return { ok, status: res.status, error: null, durationMs: elapsed() };
    }
    const text = await snippet(res);
    const redirect = res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : '';
    return { ok, status: res.status, error: `HTTP ${res.status}${redirect}${text ? `: ${text}` : ''}`, durationMs: elapsed() };
  } catch (e) {
    return { ok: false, status: null, error: describe(e, timeout.aborted && !stop.aborted, timeoutMs), durationMs: elapsed() };
  }
}
