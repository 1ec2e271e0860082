import { CompleteRequestSchema, type CompleteRequest } from '../../src-shared/index.js';
import { invalid } from '../core/errors.js';
import { parseJsonText } from '../core/json-body.js';
import { redact, redactOrNull } from './redact.js';

/** A result up to this many characters (as JSON, masked) is stored whole; a longer one as a preview. */
const MAX_RESULT_CHARS = 64 * 1024;
const PREVIEW_CHARS = 2048;

/**
 * An outcome report (SPEC 2.3, `POST /api/v1/actions/{id}/complete`) as it is stored and sent: the
 * result as masked JSON text, cut to a preview past MAX_RESULT_CHARS, and the error masked.
 */
export interface StoredOutcome {
  status: CompleteRequest['status'];
  /** JSON text; `{"truncated":true,"preview":"…"}` for a long result. */
  result: string | null;
  error: string | null;
  duration_ms: number | null;
}

/** What is stored of an outcome report. Pure: it runs where the report is read (the main thread, or the thread of big bodies). */
export function storedOutcome(body: CompleteRequest): StoredOutcome {
  let result = body.result === undefined ? null : JSON.stringify(redact(body.result));
  if (result && result.length > MAX_RESULT_CHARS) result = JSON.stringify({ truncated: true, preview: result.slice(0, PREVIEW_CHARS) });
  return { status: body.status, result, error: redactOrNull(body.error), duration_ms: body.duration_ms ?? null };
}

/**
 * An outcome report's body text read as the API reads every body (strictly, within `maxValues`,
 * validated: the same 400s and 413s) and reduced to what is stored, so that a report of a million
 * rows never reaches the main thread whole (services/secret-scans.ts reads big ones on its thread).
 */
export function storedOutcomeOfText(text: string, maxValues: number): StoredOutcome {
  const parsed = CompleteRequestSchema.safeParse(parseJsonText(text, { maxValues }));
  if (!parsed.success) throw invalid(parsed.error);
  return storedOutcome(parsed.data);
}
