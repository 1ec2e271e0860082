import { ApiError, UnreachableError } from '../../../src-shared/client.js';
import { McpToolSchema, type McpServerRegister, type McpTool } from '../../../src-shared/index.js';
import { jcs, sha256Hex } from '../../audit/chain.js';
import { clip } from '../../services/tool-call.js';
import { failureReason, type GatehouseLink } from './gatehouse.js';
import type { Msg } from './jsonrpc.js';
import type { Relay } from './relay.js';
import type { Session } from './session.js';

/**
 * Registration of the server and its tools with Gatehouse (SPEC 9.2), and the tool pins.
 *
 * What is registered and checked is what the client receives: every `tools/list` answer relayed
 * to the client (each page) is authoritative for the tools in it. The proxy also lists the tools
 * itself once the server can take requests (after `initialize` + `initialized`, or on
 * `server/discover` / the first stateless request of 2026-07-28) and again on
 * `notifications/tools/list_changed`: an early registration, which stands only for the tools the
 * client has not received — a server that shows the proxy one definition and the client another
 * is held to the one the client got. Runs are serialised — one at a time, later triggers
 * coalesce into one more run — and idempotent: an unchanged registration is not sent again.
 *
 * Each tool's definition is identified by the SHA-256 of its JCS (RFC 8785) as the server sent
 * it, read with its numbers exact: one no double can carry (a uint64 bound in a schema) is kept as
 * its literal text, as in all the proxy sends Gatehouse (which refuses a rounded number rather than
 * store it altered). Gatehouse keeps the pinned (approved) hash; a call waits until the definition the client
 * holds has been registered, and is refused before evaluation when that definition is not the
 * pin (until the user accepts it) or when it could not be registered.
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
/** How many times a call's check starts over when the definition changes under it. */
const MAX_CHECKS = 3;

/** The pin hash of a tool definition: SHA-256 hex of its JCS. */
export function toolSha256(tool: unknown): string {
  return sha256Hex(jcs(tool));
}

interface Def {
  /** The tool object exactly as the server sent it (what is hashed and registered). */
  def: McpTool;
  sha: string;
}

/** A tool definition from a listing, or null when it is not one Gatehouse can register. */
function toDef(t: unknown): Def | null {
  if (!McpToolSchema.safeParse(t).success) return null;
  try {
    return { def: t as McpTool, sha: toolSha256(t) };
  } catch {
    return null;
  }
}

/**
 * The tools of one `tools/list` page, by name. A name listed twice with two definitions is null:
 * which one a client keeps is its own choice, so neither can stand for what it holds.
 */
