import { ApiError, GatehouseApi, UnreachableError } from '../../../src-shared/client.js';
import type { ActionRequest, ActionStatus, CompleteRequest, Decision, McpTool } from '../../../src-shared/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { resolveEndpoint } from '../shared/endpoint.js';
import { keepAliveFetch } from '../shared/http-fetch.js';
import { clip, resourceFromArgs } from '../shared/resource.js';

/**
 * The MCP governance proxy (SPEC 9.2) as a message-level relay between two transports:
 * `upstream` talks to the MCP client (Claude Desktop, Cursor, Claude Code...), `downstream` to the
 * real server. Every JSON-RPC message goes through unchanged — requests, responses, notifications
 * (progress, cancellation, list changes), resources, prompts, and the server's own requests
 * (sampling, elicitation, roots) — except `tools/call`, which Gatehouse decides first:
 *
 * - allowed / approved → forwarded; when the answer comes back it is relayed at once and the
 *   outcome is reported to Gatehouse afterwards (`complete`), without delaying the client;
 * - denied / rejected / expired, no decision within `waitS`, or Gatehouse unreachable → answered
 *   by the proxy with a tool error result `Blocked by Gatehouse: <reason>` and never sent on.
 *
 * After the server's `initialize` answer (and on `notifications/tools/list_changed`) the proxy
 * registers the server and its tool list with `POST /mcp/servers/register`.
 */

type Msg = JSONRPCMessage & Record<string, unknown>;
type Id = string | number;

export interface ProxyOptions {
  serverId: string;
  agentId: string;
  /** Seconds to wait for a pending approval before refusing the call. */
  waitS: number;
  /** The command line of the real server, for the registration record. */
  commandLine?: string;
  /** The Gatehouse API; by default found like every client (env, server.json, credentials.json; agent key). */
  api?: () => GatehouseApi | null;
  dataDir?: string;
  /** Diagnostics (never stdout). */
  log?: (line: string) => void;
}

interface Forwarded {
  actionId: string;
  startedMs: number;
  tool: string;
}

interface Gated {
  cancelled: boolean;
}

const PROXY_ID_PREFIX = 'gatehouse-proxy:';
const MAX_RESULT_REPORT = 8 * 1024;

const isRequest = (m: Msg): boolean => typeof m.method === 'string' && m.id !== undefined;
const isNotification = (m: Msg): boolean => typeof m.method === 'string' && m.id === undefined;
const isResponse = (m: Msg): boolean => m.method === undefined && m.id !== undefined && ('result' in m || 'error' in m);
const key = (id: unknown): string => `${typeof id}:${String(id)}`;

/** The text of a tool result's content, for failure reports. */
function resultText(result: unknown): string {
  const content = (result as { content?: unknown })?.content;
  if (!Array.isArray(content)) return '';
  return content
    .map((c) =>
      c && typeof c === 'object' && (c as { type?: unknown }).type === 'text' ? String((c as { text?: unknown }).text ?? '') : '',
    )
    .filter(Boolean)
    .join('\n');
}

/** A result small enough to store with the action (big ones are summarised). */
function reportableResult(result: unknown): unknown {
  let json: string;
  try {
    json = JSON.stringify(result);
  } catch {
    return null;
  }
  if (json === undefined) return null;
  if (json.length <= MAX_RESULT_REPORT) return result;
  const content = (result as { content?: unknown })?.content;
  return {
    truncated: true,
    size: json.length,
    content_types: Array.isArray(content) ? content.map((c) => (c as { type?: unknown })?.type ?? null) : null,
    preview: clip(resultText(result) || json, 2_000),
  };
}

export function blockedResult(reason: string) {
  return { content: [{ type: 'text', text: `Blocked by Gatehouse: ${reason}` }], isError: true };
}

export class McpGovernanceProxy {
  private readonly log: (line: string) => void;
  private readonly forwarded = new Map<string, Forwarded>();
  private readonly gated = new Map<string, Gated>();
  private readonly own = new Map<string, (m: Msg) => void>();
  private ownSeq = 0;
  private initializeId: string | null = null;
  private initialized = false;
  private serverInfoName: string | undefined;
  private hasTools = true;
  private tools: McpTool[] | null = null;
  private registeredHash: string | null = null;
  private api: GatehouseApi | null = null;
  private apiStale = true;
  private closed = false;
  /** Settles when either side has closed. */
  readonly done: Promise<'client' | 'server'>;
  private resolveDone!: (side: 'client' | 'server') => void;

