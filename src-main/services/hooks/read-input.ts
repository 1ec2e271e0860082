import { MAX_ACTION_VALUES } from '../../../src-shared/index.js';
import { jsonShape } from '../../core/json-shape.js';
import { adapterOf } from './registry.js';
import { HookInputError, type HookAgent, type ParsedHook } from './types.js';

/** An agent's hook input read: the tool call (or local answer) it asks for, or why it cannot be read. */
export type HookRead = { parsed: ParsedHook } | { failure: string; event: string | null };

/**
 * Reads an agent's hook input (its raw JSON text) into what it asks for. Pure, and plain data in
 * and out: it runs on the main thread for a small input and on the secrets thread for a big one
 * (services/big-bodies.ts), since an input may hold a whole 8 MiB file to be written, and only the
 * request, cut to its bounds, comes back.
 */
export function readHookInput(agent: HookAgent, text: string): HookRead {
  // Counted on the raw text: an input past the limit is never parsed.
  if (jsonShape(text, { values: MAX_ACTION_VALUES }).values > MAX_ACTION_VALUES)
    return { failure: `the hook input holds more than ${MAX_ACTION_VALUES.toLocaleString('en-US')} JSON values`, event: null };
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    return { failure: text.trim() ? 'the hook input is not JSON' : 'the hook input is empty', event: null };
  }
  if (!input || typeof input !== 'object' || Array.isArray(input)) return { failure: 'the hook input is not a JSON object', event: null };
  try {
    return { parsed: adapterOf(agent).parse(input as Record<string, unknown>) };
  } catch (e) {
    return { failure: (e as Error).message, event: e instanceof HookInputError ? e.event : null };
  }
}
