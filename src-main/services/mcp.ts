import type { ActionRequest, Decision, McpDecision, McpEvaluate, McpServer, McpToolAccept, McpToolPin } from '../../src-shared/index.js';
import { iso, type Clock } from '../core/clock.js';
import { conflict, notFound } from '../core/errors.js';
import type { JsonText } from '../core/json-text.js';
import type { EventBus } from '../events/bus.js';
import type { Op, Store } from '../storage/types.js';
import type { AlertService } from './alerts.js';
import { readBigBody } from './big-bodies.js';
import type { PreparedRegistration } from './mcp-registration.js';
import type { SecretScanner } from './secret-scans.js';

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

/** How often counted calls are written. */
const CALLS_SAVE_MS = 1_000;

interface PinRow {
  server_id: string;
  tool: string;
  sha256: string;
  definition: string;
  pinned_ms: number;
  pending_sha256: string | null;
  pending_definition: string | null;
  pending_ms: number | null;
  calls: number;
  last_call_ms: number | null;
}

/** MCP governance (SPEC 5 `/mcp/*`, 9.2): the server registry, tool pins and the seeds' evaluate shape. */
export class McpService {
  /** Registrations one at a time, so two racing proxies cannot both pin a tool or raise an alert twice. */
  private serial: Promise<unknown> = Promise.resolve();
  /** Calls counted since the last write, by server and tool. */
  private readonly unsaved = new Map<string, { serverId: string; tool: string | null; n: number; lastMs: number }>();
  private saveTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly alerts: AlertService,
    bus: EventBus,
    private readonly secretScans?: SecretScanner,
  ) {
    // Every MCP action (from the proxy, the hook or the seeds' evaluate path) counts as a call on its server.
    bus.subscribe((e) => {
      const mcp = e.data.mcp as { server_id?: unknown; tool?: unknown } | null | undefined;
      if (e.event === 'action.submitted' && typeof mcp?.server_id === 'string')
        this.noteCall(mcp.server_id, typeof mcp.tool === 'string' ? mcp.tool : undefined);
    });
  }

  /**
   * Registers a server from the body's text (`POST /mcp/servers/register`), read and reduced to
   * hashes and masked texts on the secrets thread when big (mcp-registration.ts); the answer as JSON
   * text, never parsed here.
   */
  registerText(text: string, maxValues: number, actor: string): Promise<JsonText<McpServer>> {
    return this.serially(async () => this.registerNow(await this.read('mcpRegistration', text, maxValues), actor));
  }

  /** A body (or a stored text) read by its reader in big-bodies.ts: on the secrets thread when big. */
  private read<K extends 'mcpRegistration' | 'toolNames'>(kind: K, text: string, maxValues = 0) {
    return this.secretScans ? this.secretScans.readBody(kind, text, maxValues, null) : readBigBody(kind, text, maxValues, null);
  }

  /** Registrations one at a time, so two racing proxies cannot both pin a tool or raise an alert twice. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.serial.then(work, work);
    this.serial = next.catch(() => undefined);
    return next;
  }

  /**
   * Registers a server and its tools. Each tool seen for the first time is pinned; one whose
   * definition differs from its pin gets a pending change (blocked until accepted) and one alert
   * per change. An unchanged registration writes nothing.
   */
  private async registerNow(body: PreparedRegistration, actor: string): Promise<JsonText<McpServer>> {
    // The stored list's names, read first (on the thread when big): nothing below waits until the
    // commit, so the pins read next are still the pins when it commits. Only registrations write a
    // server's tool list, one at a time: the list stays the one read here.
    const stored = this.store.get<{ tools: string }>('SELECT tools FROM mcp_servers WHERE server_id = ?', [body.server_id]);
    const beforeNames = stored ? await this.read('toolNames', stored.tools) : [];
    const now = this.clock.now();
    const existing = this.store.get<ServerRow>('SELECT * FROM mcp_servers WHERE server_id = ?', [body.server_id]);
    const hash = body.tools ? body.tools.hash : (existing?.tools_hash ?? null);
    const { name, command } = body;
    const pins = new Map(
      this.store.all<PinRow>('SELECT * FROM mcp_tool_pins WHERE server_id = ?', [body.server_id]).map((p) => [p.tool, p] as const),
    );
    const ops: Op[] = [];
    const pinned: string[] = [];
    const changed: { tool: string; pinned_sha256: string; sha256: string }[] = [];
    const reverted: string[] = [];
    for (const t of body.tools?.each ?? []) {
      const p = pins.get(t.name);
      if (!p) {
        ops.push({
          sql: `INSERT INTO mcp_tool_pins (server_id, tool, sha256, definition, pinned_ms) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(server_id, tool) DO NOTHING`,
          params: [body.server_id, t.name, t.sha256, t.shown, now],
        });
        pinned.push(t.name);
      } else if (p.sha256 === t.sha256) {
        if (p.pending_sha256 !== null) {
          ops.push({
            sql: 'UPDATE mcp_tool_pins SET pending_sha256 = NULL, pending_definition = NULL, pending_ms = NULL WHERE server_id = ? AND tool = ?',
            params: [body.server_id, t.name],
          });
          reverted.push(t.name);
        }
      } else if (p.pending_sha256 !== t.sha256) {
        ops.push({
          sql: 'UPDATE mcp_tool_pins SET pending_sha256 = ?, pending_definition = ?, pending_ms = ? WHERE server_id = ? AND tool = ?',
          params: [t.sha256, t.shown, now, body.server_id, t.name],
        });
        changed.push({ tool: t.name, pinned_sha256: p.sha256, sha256: t.sha256 });
      }
    }
    const afterNames = body.tools ? body.tools.each.map((t) => t.name) : beforeNames;
    const before = new Set(beforeNames);
    const after = new Set(afterNames);
    const added = existing ? [...after].filter((n) => !before.has(n)) : [];
    const removed = existing ? [...before].filter((n) => !after.has(n)) : [];
    // Tools added or removed flag the server; a changed definition has its own pin and alert.
    const listChanged = added.length > 0 || removed.length > 0;
    const unchanged =
      !!existing &&
      ops.length === 0 &&
      hash === existing.tools_hash &&
      (name ?? existing.name) === existing.name &&
      (command ?? existing.command) === existing.command;
    if (unchanged) return this.serverText(body.server_id)!;
    ops.push({
      sql: `INSERT INTO mcp_servers (server_id, name, command, tools, tools_hash, tools_changed_ms, created_ms, last_seen_ms)
            VALUES (?, ?, ?, ?, ?, NULL, ?, ?)
            ON CONFLICT(server_id) DO UPDATE SET name = COALESCE(excluded.name, name), command = COALESCE(excluded.command, command),
              tools = excluded.tools, tools_hash = excluded.tools_hash, last_seen_ms = excluded.last_seen_ms,
              tools_changed_ms = CASE WHEN ? THEN ? ELSE tools_changed_ms END`,
      params: [body.server_id, name, command, body.tools?.text ?? existing?.tools ?? '[]', hash, now, now, listChanged ? 1 : 0, now],
    });
    await this.store.commit(ops, [
      {
        type: 'mcp.server_registered',
        actor,
        data: {
          server_id: body.server_id,
          name,
          command,
          tools: afterNames,
          tools_changed: listChanged || changed.length > 0,
          pinned,
          definition_changed: changed,
          reverted_to_pin: reverted,
        },
      },
    ]);
    if (added.length || removed.length) {
      void this.alerts.raise('mcp-tools-changed', `MCP server '${body.server_id}' changed its tool list`, {
        server_id: body.server_id,
        added,
        removed,
      });
    }
    for (const c of changed) {
      void this.alerts.raise(
        'mcp-tool-definition-changed',
        `The definition of MCP tool '${c.tool}' on '${body.server_id}' changed since it was approved; its calls are blocked until you accept it`,
        { server_id: body.server_id, tool: c.tool, pinned_sha256: c.pinned_sha256, sha256: c.sha256 },
      );
    }
    return this.serverText(body.server_id)!;
  }

  /** A tool's pin as JSON text (its definitions as stored, never parsed here: one may be a whole generated schema). */
  pinText(serverId: string, tool: string): JsonText<McpToolPin> | null {
    const r = this.store.get<PinRow>('SELECT * FROM mcp_tool_pins WHERE server_id = ? AND tool = ?', [serverId, tool]);
    return r ? pinText(this.pinWithUnsaved(r)) : null;
  }

  private pinWithUnsaved(r: PinRow): PinRow {
    const u = this.unsavedCalls(r.server_id, r.tool);
    return u.n ? { ...r, calls: r.calls + u.n, last_call_ms: Math.max(u.lastMs, r.last_call_ms ?? 0) } : r;
  }

  /**
   * Accepts a tool's changed definition: it becomes the pin and the tool's calls are evaluated
   * again. `sha256`, when given, must name the pending definition (what the user looked at).
   */
  async acceptTool(serverId: string, tool: string, body: McpToolAccept, actor: string): Promise<JsonText<McpToolPin>> {
    const r = this.store.get<PinRow>('SELECT * FROM mcp_tool_pins WHERE server_id = ? AND tool = ?', [serverId, tool]);
    if (!r) throw notFound(`MCP tool '${tool}' on server '${serverId}'`);
    if (r.pending_sha256 === null || r.pending_definition === null)
      throw conflict(`MCP tool '${tool}' on '${serverId}' has no changed definition to accept`);
    if (body.sha256 && body.sha256 !== r.pending_sha256)
      throw conflict(
        `The definition of MCP tool '${tool}' changed again (now ${r.pending_sha256.slice(0, 12)}…); review it before accepting`,
      );
    const now = this.clock.now();
    await this.store.commit(
      [
        {
          sql: `UPDATE mcp_tool_pins SET sha256 = pending_sha256, definition = pending_definition, pinned_ms = ?,
                  pending_sha256 = NULL, pending_definition = NULL, pending_ms = NULL
                WHERE server_id = ? AND tool = ? AND pending_sha256 = ?`,
          params: [now, serverId, tool, r.pending_sha256],
        },
      ],
      [
        {
          type: 'mcp.tool_accepted',
          actor,
          data: { server_id: serverId, tool, previous_sha256: r.sha256, sha256: r.pending_sha256 },
        },
      ],
    );
    return this.pinText(serverId, tool)!;
  }

  /** The registered servers (as the API lists them). */
  list(): McpServer[] {
    return (JSON.parse(this.listText()) as { items: McpServer[] }).items;
  }

  /** The servers' page as JSON text: their tool lists and pinned definitions as stored, never parsed here. */
  listText(): JsonText<{ items: McpServer[]; next_cursor: null }> {
    const rows = this.store.all<ServerRow>('SELECT * FROM mcp_servers ORDER BY COALESCE(last_seen_ms, created_ms) DESC');
    return `{"items":[${rows.map((r) => this.serverTextOf(r)).join(',')}],"next_cursor":null}` as JsonText<{
      items: McpServer[];
      next_cursor: null;
    }>;
  }

  /** A server as JSON text, or null when it is not registered. */
  serverText(serverId: string): JsonText<McpServer> | null {
    const r = this.store.get<ServerRow>('SELECT * FROM mcp_servers WHERE server_id = ?', [serverId]);
    return r ? this.serverTextOf(r) : null;
  }

  private serverTextOf(r: ServerRow): JsonText<McpServer> {
    const u = this.unsavedCalls(r.server_id);
    const row = u.n ? { ...r, calls: r.calls + u.n, last_seen_ms: Math.max(u.lastMs, r.last_seen_ms ?? 0) } : r;
    return serverText(
      row,
      this.pinRows(r.server_id).map((p) => pinText(this.pinWithUnsaved(p))),
    );
  }

  /** A server's pins, changed ones first, then by tool name. */
  private pinRows(serverId: string): PinRow[] {
    return this.store.all<PinRow>('SELECT * FROM mcp_tool_pins WHERE server_id = ? ORDER BY (pending_sha256 IS NULL), tool', [serverId]);
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
      // The namespace and verb as named: with a tool they are in no other field, and policies in the seeds' form read them.
      mcp: {
        server_id: b.server_id,
        ...(tool ? { tool } : {}),
        ...(b.namespace ? { namespace: b.namespace } : {}),
        ...(b.verb ? { verb: b.verb } : {}),
      },
    };
  }

  /**
   * Counts a call on a registered server and tool. The counters are a live figure, not a record
   * (every call is in the audit log already): they are summed in memory and written together at
   * most once a second, so a busy MCP server costs no extra disk write per call on the decision's
   * path. Reads include the counts not written yet.
   */
  noteCall(serverId: string, tool?: string): void {
    if (!this.store.get('SELECT 1 FROM mcp_servers WHERE server_id = ?', [serverId])) return;
    const key = `${serverId}\u0000${tool ?? ''}`;
    const c = this.unsaved.get(key) ?? { serverId, tool: tool ?? null, n: 0, lastMs: 0 };
    c.n++;
    c.lastMs = this.clock.now();
    this.unsaved.set(key, c);
    if (!this.saveTimer) {
      this.saveTimer = setTimeout(() => void this.saveCalls(), CALLS_SAVE_MS);
      this.saveTimer.unref?.();
    }
  }

  /** Writes the counted calls (also usable on shutdown). */
  async saveCalls(): Promise<void> {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    if (!this.unsaved.size) return;
    const batch = [...this.unsaved.values()];
    this.unsaved.clear();
    const ops: Op[] = [];
    const perServer = new Map<string, { n: number; lastMs: number }>();
    for (const c of batch) {
      const s = perServer.get(c.serverId) ?? { n: 0, lastMs: 0 };
      s.n += c.n;
      s.lastMs = Math.max(s.lastMs, c.lastMs);
      perServer.set(c.serverId, s);
      if (c.tool !== null)
        ops.push({
          sql: 'UPDATE mcp_tool_pins SET calls = calls + ?, last_call_ms = ? WHERE server_id = ? AND tool = ?',
          params: [c.n, c.lastMs, c.serverId, c.tool],
        });
    }
    for (const [serverId, s] of perServer)
      ops.unshift({
        sql: 'UPDATE mcp_servers SET calls = calls + ?, last_seen_ms = ? WHERE server_id = ?',
        params: [s.n, s.lastMs, serverId],
      });
    await this.store.commit(ops).catch(() => {
      // The disk refused: keep the counts for the next write.
      for (const c of batch) {
        const key = `${c.serverId}\u0000${c.tool ?? ''}`;
        const cur = this.unsaved.get(key);
        this.unsaved.set(key, cur ? { ...cur, n: cur.n + c.n } : c);
      }
    });
  }

  /** Calls counted but not written yet, for a server (all tools) or one tool. */
  private unsavedCalls(serverId: string, tool?: string): { n: number; lastMs: number } {
    let n = 0;
    let lastMs = 0;
    for (const c of this.unsaved.values()) {
      if (c.serverId !== serverId || (tool !== undefined && c.tool !== tool)) continue;
      n += c.n;
      lastMs = Math.max(lastMs, c.lastMs);
    }
    return { n, lastMs };
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

const q = JSON.stringify;
const isoText = (ms: number | null): string => (ms === null ? 'null' : q(iso(ms)));

/**
 * A pin as the API shows it (McpToolPinSchema, in its key order), with its definitions spliced in as
 * stored: they were written as JSON (jcs), so the text is what parsing and serialising would give.
 */
function pinText(r: PinRow): JsonText<McpToolPin> {
  return (`{"server_id":${q(r.server_id)},"tool":${q(r.tool)},"status":${q(r.pending_sha256 ? 'changed' : 'pinned')},` +
    `"sha256":${q(r.sha256)},"pinned_at":${isoText(r.pinned_ms)},"definition":${r.definition},` +
    `"pending_sha256":${q(r.pending_sha256)},"pending_since":${isoText(r.pending_ms)},"pending_definition":${r.pending_definition ?? 'null'},` +
    `"calls":${q(r.calls)},"last_call_at":${isoText(r.last_call_ms)}}`) as JsonText<McpToolPin>;
}

/** A server as the API shows it (McpServerSchema, in its key order), its tool list spliced in as stored (JSON.stringify). */
function serverText(r: ServerRow, pins: string[]): JsonText<McpServer> {
  return (`{"server_id":${q(r.server_id)},"name":${q(r.name)},"command":${q(r.command)},"tools":${r.tools},` +
    `"tools_hash":${q(r.tools_hash)},"tools_changed_at":${isoText(r.tools_changed_ms)},"created_at":${isoText(r.created_ms)},` +
    `"last_seen_at":${isoText(r.last_seen_ms)},"calls":${q(r.calls)},"tool_pins":[${pins.join(',')}]}`) as JsonText<McpServer>;
}