  constructor(
    private readonly upstream: Transport,
    private readonly downstream: Transport,
    private readonly o: ProxyOptions,
  ) {
    this.log = o.log ?? ((l) => process.stderr.write(`gatehouse mcp-proxy [${o.serverId}]: ${l}\n`));
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  /** Starts the downstream (spawns the server) first, then listens to the client. */
  async start(): Promise<void> {
    this.downstream.onmessage = (m) => this.fromServer(m as Msg);
    this.downstream.onclose = () => this.finish('server');
    this.downstream.onerror = (e) => this.log(`server transport: ${e.message}`);
    this.upstream.onmessage = (m) => this.fromClient(m as Msg);
    this.upstream.onclose = () => this.finish('client');
    this.upstream.onerror = (e) => this.log(`client transport: ${e.message}`);
    await this.downstream.start();
    await this.upstream.start();
  }

  private finish(side: 'client' | 'server'): void {
    if (this.closed) return;
    this.closed = true;
    this.resolveDone(side);
  }

  // --- Gatehouse API -------------------------------------------------------------------------

  private gatehouse(): GatehouseApi | null {
    if (this.o.api) return this.o.api();
    if (this.api && !this.apiStale) return this.api;
    const ep = resolveEndpoint({ dataDir: this.o.dataDir, scope: 'agent' });
    this.apiStale = false;
    this.api =
      ep.url && ep.apiKey
        ? new GatehouseApi({ baseUrl: ep.url, apiKey: ep.apiKey, timeoutMs: 10_000, fetch: keepAliveFetch as typeof fetch })
        : null;
    return this.api;
  }

  /** Calls the API; an unreachable server makes the next call re-read server.json (it may have moved). */
  private async call<T>(f: (api: GatehouseApi) => Promise<T>): Promise<T> {
    const api = this.gatehouse();
    if (!api) {
      this.apiStale = true;
      throw new UnreachableError('Gatehouse is not running (no server.json and no GATEHOUSE_URL, or no API key)');
    }
    try {
      return await f(api);
    } catch (e) {
      if (e instanceof UnreachableError) this.apiStale = true;
      throw e;
    }
  }

  // --- relay ---------------------------------------------------------------------------------

  private toClient(m: Msg): void {
    this.upstream.send(m).catch((e: Error) => this.log(`cannot write to the client: ${e.message}`));
  }

  private toServer(m: Msg): void {
    this.downstream.send(m).catch((e: Error) => {
      this.log(`cannot write to the server: ${e.message}`);
      if (isRequest(m))
        this.toClient({ jsonrpc: '2.0', id: m.id as Id, error: { code: -32603, message: `MCP server unavailable: ${e.message}` } } as Msg);
    });
  }

  private fromClient(m: Msg): void {
    if (isRequest(m)) {
      if (m.method === 'tools/call') {
        void this.gate(m);
        return;
      }
      if (m.method === 'initialize') this.initializeId = key(m.id);
    } else if (isNotification(m)) {
      if (m.method === 'notifications/cancelled') {
        const rid = (m.params as { requestId?: unknown } | undefined)?.requestId;
        const g = rid !== undefined ? this.gated.get(key(rid)) : undefined;
        if (g) {
          g.cancelled = true; // the server never saw the call: nothing to forward
          return;
        }
      }
      if (m.method === 'notifications/initialized') {
        this.toServer(m);
        this.initialized = true;
        void this.refreshTools();
        return;
      }
    }
    this.toServer(m);
  }

  private fromServer(m: Msg): void {
    if (isResponse(m)) {
      const k = key(m.id);
      const mine = this.own.get(k);
      if (mine) {
        this.own.delete(k);
        mine(m);
        return;
      }
      if (this.initializeId === k) {
        this.initializeId = null;
        const r = m.result as { serverInfo?: { name?: unknown }; capabilities?: { tools?: unknown } } | undefined;
        if (r) {
          this.serverInfoName = typeof r.serverInfo?.name === 'string' ? r.serverInfo.name : undefined;
          this.hasTools = !!r.capabilities?.tools;
          // Register at once (without tools yet); the tool list follows after `initialized`.
          void this.register();
        }
      }
      const f = this.forwarded.get(k);
      this.toClient(m);
      if (f) {
        this.forwarded.delete(k);
        void this.reportOutcome(f, m);
      }
      return;
    }
    if (isNotification(m) && m.method === 'notifications/tools/list_changed') {
      this.toClient(m);
      void this.refreshTools();
      return;
    }
    this.toClient(m);
  }

  // --- tools/call governance -----------------------------------------------------------------

  private actionFor(m: Msg): ActionRequest {
    const p = (m.params ?? {}) as { name?: unknown; arguments?: unknown };
    const tool = typeof p.name === 'string' && p.name ? p.name : 'unknown';
    const args =
      p.arguments && typeof p.arguments === 'object' && !Array.isArray(p.arguments) ? (p.arguments as Record<string, unknown>) : {};
    return {
      agent_id: this.o.agentId,
      action_type: 'mcp.tool_call',
      tool_name: clip(tool, 256),
      mcp: { server_id: clip(this.o.serverId, 128), tool: clip(tool, 256) },
      resource: clip(resourceFromArgs(args) ?? `mcp://${this.o.serverId}/${tool}`, 16_384),
      parameters: args,
      description: clip(`MCP tool call: ${tool} on ${this.serverInfoName ?? this.o.serverId}`, 1000),
    };
  }

  /** Decides one tools/call: the decision (allowed/denied) with its reason, never throwing. */
  private async decide(action: ActionRequest, g: Gated): Promise<{ allowed: true; actionId: string } | { allowed: false; reason: string }> {
    let d: Decision | ActionStatus;
    try {
      d = await this.call((api) => api.submit(action));
    } catch (e) {
      return { allowed: false, reason: this.failureReason(e) };
    }
    const deadline = Date.now() + this.o.waitS * 1000;
    try {
      while (d.decision === 'pending') {
        if (g.cancelled) return { allowed: false, reason: 'the call was cancelled while waiting for approval' };
        const remaining = Math.floor((deadline - Date.now()) / 100) / 10; // seconds, to the tenth
        if (remaining <= 0)
          return { allowed: false, reason: `no decision within ${this.o.waitS} s (action ${d.action_id} is still waiting for approval)` };
        const id: string = d.action_id;
        d = await this.call<ActionStatus>((api) => api.status(id, Math.min(60, remaining)));
      }
    } catch (e) {
      return { allowed: false, reason: this.failureReason(e) };
    }
    if (d.decision === 'allowed') return { allowed: true, actionId: d.action_id };
    const s = d as Partial<ActionStatus>;
    const how = s.status === 'rejected' ? 'rejected' : s.status === 'expired' ? 'approval expired' : 'denied';
    const comment = s.comment ? ` — “${s.comment}”` : '';
    return { allowed: false, reason: `${how}: ${d.reason}${comment} (action ${d.action_id})` };
  }

  private failureReason(e: unknown): string {
    if (e instanceof UnreachableError) return `Gatehouse is unreachable, so tool calls are refused until it is back (${e.message})`;
    if (e instanceof ApiError) return `Gatehouse could not evaluate the call (${e.status} ${e.code}: ${e.message})`;
    return `Gatehouse could not evaluate the call (${(e as Error)?.message ?? String(e)})`;
  }

  private async gate(m: Msg): Promise<void> {
    const k = key(m.id);
    const g: Gated = { cancelled: false };
    this.gated.set(k, g);
    let verdict: Awaited<ReturnType<McpGovernanceProxy['decide']>>;
    try {
      verdict = await this.decide(this.actionFor(m), g);
    } catch (e) {
      verdict = { allowed: false, reason: this.failureReason(e) };
    } finally {
      this.gated.delete(k);
    }
    if (this.closed) return;
    if (g.cancelled) {
      if (verdict.allowed) void this.complete(verdict.actionId, { status: 'failure', error: 'cancelled by the client before it ran' });
      return;
    }
    if (!verdict.allowed) {
      this.toClient({ jsonrpc: '2.0', id: m.id as Id, result: blockedResult(verdict.reason) } as Msg);
      return;
    }
    const name = ((m.params ?? {}) as { name?: unknown }).name;
    this.forwarded.set(k, { actionId: verdict.actionId, startedMs: Date.now(), tool: String(name) });
    this.toServer(m);
    if (!this.registeredHash && this.tools) void this.register();
  }

  private async reportOutcome(f: Forwarded, m: Msg): Promise<void> {
    const duration_ms = Date.now() - f.startedMs;
    if ('error' in m && m.error) {
      const err = m.error as { code?: unknown; message?: unknown };
      await this.complete(f.actionId, {
        status: 'failure',
        error: clip(`MCP error ${String(err.code ?? '')}: ${String(err.message ?? '')}`, 8_000),
        duration_ms,
      });
      return;
    }
    const result = m.result as { isError?: unknown } | undefined;
    if (result?.isError === true) {
      await this.complete(f.actionId, {
        status: 'failure',
        error: clip(resultText(result) || 'the tool returned an error', 8_000),
        result: reportableResult(result),
        duration_ms,
      });
      return;
    }
    await this.complete(f.actionId, { status: 'success', result: reportableResult(result), duration_ms });
  }

  private async complete(actionId: string, body: CompleteRequest): Promise<void> {
    try {
      await this.call((api) => api.complete(actionId, body));
    } catch (e) {
      this.log(`could not report the outcome of ${actionId}: ${(e as Error).message}`);
    }
  }

  // --- registration ----------------------------------------------------------------------------

  /** Sends a request of our own to the server (ids that cannot collide with the client's). */
  private ownRequest(method: string, params?: Record<string, unknown>, timeoutMs = 30_000): Promise<Msg> {
    const id = `${PROXY_ID_PREFIX}${++this.ownSeq}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.own.delete(key(id));
        reject(new Error(`${method}: no answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      timer.unref?.();
      this.own.set(key(id), (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.downstream.send({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) } as JSONRPCMessage).catch((e: Error) => {
        clearTimeout(timer);
        this.own.delete(key(id));
        reject(e);
      });
    });
  }

