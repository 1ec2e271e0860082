import type { ActionStatus, Agent, DecisionCounts, Integration, McpServer } from '../../../src-shared/index.js';

export type AgentKind = 'hook' | 'mcp' | 'sdk';

/** How an agent reaches Gatehouse, how we know, and whether that integration is working. */
export interface AgentConnection {
  kind: AgentKind;
  label: string;
  /** How the kind was derived, in words (shown in the drawer). */
  how: string;
  /** Integration status in a sentence: "hook installed (user) — last call 2 min ago". */
  status: string;
  /** ok: wired and seen; warn: something to do; idle: nothing known. */
  tone: 'ok' | 'warn' | 'idle';
  /** A command that fixes a warn, if there is one. */
  fix: string | null;
}

const ago = (iso: string | null, now: number): string => {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
};

/**
 * Which kind of agent this is, derived from how it connects (no agent is asked to say):
 * - **hook**: its id is the one the hook endpoint submits under (`POST /api/v1/hooks/{agent}` uses
 *   the fixed ids claude-code, codex, gemini-cli…, listed by `GET /api/v1/integrations`). Status: the
 *   hook's install scope and file, and its last call.
 * - **MCP**: its latest action went through an MCP server (the action carries `mcp.server_id`, set
 *   by the MCP proxy — agent id `mcp-client` unless `--agent-id` — and by `/mcp/governance/evaluate`).
 *   Status: that server's last call and pending tool changes.
 * - **SDK**: anything else submits through the REST API (the Python and TypeScript SDKs, or a script
 *   with an agent key). The SDKs send no marker of their own, so "SDK / API" is the honest name; it
 *   registers through the same API. Status: registered or not.
 */
export function connectionOf(
  agent: Agent,
  ctx: { integrations: Integration[]; lastAction: ActionStatus | null; mcpServers: McpServer[]; now: number },
): AgentConnection {
  const hook = ctx.integrations.find((i) => i.agent_id === agent.agent_id);
  if (hook) {
    const where = hook.installed.map((i) => i.scope).join(', ');
    const how = `Submits through the ${hook.name} hook: the hook endpoint (/api/v1/hooks/${hook.agent}) acts as “${hook.agent_id}”.`;
    if (hook.installed.length > 0) {
      return {
        kind: 'hook',
        label: `${hook.name} hook`,
        how,
        status: `Hook installed (${where}) — last call ${ago(hook.last_call_at, ctx.now)}`,
        tone: hook.last_call_at ? 'ok' : 'warn',
        fix: null,
      };
    }
    return {
      kind: 'hook',
      label: `${hook.name} hook`,
      how,
      status: hook.last_call_at
        ? `Hook not found in ${hook.name}'s settings, though it called ${ago(hook.last_call_at, ctx.now)}`
        : `Hook not installed${hook.found ? ` (${hook.name} is on this machine)` : ''}`,
      tone: 'warn',
      fix: `gatehouse hook install ${hook.agent}`,
    };
  }
  const serverId = ctx.lastAction?.mcp?.server_id;
  if (serverId) {
    const server = ctx.mcpServers.find((s) => s.server_id === serverId);
    const pending = server?.tool_pins.filter((t) => t.status === 'changed').length ?? 0;
    const changed = pending ? ` · ${pending} changed tool${pending === 1 ? '' : 's'} to review under MCP servers` : '';
    return {
      kind: 'mcp',
      label: `MCP · ${server?.name ?? serverId}`,
      how: `Its latest action went through the MCP server “${serverId}” (the action names mcp.server_id).`,
      status: server
        ? `Server registered — last call ${ago(server.last_seen_at, ctx.now)}, ${server.calls} call${server.calls === 1 ? '' : 's'}${changed}`
        : `Server “${serverId}” has not registered its tools`,
      tone: server ? (changed ? 'warn' : 'ok') : 'warn',
      fix: null,
    };
  }
  return {
    kind: 'sdk',
    label: 'SDK / API',
    how: 'Submits through the REST API with an agent key (the Python or TypeScript SDK, or a script); no hook or MCP server is involved.',
    status: agent.registered
      ? `Registered — last call ${ago(agent.last_seen_at, ctx.now)}`
      : `Not registered — last call ${ago(agent.last_seen_at, ctx.now)}`,
    tone: agent.registered ? 'ok' : 'warn',
    fix: null,
  };
}

/** The statuses in the order the console lists them, grouped by what happened. */
export const COUNT_GROUPS: { group: 'ok' | 'wait' | 'no' | 'gone'; label: string; statuses: (keyof Omit<DecisionCounts, 'total'>)[] }[] = [
  { group: 'ok', label: 'went ahead', statuses: ['allowed', 'approved', 'completed', 'failed'] },
  { group: 'wait', label: 'waiting', statuses: ['pending'] },
  { group: 'no', label: 'refused', statuses: ['denied', 'rejected'] },
  { group: 'gone', label: 'unanswered', statuses: ['expired', 'withdrawn'] },
];

/** The per-status counts shown, and whether they add up to the total (they must). */
export function countsShown(c: DecisionCounts): { status: string; n: number; group: string }[] {
  return COUNT_GROUPS.flatMap((g) => g.statuses.map((s) => ({ status: s, n: c[s], group: g.group }))).filter((x) => x.n > 0);
}
