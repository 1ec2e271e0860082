import { ApiError } from '../../../src-shared/client.js';
import type { McpServerRegister, McpTool } from '../../../src-shared/index.js';
import { jcs, sha256Hex } from '../../audit/chain.js';
import { clip } from '../../services/tool-call.js';
import { failureReason, type GatehouseLink } from './gatehouse.js';
import type { Msg } from './jsonrpc.js';
import type { Relay } from './relay.js';
import type { Session } from './session.js';

/**
 * Registration of the server and its tools with Gatehouse (SPEC 9.2), and the tool pins.
 *
 * It runs once the server can take requests (after `initialize` + `initialized`, or on
 * `server/discover` / the first stateless request of 2026-07-28) and again whenever the tool list
 * may have changed (`notifications/tools/list_changed`, or a tools/list answer that differs from
 * what was registered). Runs are serialised — one at a time, later triggers coalesce into one
 * more run — and idempotent: an unchanged registration is not sent again.
 *
 * Each tool's definition is identified by the SHA-256 of its JCS (RFC 8785) as the server sent
 * it. Gatehouse keeps the pinned (approved) hash; a tool whose current definition is not its pin
 * is refused before evaluation until the user accepts the new definition.
 */
export interface RegistrationOptions {
  serverId: string;
  commandLine?: string;
  log: (line: string) => void;
  /** How long the triggers must be quiet before a run (default 150 ms). */
  quietMs?: number;
  /** First delay before retrying a failed registration (default 5 s, doubling to a minute). */
  retryMs?: number;
}

const MAX_TOOLS = 2_000;
const MAX_PAGES = 50;

/** The pin hash of a tool definition: SHA-256 hex of its JCS. */
export function toolSha256(tool: unknown): string {
  return sha256Hex(jcs(tool));
}