  /** Fetches the whole tool list (all pages) from the server and registers it. */
  async refreshTools(): Promise<void> {
    if (!this.initialized || this.closed) return;
    if (!this.hasTools) {
      this.tools = [];
      await this.register();
      return;
    }
    try {
      const all: McpTool[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 50; page++) {
        const r = await this.ownRequest('tools/list', cursor ? { cursor } : undefined);
        if ('error' in r && r.error) throw new Error(String((r.error as { message?: unknown }).message ?? 'error'));
        const res = (r.result ?? {}) as { tools?: unknown; nextCursor?: unknown };
        for (const t of Array.isArray(res.tools) ? res.tools : []) {
          const tt = t as { name?: unknown; description?: unknown; inputSchema?: unknown };
          if (typeof tt.name !== 'string' || !tt.name) continue;
          all.push({
            name: clip(tt.name, 256),
            ...(typeof tt.description === 'string' ? { description: clip(tt.description, 8_192) } : {}),
            ...(tt.inputSchema !== undefined ? { inputSchema: tt.inputSchema } : {}),
          });
        }
        cursor = typeof res.nextCursor === 'string' && res.nextCursor ? res.nextCursor : undefined;
        if (!cursor) break;
      }
      this.tools = all.slice(0, 2_000);
    } catch (e) {
      this.log(`could not list the server's tools: ${(e as Error).message}`);
      return;
    }
    await this.register();
  }

  private async register(): Promise<void> {
    const body = {
      server_id: this.o.serverId,
      ...(this.serverInfoName ? { name: clip(this.serverInfoName, 200) } : {}),
      ...(this.o.commandLine ? { command: clip(this.o.commandLine, 4_096) } : {}),
      ...(this.tools ? { tools: this.tools } : {}),
    };
    const hash = JSON.stringify(body);
    if (hash === this.registeredHash) return;
    try {
      await this.call((api) => api.registerMcpServer(body));
      if (this.tools) this.registeredHash = hash;
    } catch (e) {
      this.log(`could not register with Gatehouse: ${(e as Error).message}`);
    }
  }
}
