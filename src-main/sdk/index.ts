/**
 * The Gatehouse TypeScript SDK (`import { GatehouseClient, govern } from 'gatehouse/sdk'`), the
 * camelCase mirror of the Python SDK (SPEC 9.3).
 *
 * ```ts
 * const gh = new GatehouseClient({ agentId: 'data-analyst', failMode: FailMode.CLOSED });
 * let d = await gh.evaluateAction({ actionType: 'database.delete', resource: 'postgres://prod/users',
 *                                   parameters: { sql: '...' }, context: { is_production: true } });
 * if (d.decision === Decision.PENDING) d = await gh.waitForDecision(d.actionId!, { timeoutS: 300 });
 * if (d.decision === Decision.ALLOWED) { ...; await gh.logActionCompleted(d.actionId, { result: {} }); }
 *
 * const run = govern(gh, 'shell.exec', { resource: (cmd: string) => cmd })(async (cmd: string) => ...);
 * ```
 *
 * The seeds' names: `submitAction`, `getActionStatus`, `executeAction`, `waitForApproval` (throws
 * `AuthorizationDeniedError` on a no), `testConnection`, `register`, `evaluateAction` with the MCP form
 * `{serverId, namespace, verb, resource, parameters}`, `AuthorizationDeniedError`, `TimeoutError`.
 *
 * URL and key come from the options, else `GATEHOUSE_URL` / `GATEHOUSE_API_KEY`, else the data
 * directory's `server.json` and the agent key in `credentials.json` (`dataDir`, `$GATEHOUSE_HOME`,
 * `~/.gatehouse`). `FailMode.CLOSED` (default): Gatehouse unreachable → `ActionDenied`.
 * `FailMode.OPEN`: unreachable → allowed, with a `console.warn` — only when nothing answered: an
 * answer the server gave (denied, held, 429, 503, any 4xx) is never turned into an allow. Whenever the
 * SDK stops waiting on a held action (its timeout, an aborted `signal`) it withdraws the action.
 */
export { GatehouseClient, defaultAgentId } from './client.js';
export { toDecision } from './decision.js';
export { ActionDenied, ApprovalTimeout, AuthorizationDeniedError, GatehouseError, GatehouseUnreachable, TimeoutError } from './errors.js';
export { govern, type ArgsCallback, type Governed, type GovernOptions } from './govern.js';
export {
  Decision,
  FailMode,
  type ActionDecision,
  type ActionInput,
  type ActionRequestBody,
  type ActionStatusValue,
  type GatehouseClientOptions,
  type McpActionInput,
  type RiskFactor,
  type WaitOptions,
} from './types.js';
