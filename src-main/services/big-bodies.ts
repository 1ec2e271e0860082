import { storedOutcomeOfText } from './outcome.js';
import { readHookInput } from './hooks/read-input.js';
import type { HookAgent } from './hooks/types.js';
import { prepareRegistrationOfText, toolNamesOf } from './mcp-registration.js';

/**
 * The bodies a service reads whole and reduces to what it keeps, each from its raw text (request
 * bodies with the API's strict reading and the same 400s and 413s; stored texts as written): on the main thread when small, on the secrets
 * thread when big (services/secret-scans.ts `readBody`), since a 1 MiB body of small values costs
 * tens to hundreds of ms to parse, check and mask (SPEC 8: no request holds the loop over 50 ms).
 * The third argument is what the reader needs besides the body (structured-cloneable).
 */
export const BIG_BODY_READERS = {
  /** POST /api/v1/actions/{id}/complete: the outcome as stored (outcome.ts). */
  outcome: (text: string, maxValues: number, _extra: null) => storedOutcomeOfText(text, maxValues),
  /** POST /mcp/servers/register: hashes and masked texts (mcp-registration.ts). */
  mcpRegistration: (text: string, maxValues: number, _extra: null) => prepareRegistrationOfText(text, maxValues),
  /** A registered server's stored tool list (written by the registry, up to a body's size): its tools' names. */
  toolNames: (text: string, _maxValues: number, _extra: null) => toolNamesOf(text),
  /** POST /api/v1/hooks/{agent}: an agent's hook input (up to 8 MiB: a whole file to write), read into its request. */
  hookInput: (text: string, _maxValues: number, agent: HookAgent) => readHookInput(agent, text),
} as const;

export type BigBodyKind = keyof typeof BIG_BODY_READERS;
export type BigBodyExtra<K extends BigBodyKind> = Parameters<(typeof BIG_BODY_READERS)[K]>[2];
export type BigBodyRead<K extends BigBodyKind> = ReturnType<(typeof BIG_BODY_READERS)[K]>;

export const readBigBody = <K extends BigBodyKind>(kind: K, text: string, maxValues: number, extra: BigBodyExtra<K>): BigBodyRead<K> =>
  (BIG_BODY_READERS[kind] as (t: string, m: number, e: BigBodyExtra<K>) => BigBodyRead<K>)(text, maxValues, extra);