export class Registration {
  serverName: string | undefined;
  private hasTools = true;
  private ready = false;
  /** The server's tools as last seen, by name: the whole definition and its hash. */
  private readonly tools = new Map<string, { def: McpTool; sha: string }>();
  /** Pinned hashes as Gatehouse last reported them. */
  private readonly pinned = new Map<string, string>();
  private registered: string | null = null;
  private dirty = false;
  private running: Promise<void> | null = null;
  private failures = 0;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly relay: Relay,
    private readonly gatehouse: GatehouseLink,
    private readonly session: Session,
    private readonly o: RegistrationOptions,
  ) {}

  // --- what the proxy sees -------------------------------------------------------------------

  onInitializeResult(result: Msg): void {
    const info = result.serverInfo as { name?: unknown } | undefined;
    if (typeof info?.name === 'string') this.serverName = info.name;
    this.hasTools = !!(result.capabilities as { tools?: unknown } | undefined)?.tools;
  }

  /** `notifications/initialized` went to the server: it takes requests now. */
  onInitialized(): void {
    this.ready = true;
    this.schedule();
  }

  /** 2026-07-28 servers name themselves in every result's `_meta` (a client need not call server/discover). */
  private learnName(result: Msg): void {
    const meta = result._meta as Record<string, unknown> | undefined;
    const info = meta?.['io.modelcontextprotocol/serverInfo'] as { name?: unknown } | undefined;
    if (typeof info?.name === 'string' && info.name) this.serverName ??= info.name;
  }

  /** The answer to `server/discover` (2026-07-28). */
  onDiscoverResult(result: Msg): void {
    this.learnName(result);
    if (result.capabilities && typeof result.capabilities === 'object')
      this.hasTools = !!(result.capabilities as { tools?: unknown }).tools;
    this.ready = true;
    this.schedule();
  }

  /** The first request carrying its protocol version in `_meta` (a stateless client need not discover). */
  onStatelessClient(): void {
    this.ready = true;
    this.schedule();
  }

  /** A tools/list answer passing through: a definition that differs from the registered one triggers a run. */
  observeToolsList(result: Msg): void {
    this.learnName(result);
    const list = Array.isArray(result.tools) ? (result.tools as unknown[]) : [];
    for (const t of list) {
      const name = (t as { name?: unknown })?.name;
      if (typeof name !== 'string' || !name) continue;
      let sha: string;
      try {
        sha = toolSha256(t);
      } catch {
        continue;
      }
      const known = this.tools.get(name);
      if (known?.sha === sha) continue;
      this.tools.set(name, { def: t as McpTool, sha });
      this.schedule();
    }
  }

  // --- serialised, idempotent runs -----------------------------------------------------------

  schedule(): void {
    this.dirty = true;
    this.running ??= this.loop().finally(() => (this.running = null));
  }

  /** Resolves when no run is in progress or due. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      // A burst of triggers (a server that adds tools right after initialisation) makes one run.
      await new Promise((r) => setTimeout(r, this.o.quietMs ?? 150));
      if (this.dirty) continue;
      if (!this.ready || this.relay.serverGone) return;
      try {
        await this.run();
        this.failures = 0;
      } catch (e) {
        // Gatehouse may be starting or restarting: try again later (5 s, 10 s, 20 s… at most a minute apart).
        const delay = Math.min(60_000, (this.o.retryMs ?? 5_000) * 2 ** this.failures++);
        this.o.log(`could not register with Gatehouse (next try in ${delay / 1000} s): ${(e as Error).message}`);
        if (this.retry) clearTimeout(this.retry);
        this.retry = setTimeout(() => this.schedule(), delay);
        this.retry.unref();
      }
    }
  }

  private async listTools(): Promise<McpTool[]> {
    const all: McpTool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES && all.length < MAX_TOOLS; page++) {
      const r = await this.relay.request('tools/list', this.session.ownParams(cursor ? { cursor } : undefined));
      if (r.error) throw new Error(`tools/list: ${String((r.error as { message?: unknown }).message ?? 'error')}`);
      const res = (r.result ?? {}) as { tools?: unknown; nextCursor?: unknown };
      this.learnName(res as Msg);
      for (const t of Array.isArray(res.tools) ? res.tools : []) {
        const name = (t as { name?: unknown })?.name;
        if (typeof name === 'string' && name) all.push(t as McpTool);
      }
      cursor = typeof res.nextCursor === 'string' && res.nextCursor ? res.nextCursor : undefined;
      if (!cursor) break;
    }
    return all.slice(0, MAX_TOOLS);
  }

  private async run(): Promise<void> {
    const tools = this.hasTools ? await this.listTools() : [];
    this.tools.clear();
    for (const t of tools) this.tools.set(t.name, { def: t, sha: toolSha256(t) });
    const body: McpServerRegister = {
      server_id: this.o.serverId,
      ...(this.serverName ? { name: clip(this.serverName, 200) } : {}),
      ...(this.o.commandLine ? { command: clip(this.o.commandLine, 4_096) } : {}),
      tools,
    };
    const text = jcs(body);
    if (text === this.registered) return;
    const server = await this.gatehouse.call((api) => api.registerMcpServer(body));
    this.registered = text;
    for (const p of server.tool_pins ?? []) this.pinned.set(p.tool, p.sha256);
  }

  // --- pins ----------------------------------------------------------------------------------

  /** Null when the tool may be evaluated; else why its calls are refused (its definition is not the pinned one). */
  async pinCheck(tool: string): Promise<string | null> {
    if (!this.tools.has(tool)) {
      // A call before the proxy has listed the server's tools (sent right after `initialize`, or by
      // a client that never lists them) waits for a listing: without the tool's definition as the
      // server gives it now, there is nothing to hold against its pin.
      this.ready = true;
      this.schedule();
      await this.idle();
    }
    const current = this.tools.get(tool)?.sha;
    if (!current) return `tool ${tool} is not in the tool list the server gives, so its definition cannot be checked against its pin`;
    if (this.pinned.get(tool) === current) return null;
    try {
      const pin = await this.gatehouse.call((api) => api.mcpToolPin(this.o.serverId, tool));
      this.pinned.set(tool, pin.sha256);
      if (pin.sha256 === current) return null;
    } catch (e) {
      // Not pinned yet: the registration under way pins what the server sends now.
      if (e instanceof ApiError && e.status === 404) return null;
      return failureReason(e);
    }
    return `the definition of tool ${tool} changed since it was approved`;
  }
}
