import { createHash } from 'node:crypto';
import type { ActionRequest, McpDecision, McpEvaluate, McpServer, McpServerRegister, McpTool, Decision } from '../../src-shared/index.js';
import { iso, isoOrNull, type Clock } from '../core/clock.js';
import type { EventBus } from '../events/bus.js';
import type { Store } from '../storage/types.js';
import type { AlertService } from './alerts.js';
import { redact, redactOrNull } from './redact.js';

interface ServerRow {
  server_id: string;
  name: string | null;
  command: string | null;
  tools: string;
  tools_hash: string | null;
  tools_changed_ms: number | null;
  created_ms: number;
  last_seen_ms: number | null;
  calls: number;
}

const toolsHash = (tools: McpTool[]): string =>
  createHash('sha256')
    .update(
      JSON.stringify(
        [...tools].sort((a, b) => a.name.localeCompare(b.name)).map((t) => [t.name, t.description ?? '', t.inputSchema ?? null]),
      ),
    )
    .digest('hex');

/** MCP governance (SPEC 5 `/mcp/*`): the server registry and the seeds' evaluate shape. */
export class McpService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly alerts: AlertService,
    bus: EventBus,
  ) {
    // Every MCP action (from the proxy, the hook or the seeds' evaluate path) counts as a call on its server.
    bus.subscribe((e) => {
      const mcp = e.data.mcp as { server_id?: unknown } | null | undefined;
      if (e.event === 'action.submitted' && typeof mcp?.server_id === 'string') void this.noteCall(mcp.server_id);
    });
  }

  async register(body: McpServerRegister, actor: string): Promise<McpServer> {
    const now = this.clock.now();
    const existing = this.store.get<ServerRow>('SELECT * FROM mcp_servers WHERE server_id = ?', [body.server_id]);
    // The hash is of the tools as the server sent them; what is stored and shown is masked.
    const hash = body.tools ? toolsHash(body.tools) : (existing?.tools_hash ?? null);
    const tools = body.tools ? redact(body.tools) : existing ? (JSON.parse(existing.tools) as McpTool[]) : [];
    const name = redactOrNull(body.name);
    const command = redactOrNull(body.command);
    const changed = !!existing && existing.tools_hash !== null && body.tools !== undefined && existing.tools_hash !== hash;
    await this.store.commit(
      [
        {
          sql: `INSERT INTO mcp_servers (server_id, name, command, tools, tools_hash, tools_changed_ms, created_ms, last_seen_ms)
                VALUES (?, ?, ?, ?, ?, NULL, ?, ?)
                ON CONFLICT(server_id) DO UPDATE SET name = COALESCE(excluded.name, name), command = COALESCE(excluded.command, command),
                  tools = excluded.tools, tools_hash = excluded.tools_hash, last_seen_ms = excluded.last_seen_ms,
                  tools_changed_ms = CASE WHEN ? THEN ? ELSE tools_changed_ms END`,
          params: [body.server_id, name, command, JSON.stringify(tools), hash, now, now, changed ? 1 : 0, now],
        },
      ],
      [
        {
          type: 'mcp.server_registered',
          actor,
          data: {
            server_id: body.server_id,
            name,
            command,
            tools: tools.map((t) => t.name),
            tools_changed: changed,
          },
        },
      ],
    );
    if (changed && existing) {
      const before = new Set((JSON.parse(existing.tools) as McpTool[]).map((t) => t.name));
      const after = new Set(tools.map((t) => t.name));
      void this.alerts.raise('mcp-tools-changed', `MCP server '${body.server_id}' changed its tool list`, {
        server_id: body.server_id,
        added: [...after].filter((n) => !before.has(n)),
        removed: [...before].filter((n) => !after.has(n)),
        changed_definitions: [...after].filter((n) => before.has(n)).length > 0 && before.size === after.size,
      });
    }
    return this.get(body.server_id)!;
  }

  get(serverId: string): McpServer | null {
    const r = this.store.get<ServerRow>('SELECT * FROM mcp_servers WHERE server_id = ?', [serverId]);
    return r ? toServer(r) : null;
  }

  list(): McpServer[] {
    return this.store.all<ServerRow>('SELECT * FROM mcp_servers ORDER BY COALESCE(last_seen_ms, created_ms) DESC').map(toServer);
  }

  /** Maps the seeds' evaluate body onto an action request. */
  toActionRequest(b: McpEvaluate): ActionRequest {
    const tool = b.tool ?? (b.namespace && b.verb ? `${b.namespace}.${b.verb}` : b.verb);
    const actionType = b.tool ? 'mcp.tool_call' : b.namespace && b.verb ? `${b.namespace}.${b.verb}` : 'mcp.tool_call';
    return {
      agent_id: b.agent_id ?? 'mcp-client',
      action_type: actionType,
      resource: b.resource ?? (tool ? `mcp://${b.server_id}/${tool}` : `mcp://${b.server_id}`),
      tool_name: tool,
      description: b.description,
      parameters: b.parameters,
      context: b.context,
      session_id: b.session_id,
      mcp: { server_id: b.server_id, ...(tool ? { tool } : {}) },
    };
  }

  /** Counts a call on a registered server, in a commit of its own after the action's. */
  private noteCall(serverId: string): Promise<unknown> | void {
    if (!this.store.get('SELECT 1 FROM mcp_servers WHERE server_id = ?', [serverId])) return;
    return this.store
      .commit([
        { sql: 'UPDATE mcp_servers SET calls = calls + 1, last_seen_ms = ? WHERE server_id = ?', params: [this.clock.now(), serverId] },
      ])
      .catch(() => undefined);
  }
}

export function toMcpDecision(d: Decision): McpDecision {
  return {
    decision: d.decision === 'allowed' ? 'ALLOW' : d.decision === 'denied' ? 'DENY' : 'REQUIRE_APPROVAL',
    action_id: d.action_id,
    approval_id: d.approval_id,
    risk_score: d.risk.score,
    risk_level: d.risk.level,
    reason: d.reason,
    requires_approval: d.requires_approval,
    expires_at: d.expires_at,
  };
}

function toServer(r: ServerRow): McpServer {
  return {
    server_id: r.server_id,
    name: r.name,
    command: r.command,
    tools: JSON.parse(r.tools) as McpTool[],
    tools_hash: r.tools_hash,
    tools_changed_at: isoOrNull(r.tools_changed_ms),
    created_at: iso(r.created_ms),
    last_seen_at: isoOrNull(r.last_seen_ms),
    calls: r.calls,
  };
}
