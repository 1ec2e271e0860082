import type { KeyScope } from '../../src-shared/index.js';

/** Who is calling: an API key (agent or admin) or the console's session. */
export interface Principal {
  /** Key id, or `console` for the session cookie. */
  id: string;
  scope: KeyScope;
  /** For agent keys bound to one agent: actions are attributed to it and it sees only its own. */
  agentId: string | null;
  kind: 'key' | 'session';
}
