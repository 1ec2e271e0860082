import { BAD_CURSOR } from '../audit/query.js';
import { invalidField } from '../core/errors.js';

/**
 * Keyset cursors of the lists kept in the main thread (the approvals inbox, the agents): the sort
 * key of the last item given, `(ms, tie)`, under the list's own tag, so that a cursor of one list
 * (or of another state of the inbox) is refused by another instead of starting somewhere odd.
 */
export function encodeListCursor(tag: string, ms: number, tie: string | number): string {
  return Buffer.from(`${tag}:${ms}:${tie}`).toString('base64url');
}

/** The `(ms, tie)` of a cursor `encodeListCursor(tag, …)` gave; anything else is a 400 naming `cursor`. */
export function decodeListCursor(tag: string, cursor: string): [ms: number, tie: string] {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^([a-z]+):(-?\d{1,15}):(.+)$/s.exec(text);
  if (!m || m[1] !== tag) throw invalidField('cursor', BAD_CURSOR, 'Query is invalid');
  return [Number(m[2]), m[3]!];
}

/** As decodeListCursor, where the tie is a seq. */
export function decodeSeqCursor(tag: string, cursor: string): [ms: number, seq: number] {
  const [ms, tie] = decodeListCursor(tag, cursor);
  if (!/^\d{1,15}$/.test(tie)) throw invalidField('cursor', BAD_CURSOR, 'Query is invalid');
  return [ms, Number(tie)];
}
