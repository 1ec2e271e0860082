import type { ActionRequest, ActionStatus, CompleteRequest, Decision } from '../../../src-shared/index.js';
import { jcs } from '../../audit/chain.js';
import { clip, resourceFromArgs } from '../shared/resource.js';
import { failureReason, type GatehouseLink } from './gatehouse.js';
import { duplicateKey, echoText, idKey, idText, memberText, type Frame, type Msg } from './jsonrpc.js';
import type { Relay } from './relay.js';
import type { Session } from './session.js';

/**
 * Governance of the calls that act (SPEC 9.2): each `tools/call` (and, with `--govern-reads`,
 * `resources/read` and `prompts/get`) is decided by Gatehouse before the server sees it, and every
 * call that was let through is settled in the log — by its answer, by a cancel, by the server
 * exiting, by the end of its task — so that no action stays `allowed` forever.
 */
export interface GovernanceOptions {
  serverId: string;
  agentId: string;
  /** Seconds to wait for a pending approval before refusing the call (and withdrawing it). */
  waitS: number;
  governReads: boolean;
  /** While a call with a progressToken is held, a `notifications/progress` this often. SPEC: 10 s. */
  progressIntervalMs: number;
  /** After the client cancels a forwarded call, how long the server's own answer is awaited. */
  cancelGraceMs: number;
  /** How long a call answered `input_required` waits for the client's retry (2026-07-28). */
  inputRetryMs: number;
  /** Outcome reports are sent together this long after the first one (0: at once). */
  reportDelayMs: number;
  log: (line: string) => void;
}

/** Why a tool's calls are blocked before evaluation (its definition changed since it was pinned), or null. */
export type PinCheck = (tool: string) => Promise<string | null>;

const MAX_RESULT_REPORT = 8 * 1024;
const TERMINAL_TASK = new Set(['completed', 'failed', 'cancelled']);

interface Held {
  cancelled: boolean;
  /** Why it was cancelled (the client's reason, or the session ending). */
  cancelReason: string;
  actionId: string | null;
  withdrawn: boolean;
}

/** A call that was let through and has not ended yet. */
interface Open {
  actionId: string;
  method: string;
  startedMs: number;
  callKey: string;
  settled: boolean;
  timer: NodeJS.Timeout | null;
}

export function blockedResult(reason: string, extras: Msg = {}) {
  return { content: [{ type: 'text', text: `Blocked by Gatehouse: ${reason}` }], isError: true, ...extras };
}

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

/**
 * A result small enough to store with the action; big ones are summarised. `rawSize` (the length of
 * the message it came in) spares serialising a large result again just to find that it is large.
 */
function reportableResult(result: unknown, rawSize: number): unknown {
  const summary = (size: number) => {
    const content = (result as { content?: unknown })?.content;
    return {
      truncated: true,
      size,
      content_types: Array.isArray(content) ? content.slice(0, 100).map((c) => (c as { type?: unknown })?.type ?? null) : null,
      preview: clip(resultText(result), 2_000),
    };
  };
  if (rawSize > 4 * MAX_RESULT_REPORT) return summary(rawSize);
  let json: string | undefined;
  try {
    json = JSON.stringify(result);
  } catch {
    return null;
  }
  if (json === undefined) return null;
  return json.length <= MAX_RESULT_REPORT ? result : summary(json.length);
}

const asObject = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

export class Governance {
  private readonly held = new Map<string, Held>();
  /** Forwarded calls waiting for the server's answer, by request id. */
  private readonly forwarded = new Map<string, Open>();
  /** Calls answered with a task (2025-11-25 `tasks`), by task id. */
  private readonly tasks = new Map<string, Open>();
  /** Calls answered `input_required` (2026-07-28), waiting for the client's retry, by call. */
  private readonly awaitingInput = new Map<string, Open>();
  private readonly pendingReports = new Set<Promise<void>>();
  private readonly reports: { actionId: string; body: CompleteRequest }[] = [];
  private reportTimer: NodeJS.Timeout | null = null;
  private serverName: string | undefined;

  constructor(
    private readonly relay: Relay,
    private readonly gatehouse: GatehouseLink,
    private readonly session: Session,
    private readonly pinCheck: PinCheck,
    private readonly o: GovernanceOptions,
  ) {}

  setServerName(name: string | undefined): void {
    this.serverName = name;
  }

