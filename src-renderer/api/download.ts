/** Streams a response body while reporting progress, then saves it through a Blob link. */

export interface StreamProgress {
  bytes: number;
  lines: number;
}

export async function readWithProgress(res: Response, onProgress: (p: StreamProgress) => void, signal?: AbortSignal): Promise<Blob> {
  if (!res.body) return res.blob();
  const reader = res.body.getReader();
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let bytes = 0;
  let lines = 0;
  let last = 0;
  for (;;) {
    if (signal?.aborted) {
      await reader.cancel();
      throw new DOMException('Export cancelled', 'AbortError');
    }
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    bytes += value.byteLength;
    for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++;
    const now = performance.now();
    if (now - last > 80) {
      last = now;
      onProgress({ bytes, lines });
    }
  }
  onProgress({ bytes, lines });
  return new Blob(chunks, { type: res.headers.get('content-type') ?? 'application/octet-stream' });
}

/** Offers a Blob to the user as a file download. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const stamp = (): string => new Date().toISOString().replace(/[:]/g, '-').replace(/\..+$/, '');