function pageTools(result: Msg): Map<string, Def | null> {
  const out = new Map<string, Def | null>();
  for (const t of Array.isArray(result.tools) ? (result.tools as unknown[]) : []) {
    const name = (t as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' || !name) continue;
    const d = toDef(t);
    out.set(name, out.has(name) && out.get(name)?.sha !== d?.sha ? null : d);
  }
  return out;
}

export class Registration {
  serverName: string | undefined;
  private hasTools = true;
  private ready = false;
  /** The tools as the proxy's own listing last gave them, by name (null: not registrable). */
  private own = new Map<string, Def | null>();
  /** The tools as the client last received them in a relayed tools/list answer, by name. */
  private readonly relayed = new Map<string, Def | null>();
  /** The names of the client's paginated listing under way (from its first page), or null. */
  private listing: Set<string> | null = null;
  /** Each tool's hash in the last registration Gatehouse took. */
  private registeredSha = new Map<string, string>();
  /** Pinned hashes as Gatehouse last reported them. */
  private readonly pinned = new Map<string, string>();
  private registered: string | null = null;
  /** Why the last run failed (null after one that worked). */
  private lastError: unknown = null;
  private listDue = true;
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

  /**
   * A page of a tools/list answer on its way to the client (`continued`: the request carried a
   * cursor). Its definitions become what the client holds, before the client can read them; one
   * that is not registered yet triggers a registration, which a call of it waits for. A listing
   * that ends (no `nextCursor`) and began without a cursor is the whole list: tools it no longer
   * has are forgotten.
   */
  observeToolsList(result: Msg, continued: boolean): void {
    this.learnName(result);
    this.ready = true; // the server answers requests
    const page = pageTools(result);
    if (!continued) this.listing = new Set();
    let changed = false;
    for (const [name, d] of page) {
      this.listing?.add(name);
      if (!this.relayed.has(name) && this.relayed.size >= MAX_TOOLS) continue;
      if (d?.sha !== this.registeredSha.get(name)) changed = true;
      this.relayed.set(name, d);
    }
    const more = typeof result.nextCursor === 'string' && result.nextCursor !== '';
    if (!more && this.listing) {
      for (const name of [...this.relayed.keys()])
        if (!this.listing.has(name)) {
          this.relayed.delete(name);
          changed = true;
        }
      this.listing = null;
    }
    if (changed) this.schedule(false);
  }

  /** A tool's definition as it stands: the one the client received, else the proxy's own listing's. */
  private current(tool: string): Def | null | undefined {
    return this.relayed.has(tool) ? this.relayed.get(tool) : this.own.get(tool);
  }

  /** Every tool Gatehouse should know, each as it stands (the proxy's listing's order, then the client's extras). */
  private currentTools(): Def[] {
    const out: Def[] = [];
    for (const name of new Set([...this.own.keys(), ...this.relayed.keys()])) {
      const d = this.current(name);
      if (d) out.push(d);
    }
    return out.slice(0, MAX_TOOLS);
  }

  // --- serialised, idempotent runs -----------------------------------------------------------

  /** Asks for a run; `list`: with a fresh listing of the proxy's own (else only what was relayed is new). */
  schedule(list = true): void {
    if (list) this.listDue = true;
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
        this.lastError = null;
      } catch (e) {
        this.lastError = e;
        // Gatehouse may be starting or restarting: try again later (5 s, 10 s, 20 s… at most a minute apart).
        const delay = Math.min(60_000, (this.o.retryMs ?? 5_000) * 2 ** this.failures++);
        this.o.log(`could not register with Gatehouse (next try in ${delay / 1000} s): ${(e as Error).message}`);
        if (this.retry) clearTimeout(this.retry);
        this.retry = setTimeout(() => this.schedule(false), delay);
        this.retry.unref();
      }
    }
  }

  private async listTools(): Promise<Map<string, Def | null>> {
    const all = new Map<string, Def | null>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES && all.size < MAX_TOOLS; page++) {
      const r = await this.relay.request('tools/list', this.session.ownParams(cursor ? { cursor } : undefined));
      if (r.error) throw new Error(`tools/list: ${String((r.error as { message?: unknown }).message ?? 'error')}`);
      const res = (r.result ?? {}) as Msg;
      this.learnName(res);
      for (const [name, d] of pageTools(res)) if (!all.has(name)) all.set(name, d);
      cursor = typeof res.nextCursor === 'string' && res.nextCursor ? res.nextCursor : undefined;
      if (!cursor) break;
    }
    return all;
  }

  private async run(): Promise<void> {
    // The proxy's own listing; when it fails, what the client received is still registered.
    let listError: unknown = null;
    if (this.listDue) {
      this.listDue = false;
      try {
        this.own = this.hasTools ? await this.listTools() : new Map();
      } catch (e) {
        this.listDue = true;
        if (!this.relayed.size) throw e;
        listError = e;
      }
    }
    const tools = this.currentTools();
    const body: McpServerRegister = {
      server_id: this.o.serverId,
      ...(this.serverName ? { name: clip(this.serverName, 200) } : {}),
      ...(this.o.commandLine ? { command: clip(this.o.commandLine, 4_096) } : {}),
      tools: tools.map((t) => t.def),
    };
    const text = jcs(body);
    if (text !== this.registered) {
      const server = await this.gatehouse.call((api) => api.registerMcpServer(body));
      this.registered = text;
      for (const p of server.tool_pins ?? []) this.pinned.set(p.tool, p.sha256);
    }
    this.registeredSha = new Map(tools.map((t) => [t.def.name, t.sha]));
    if (listError) throw listError;
  }

  // --- pins ----------------------------------------------------------------------------------

  /** Why a definition could not be registered, in words for the `Blocked by Gatehouse: …` answer. */
  private unregistered(tool: string): string {
    const e = this.lastError;
    if (e instanceof ApiError || e instanceof UnreachableError) return failureReason(e);
    const why = e instanceof Error ? e.message : 'it was not registered with Gatehouse';
    return `the definition of tool ${tool} could not be checked against its pin (${why})`;
  }

  /**
   * Null when the tool may be evaluated; else why its calls are refused. The definition held
   * against the pin is the one the client received (else the server's own answer to the proxy),
   * and the call waits until Gatehouse has registered it: never checked against a stale one.
   */
  async pinCheck(tool: string): Promise<string | null> {
    for (let attempt = 0; attempt < MAX_CHECKS; attempt++) {
      if (this.current(tool) === undefined) {
        // A call before any listing (sent right after `initialize`, or by a client that never lists
        // the tools) waits for the proxy's own: without the tool's definition as the server gives
        // it now, there is nothing to hold against its pin.
        this.ready = true;
        this.schedule();
        await this.idle();
      }
      const cur = this.current(tool);
      if (cur === undefined)
        return `tool ${tool} is not in the tool list the server gives, so its definition cannot be checked against its pin`;
      if (cur === null) return `the definition of tool ${tool} is not one Gatehouse can register, so it cannot be checked against its pin`;
      if (this.registeredSha.get(tool) !== cur.sha) {
        this.ready = true;
        this.schedule(false);
        await this.idle();
        if (this.current(tool)?.sha !== cur.sha) continue; // a newer definition arrived meanwhile: check that one
        if (this.registeredSha.get(tool) !== cur.sha) return this.unregistered(tool);
      }
      if (this.pinned.get(tool) === cur.sha) return null;
      let pin: string;
      try {
        pin = (await this.gatehouse.call((api) => api.mcpToolPin(this.o.serverId, tool))).sha256;
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 404)) return failureReason(e);
        // Gatehouse no longer knows the tool (its data was reset): register it again.
        this.registered = null;
        this.registeredSha.delete(tool);
        continue;
      }
      this.pinned.set(tool, pin);
      if (this.current(tool)?.sha !== cur.sha) continue;
      return pin === cur.sha ? null : `the definition of tool ${tool} changed since it was approved`;
    }
    return `the definition of tool ${tool} kept changing while it was being checked against its pin`;
  }
}