  governs(method: string): boolean {
    return method === 'tools/call' || (this.o.governReads && (method === 'resources/read' || method === 'prompts/get'));
  }

  /** Whether a server answer belongs to a call this governs (the router forwards it, then calls `answered`). */
  isOpen(id: unknown): boolean {
    return this.forwarded.has(idKey(id));
  }

  // --- deciding ------------------------------------------------------------------------------

  private actionFor(method: string, params: Record<string, unknown>): ActionRequest {
    const server = this.serverName ?? this.o.serverId;
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
    const s = d as Partial<ActionStatus>;
    const how =
      s.status === 'rejected'
        ? 'rejected'
        : s.status === 'expired'
          ? 'approval expired'
          : s.status === 'withdrawn'
            ? 'withdrawn'
            : 'denied';
    const comment = s.comment ? ` — “${s.comment}”` : '';
    return { allowed: false, reason: `${how}: ${d.reason}${comment} (action ${d.action_id})` };
  }

  /** Withdraws a cancelled held call's action once (it may not exist yet: then when it does). */
  private withdrawHeld(h: Held): void {
    if (!h.actionId || h.withdrawn) return;
    h.withdrawn = true;
    void this.withdraw(h.actionId, h.cancelReason);
  }

  private withdraw(actionId: string, reason: string): Promise<void> {
    return this.track(
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
    const params = asObject(f.msg.params);
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
    const waiting = this.awaitingInput.get(callKey);
    if (waiting && !waiting.settled && ('requestState' in params || 'inputResponses' in params)) {
      this.awaitingInput.delete(callKey);
      if (waiting.timer) clearTimeout(waiting.timer);
      waiting.timer = null;
      this.forwarded.set(k, waiting);
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
        this.report(verdict.actionId, {
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
      this.report(verdict.actionId, {
        status: 'failure',
        error: 'server exited',
        result: { reason: 'the server exited before the call could be sent' },
      });
      this.refuse(f, method, 'the MCP server has exited');
      return;
    }
    this.forwarded.set(k, { actionId: verdict.actionId, method, startedMs: Date.now(), callKey, settled: false, timer: null });
    this.relay.toServer(f.raw, f);
  }

  // --- settling ------------------------------------------------------------------------------

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
    const open = this.forwarded.get(k);
    if (open && !open.timer) {
      // The server may still answer (then that answer is the outcome); if it does not, the call was cancelled.
      open.timer = setTimeout(() => {
        if (this.forwarded.get(k) !== open) return;
        this.forwarded.delete(k);
        this.settle(open, {
          status: 'failure',
          error: 'cancelled',
          ...(typeof reason === 'string' ? { result: { reason: clip(reason, 2_000) } } : {}),
        });
      }, this.o.cancelGraceMs);
      open.timer.unref();
    }
    return false;
  }

  /** The server answered a forwarded call (already relayed to the client). */
  answered(f: Frame): void {
    const k = idKey(f.msg.id);
    const open = this.forwarded.get(k);
    if (!open) return;
    this.forwarded.delete(k);
    if (open.timer) clearTimeout(open.timer);
    open.timer = null;
    const result = f.msg.result as Record<string, unknown> | undefined;
    const task = asObject(result?.task);
    if (!('error' in f.msg) && typeof task.taskId === 'string') {
      this.trackTask(task.taskId, typeof task.status === 'string' ? task.status : 'working', open);
      return;
    }
    if (!('error' in f.msg) && result?.resultType === 'input_required') {
      this.awaitingInput.set(open.callKey, open);
      open.timer = setTimeout(() => {
        if (this.awaitingInput.get(open.callKey) !== open) return;
        this.awaitingInput.delete(open.callKey);
        this.settle(open, { status: 'failure', error: 'the client never answered the server’s request for input' });
      }, this.o.inputRetryMs);
      open.timer.unref();
      return;
    }
    this.settle(open, this.outcome(open, f.msg, f.raw.length));
  }

  private outcome(open: Open, m: Msg, rawSize: number): CompleteRequest {
    const duration_ms = Date.now() - open.startedMs;
    if ('error' in m && m.error) {
      const err = asObject(m.error);
      return { status: 'failure', error: clip(`MCP error ${String(err.code ?? '')}: ${String(err.message ?? '')}`, 8_000), duration_ms };
    }
    const result = m.result as { isError?: unknown } | undefined;
    if (open.method === 'tools/call' && result?.isError === true) {
      return {
        status: 'failure',
        error: clip(resultText(result) || 'the tool returned an error', 8_000),
        result: reportableResult(result, rawSize),
        duration_ms,
      };
    }
    return { status: 'success', result: reportableResult(result, rawSize), duration_ms };
  }

  private trackTask(taskId: string, status: string, open: Open): void {
    this.tasks.set(taskId, open);
    if (TERMINAL_TASK.has(status) && status !== 'completed') {
      this.taskEnded(taskId, status, undefined);
      return;
    }
    // tasks/result answers once the task has ended, with the call's real result.
    void this.relay
      .request('tasks/result', this.session.ownParams({ taskId }), 0)
      .then((m) => {
        const o = this.tasks.get(taskId);
        if (!o) return;
        this.tasks.delete(taskId);
        this.settle(o, this.outcome(o, m, 0));
      })
      .catch((e: Error) => this.o.log(`could not follow task ${taskId}: ${e.message}`));
  }

  /** `notifications/tasks/status` from the server (relayed to the client as well). */
  taskStatus(params: unknown): void {
    const p = asObject(params);
    if (typeof p.taskId !== 'string' || typeof p.status !== 'string') return;
    if (p.status === 'failed' || p.status === 'cancelled') this.taskEnded(p.taskId, p.status, p.statusMessage);
  }

  private taskEnded(taskId: string, status: string, message: unknown): void {
    const o = this.tasks.get(taskId);
    if (!o) return;
    this.tasks.delete(taskId);
    const detail = typeof message === 'string' && message ? `: ${clip(message, 2_000)}` : '';
    this.settle(o, {
      status: 'failure',
      error: status === 'cancelled' ? 'cancelled' : `task failed${detail}`,
      duration_ms: Date.now() - o.startedMs,
    });
  }

  private settle(open: Open, body: CompleteRequest): void {
    if (open.settled) return;
    open.settled = true;
    if (open.timer) clearTimeout(open.timer);
    this.report(open.actionId, body);
  }

  /**
   * Reports an outcome. Outcomes are sent together a moment later (`reportDelayMs`) rather than
   * one by one: each is a durable write in Gatehouse, and sent at once it would take the disk just
   * when the next call's decision needs it — batched, they share a commit off the decision's path.
   */
  private report(actionId: string, body: CompleteRequest): void {
    this.reports.push({ actionId, body });
    if (this.reportTimer) return;
    if (this.o.reportDelayMs <= 0) {
      this.sendReports();
      return;
    }
    this.reportTimer = setTimeout(() => this.sendReports(), this.o.reportDelayMs);
    this.reportTimer.unref();
  }

  private sendReports(): void {
    if (this.reportTimer) clearTimeout(this.reportTimer);
    this.reportTimer = null;
    const batch = this.reports.splice(0);
    for (const { actionId, body } of batch) {
      this.track(
        this.gatehouse
          .call((api) => api.complete(actionId, body))
          .then(() => undefined)
          .catch((e: Error) => this.o.log(`could not report the outcome of ${actionId}: ${e.message}`)),
      );
    }
  }

  private track(p: Promise<void>): Promise<void> {
    this.pendingReports.add(p);
    void p.finally(() => this.pendingReports.delete(p));
    return p;
  }

  /**
   * The session is over (`server exited`, or the client left and the server was stopped): every
   * call still open is settled as failed, every held one withdrawn; resolves once Gatehouse has
   * been told (or `waitMs` passed).
   */
  async end(error: string, waitMs = 5_000): Promise<void> {
    for (const h of this.held.values()) {
      h.cancelled = true;
      h.cancelReason = `the MCP session ended (${error})`;
      this.withdrawHeld(h);
    }
    const open = [...this.forwarded.values(), ...this.tasks.values(), ...this.awaitingInput.values()];
    this.forwarded.clear();
    this.tasks.clear();
    this.awaitingInput.clear();
    for (const o of open) this.settle(o, { status: 'failure', error, duration_ms: Date.now() - o.startedMs });
    await this.flush(waitMs);
  }

  /** Resolves when every report to Gatehouse so far has been sent (or `waitMs` passed). */
  async flush(waitMs = 5_000): Promise<void> {
    this.sendReports();
    const all = Promise.allSettled([...this.pendingReports]);
    await Promise.race([all, new Promise((r) => setTimeout(r, waitMs).unref())]);
  }
}
