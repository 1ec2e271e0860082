import type { KeyScope } from '../../src-shared/index.js';

/** Who is calling: an API key (agent or admin) or the console's session. */
export interface Principal {
  /** Key id, or `console` for the session cookie. */
  id: string;
  scope: KeyScope;
  /** For agent keys bound to one agent: actions are attributed to it and it sees only its own. */
  agentId: string | null;
  kind: 'key' | 'session';
  /**
   * SPEC 11: the named approver this caller answers workflow steps as (admin keys made with
   * `--approver`; `owner` for the console session and the default admin key); null: none.
   */
  approver: string | null;
}
