import { DEFAULT_ADMIN_KEY_ID, OWNER_APPROVER, type KeyScope } from '../../src-shared/index.js';

/** Who is calling: an API key (agent or admin) or the console's session. */
export interface Principal {
  /** Key id, or `console` for the session cookie. */
  id: string;
  scope: KeyScope;
  /** For agent keys bound to one agent: actions are attributed to it and it sees only its own. */
  agentId: string | null;
  kind: 'key' | 'session';
  /** The key's name (`Dana`), or `console` for the session. */
  name: string;
  /**
   * SPEC 11: the named approver this caller answers workflow steps as (admin keys made with
   * `--approver`; `owner` for the console session and the default admin key); null: none.
   */
  approver: string | null;
}

/** The console session's principal id. */
export const CONSOLE_ID = 'console';

/**
 * SPEC 11: who answers an approval — the approver name the answer counts as, and the person behind
 * it (`by`: the key id, or `console`), so that a step's `required` counts distinct people.
 */
export interface Answerer {
  approver: string | null;
  by: string;
  name: string;
}

export const answererOf = (p: Pick<Principal, 'id' | 'name' | 'approver'>): Answerer => ({ approver: p.approver, by: p.id, name: p.name });

/** The owner of the default single-user setup, answering in the console (or from a desktop notification). */
export const OWNER_ANSWERER: Answerer = { approver: OWNER_APPROVER, by: CONSOLE_ID, name: CONSOLE_ID };

/**
 * The person behind `by`: the console and the default admin key (the CLI's) are the same one, the
 * owner, so the two count once on a step; every other key is its own person.
 */
export const personOf = (by: string): string =>
  by === CONSOLE_ID || by === DEFAULT_ADMIN_KEY_ID ? `${CONSOLE_ID}+${DEFAULT_ADMIN_KEY_ID}` : by;
