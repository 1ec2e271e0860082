import type { ActionRequest, ActionStatus, Decision } from '../../../src-shared/index.js';
import { jcs } from '../../audit/chain.js';
import { clip, resourceFromArgs } from '../../services/tool-call.js';
import { failureReason, type GatehouseLink } from './gatehouse.js';
import { duplicateKey, echoText, exactParams, idKey, idText, memberText, type Frame, type Msg } from './jsonrpc.js';
import type { Outcomes } from './outcomes.js';
import type { Relay } from './relay.js';
import type { Session } from './session.js';

/**
 * Deciding the calls that act (SPEC 9.2): each `tools/call` (and, with `--govern-reads`,
 * `resources/read` and `prompts/get`) is decided by Gatehouse before the server sees it — refused
 * when its tool's definition is not the pinned one, held (with progress) while a person decides,
 * withdrawn when the client gives up. A call let through is handed to `Outcomes` to be settled.
 */
export interface GovernanceOptions {
  serverId: string;
  agentId: string;
  /** Seconds to wait for a pending approval before refusing the call (and withdrawing it). */
  waitS: number;
  governReads: boolean;
  /** While a call with a progressToken is held, a `notifications/progress` this often. SPEC: 10 s. */
  progressIntervalMs: number;
  /** The server's own name, once known (for the action's description). */
  serverName: () => string | undefined;
  log: (line: string) => void;
}

/** Why a tool's calls are blocked before evaluation (its definition changed since it was pinned), or null. */
export type PinCheck = (tool: string) => Promise<string | null>;

interface Held {
  cancelled: boolean;
  /** Why it was cancelled (the client's reason, or the session ending). */
  cancelReason: string;
  actionId: string | null;
  withdrawn: boolean;
}

export function blockedResult(reason: string, extras: Msg = {}) {
  return { content: [{ type: 'text', text: `Blocked by Gatehouse: ${reason}` }], isError: true, ...extras };
}

const asObject = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

