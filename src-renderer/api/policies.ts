import type { ErrorBody, PolicyImportResult } from '../../src-shared/index.js';
import { ApiError } from './client.js';

/** POST /api/v1/policies/import with the file's own media type (YAML or JSON). */
export async function importPolicyFile(text: string, filename: string): Promise<PolicyImportResult> {
  const json = /\.json$/i.test(filename) || /^\s*[{[]/.test(text);
  const res = await fetch('/api/v1/policies/import', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': json ? 'application/json' : 'application/yaml', accept: 'application/json' },
    body: text,
  });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body as ErrorBody | null);
  return body as PolicyImportResult;
}
