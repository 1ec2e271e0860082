import type { CompleteRequest } from '../../../src-shared/index.js';
import { clip } from '../shared/resource.js';
import type { GatehouseLink } from './gatehouse.js';
import { exactMessage, idKey, type Frame, type Msg } from './jsonrpc.js';
import type { Relay } from './relay.js';
import type { Session } from './session.js';

/**
 * Settling the calls the proxy let through (SPEC 9.2): every forwarded call ends in the log — with
 * the server's answer, `cancelled` when the client cancels and the server does not answer anyway,
 * the real result of its task when it ends, or the reason the session ended — so that no action
 * stays `allowed` forever. Also the proxy's reports to Gatehouse (outcomes and withdrawals).
 */
export interface OutcomeOptions {
  /** After the client cancels a forwarded call, how long the server's own answer is awaited. */
  cancelGraceMs: number;
  /** How long a call answered `input_required` waits for the client's retry (2026-07-28). */
  inputRetryMs: number;
  /** Outcome reports are sent together this long after the first one (0: at once). */
  reportDelayMs: number;
  log: (line: string) => void;
}

const MAX_RESULT_REPORT = 8 * 1024;
const TERMINAL_TASK = new Set(['completed', 'failed', 'cancelled']);

/** A call that was let through and has not ended yet. */
interface Open {
  actionId: string;
  method: string;
  startedMs: number;
  callKey: string;
  settled: boolean;
  timer: NodeJS.Timeout | null;
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

export class Outcomes {
  /** Forwarded calls waiting for the server's answer, by request id. */
  private readonly forwarded = new Map<string, Open>();
  /** Calls answered with a task (2025-11-25 `tasks`), by task id. */
  private readonly tasks = new Map<string, Open>();
  /** Calls answered `input_required` (2026-07-28), waiting for the client's retry, by call. */
  private readonly awaitingInput = new Map<string, Open>();
  private readonly pendingReports = new Set<Promise<void>>();
  private readonly reports: { actionId: string; body: CompleteRequest }[] = [];
  private reportTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly relay: Relay,
    private readonly gatehouse: GatehouseLink,
    private readonly session: Session,
    private readonly o: OutcomeOptions,
  ) {}

  /** A call that is being forwarded now: its answer settles it. */
  opened(requestKey: string, actionId: string, method: string, callKey: string): void {
    this.forwarded.set(requestKey, { actionId, method, startedMs: Date.now(), callKey, settled: false, timer: null });
  }

  /** Whether a server answer belongs to a call being settled here. */
  isOpen(id: unknown): boolean {
    return this.forwarded.has(idKey(id));
  }

  /**
   * A retry of a call the server answered `input_required` (it carries the client's input): the
   * same call, already decided, so it goes on under the same action. True when it was one.
   */
  resumed(requestKey: string, callKey: string, params: Msg): boolean {
    const waiting = this.awaitingInput.get(callKey);
    if (!waiting || waiting.settled || !('requestState' in params || 'inputResponses' in params)) return false;
    this.awaitingInput.delete(callKey);
    if (waiting.timer) clearTimeout(waiting.timer);
    waiting.timer = null;
    this.forwarded.set(requestKey, waiting);
    return true;
  }

  /** The client cancelled a forwarded call: the server may still answer; if it does not, the call was cancelled. */
  cancelled(k: string, reason: unknown): void {
    const open = this.forwarded.get(k);
    if (open && !open.timer) {
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
    // Reported with its numbers exact: Gatehouse refuses a rounded integer rather than store it altered.
    this.settle(open, this.outcome(open, exactMessage(f), f.raw.length));
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
  report(actionId: string, body: CompleteRequest): void {
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

  track(p: Promise<void>): Promise<void> {
    this.pendingReports.add(p);
    void p.finally(() => this.pendingReports.delete(p));
    return p;
  }

  /** The session is over: every call still open is settled as failed with `error`; resolves once Gatehouse has been told (or `waitMs` passed). */
  async end(error: string, waitMs = 5_000): Promise<void> {
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