export class Governance {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly relay: Relay,
    private readonly gatehouse: GatehouseLink,
    private readonly session: Session,
    private readonly pinCheck: PinCheck,
    private readonly outcomes: Outcomes,
    private readonly o: GovernanceOptions,
  ) {}

  governs(method: string): boolean {
    return method === 'tools/call' || (this.o.governReads && (method === 'resources/read' || method === 'prompts/get'));
  }

  // --- deciding ------------------------------------------------------------------------------

  private actionFor(method: string, params: Record<string, unknown>): ActionRequest {
    const server = this.o.serverName() ?? this.o.serverId;
    if (method === 'resources/read') {
      const uri = typeof params.uri === 'string' ? params.uri : '';
      return {
        agent_id: this.o.agentId,
        action_type: 'mcp.resource_read',
        mcp: { server_id: clip(this.o.serverId, 128) },
        resource: clip(uri || `mcp://${this.o.serverId}/resources`, 16_384),
        parameters: { uri },
        description: clip(`MCP resource read: ${uri} on ${server}`, 1000),
      };
    }
    const name = typeof params.name === 'string' && params.name ? params.name : 'unknown';
    const args = asObject(params.arguments);
    if (method === 'prompts/get') {
      return {
        agent_id: this.o.agentId,
        action_type: 'mcp.prompt_get',
        tool_name: clip(name, 256),
        mcp: { server_id: clip(this.o.serverId, 128) },
        resource: clip(`mcp://${this.o.serverId}/prompts/${name}`, 16_384),
        parameters: args,
        description: clip(`MCP prompt: ${name} on ${server}`, 1000),
      };
    }
    return {
      agent_id: this.o.agentId,
      action_type: 'mcp.tool_call',
      tool_name: clip(name, 256),
      mcp: { server_id: clip(this.o.serverId, 128), tool: clip(name, 256) },
      resource: clip(resourceFromArgs(args) ?? `mcp://${this.o.serverId}/${name}`, 16_384),
      parameters: args,
      description: clip(`MCP tool call: ${name} on ${server}`, 1000),
    };
  }

  /** The call itself, without per-request metadata: what an approval is bound to. */
  private callKey(method: string, params: Record<string, unknown>): string {
    try {
      return `${method} ${jcs(method === 'resources/read' ? { uri: params.uri ?? null } : { name: params.name ?? null, arguments: params.arguments ?? null })}`;
    } catch {
      return `${method} ${Math.random()}`; // not canonicalisable: never matches another call
    }
  }

  private async decide(
    action: ActionRequest,
    h: Held,
    onPending: (actionId: string) => void,
  ): Promise<{ allowed: true; actionId: string } | { allowed: false; reason: string }> {
    let d: Decision | ActionStatus;
    try {
      d = await this.gatehouse.call((api) => api.submit(action));
    } catch (e) {
      return { allowed: false, reason: failureReason(e) };
    }
    h.actionId = d.action_id;
    if (d.decision === 'pending') onPending(d.action_id);
    const deadline = Date.now() + this.o.waitS * 1000;
    try {
      while (d.decision === 'pending') {
        if (h.cancelled) {
          this.withdrawHeld(h);
          return { allowed: false, reason: 'the call was cancelled while waiting for approval' };
        }
        const remaining = Math.floor((deadline - Date.now()) / 100) / 10; // seconds, to the tenth
        if (remaining <= 0) {
          void this.withdraw(d.action_id, `the MCP proxy stopped waiting after ${this.o.waitS} s`);
          return { allowed: false, reason: `no decision within ${this.o.waitS} s (action ${d.action_id} was withdrawn)` };
        }
        const id: string = d.action_id;
        d = await this.gatehouse.call<ActionStatus>((api) => api.status(id, Math.min(60, remaining)));
      }
    } catch (e) {
      if (h.actionId) void this.withdraw(h.actionId, 'the MCP proxy lost contact with Gatehouse while waiting');
      return { allowed: false, reason: failureReason(e) };
    }
    if (d.decision === 'allowed') return { allowed: true, actionId: d.action_id };
    // SPEC 9.2: "Blocked by Gatehouse: <reason>" — the decision's own reason ("Rejected by user", "Matched
    // policy …", "No answer before the approval expired …") already says how it ended; a person's comment follows.
    const comment = (d as Partial<ActionStatus>).comment;
    return { allowed: false, reason: `${d.reason}${comment ? ` — “${comment}”` : ''}` };
  }

  /** Withdraws a cancelled held call's action once (it may not exist yet: then when it does). */
  private withdrawHeld(h: Held): void {
    if (!h.actionId || h.withdrawn) return;
    h.withdrawn = true;
    void this.withdraw(h.actionId, h.cancelReason);
  }

  private withdraw(actionId: string, reason: string): Promise<void> {
    return this.outcomes.track(
      this.gatehouse
        .call((api) => api.withdraw(actionId, { reason: clip(reason, 4_000) }))
        .then(() => undefined)
        .catch((e: Error) => this.o.log(`could not withdraw ${actionId}: ${e.message}`)),
    );
  }

  /** Writes the proxy's own answer to a refused call. */
  private refuse(f: Frame, method: string, reason: string): void {
    const id = idText(f);
    if (method === 'tools/call') {
      this.relay.sendToClient(
        `{"jsonrpc":"2.0","id":${id},"result":${JSON.stringify(blockedResult(reason, this.session.resultExtras()))}}`,
      );
    } else {
      this.relay.sendToClient(
        `{"jsonrpc":"2.0","id":${id},"error":${JSON.stringify({ code: -32001, message: `Blocked by Gatehouse: ${reason}` })}}`,
      );
    }
  }

  /** Sends `notifications/progress` while a call that asked for progress is held for approval. */
  private startProgress(f: Frame, actionId: string): NodeJS.Timeout | null {
    const meta = asObject(asObject(f.msg.params)._meta);
    const token = meta.progressToken;
    if (typeof token !== 'string' && typeof token !== 'number') return null;
    const tokenText = echoText(token, () => {
      const params = memberText(f.raw, 'params');
      const m = params && memberText(params, '_meta');
      return m && memberText(m, 'progressToken');
    });
    let n = 0;
    const tick = () => {
      n++;
      const params = `{"progressToken":${tokenText},"progress":${n},"message":${JSON.stringify(`Waiting for approval in Gatehouse (action ${actionId})`)}}`;
      this.relay.sendToClient(`{"jsonrpc":"2.0","method":"notifications/progress","params":${params}}`);
    };
    tick(); // at once (the wait starts now), then every interval
    const timer = setInterval(tick, this.o.progressIntervalMs);
    timer.unref();
    return timer;
  }

  /** Decides a governed request; forwards its exact text when allowed, answers it when not. */
  gate(f: Frame): void {
    void this.gateAsync(f).catch((e: Error) => {
      this.o.log(`internal error while deciding a call: ${e.message}`);
      this.refuse(f, String(f.msg.method), `internal error in the MCP proxy (${e.message})`);
    });
  }

  private async gateAsync(f: Frame): Promise<void> {
    const method = String(f.msg.method);
    // Evaluated with its numbers exact (an integer beyond 2^53 as its text), never rounded.
    const params = exactParams(f);
    const k = idKey(f.msg.id);
    // Parsers disagree on which of two equal keys wins: what Gatehouse decides could differ from what the server runs.
    const dup = duplicateKey(f.raw);
    if (dup !== null) {
      this.refuse(
        f,
        method,
        `the request repeats the key "${clip(dup, 100)}", so what Gatehouse evaluates could differ from what the server runs`,
      );
      return;
    }
    const callKey = this.callKey(method, params);

    // A retry of a call the server answered `input_required` is the same call, already decided.
    if (this.outcomes.resumed(k, callKey, params)) {
      this.relay.toServer(f.raw, f);
      return;
    }

    const h: Held = { cancelled: false, cancelReason: '', actionId: null, withdrawn: false };
    this.held.set(k, h);
    let progress: NodeJS.Timeout | null = null;
    let verdict: Awaited<ReturnType<Governance['decide']>>;
    try {
      const blocked = method === 'tools/call' ? await this.pinCheck(typeof params.name === 'string' ? params.name : '') : null;
      if (blocked) {
        if (!h.cancelled) this.refuse(f, method, blocked);
        return;
      }
      if (h.cancelled) return; // cancelled before it was even submitted
      verdict = await this.decide(this.actionFor(method, params), h, (actionId) => (progress = this.startProgress(f, actionId)));
    } finally {
      this.held.delete(k);
      if (progress) clearInterval(progress);
    }
    if (h.cancelled) {
      // The client gave up; the server never saw the call. An allowed verdict that raced the cancel is settled here.
      if (verdict.allowed)
        this.outcomes.report(verdict.actionId, {
          status: 'failure',
          error: 'cancelled',
          result: { reason: 'cancelled by the client before it ran' },
        });
      return;
    }
    if (!verdict.allowed) {
      this.refuse(f, method, verdict.reason);
      return;
    }
    if (this.relay.serverGone) {
      this.outcomes.report(verdict.actionId, {
        status: 'failure',
        error: 'server exited',
        result: { reason: 'the server exited before the call could be sent' },
      });
      this.refuse(f, method, 'the MCP server has exited');
      return;
    }
    this.outcomes.opened(k, verdict.actionId, method, callKey);
    this.relay.toServer(f.raw, f);
  }

  // --- the client gives up -----------------------------------------------------------------

  /** The client's `notifications/cancelled`; true when the proxy takes it (the server never saw the call). */
  clientCancelled(requestId: unknown, reason: unknown): boolean {
    const k = idKey(requestId);
    const h = this.held.get(k);
    if (h) {
      h.cancelled = true;
      h.cancelReason = `the MCP client cancelled the call${typeof reason === 'string' ? `: ${clip(reason, 2_000)}` : ''}`;
      this.withdrawHeld(h); // at once if the action exists; else as soon as its decision arrives
      return true;
    }
    this.outcomes.cancelled(k, reason);
    return false;
  }

  /**
   * The session is over (`server exited`, or the client left and the server was stopped): every
   * held call is withdrawn and every open one settled as failed; resolves once Gatehouse has been
   * told (or `waitMs` passed).
   */
  async end(error: string, waitMs = 5_000): Promise<void> {
    for (const h of this.held.values()) {
      h.cancelled = true;
      h.cancelReason = `the MCP session ended (${error})`;
      this.withdrawHeld(h);
    }
    await this.outcomes.end(error, waitMs);
  }
}
