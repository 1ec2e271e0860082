import type { ActionRequest, ActionStatus, Decision } from '../../../src-shared/index.js';
import { readHookInput, type HookRead } from './read-input.js';
import { adapterOf } from './registry.js';
import type { HookAgent, HookAnswer, OnError, Verdict } from './types.js';
import { failureVerdict, renderVerdict, timeoutVerdict, verdictOf, type HookFallback } from './verdict.js';

/** What the hook service needs from the core (kept narrow: no HTTP, no storage). */
export interface HookPorts {
  submit(req: ActionRequest, caller: { boundAgentId: string | null; keyId: string | null }): Promise<Decision>;
  status(actionId: string, ownerKeyId: string | null): ActionStatus;
  waitForChange(actionId: string, ms: number): Promise<void>;
  withdraw(actionId: string, reason: string, ownerKeyId: string | null): Promise<ActionStatus>;
  fallback(): HookFallback;
  now(): number;
  /** The hook of `agent` called (hook status's "last call"). */
  noteCall(agent: HookAgent, ms: number): void;
  /** Reads an input as readHookInput does, off the main thread when big (default: readHookInput here). */
  readInput?(agent: HookAgent, text: string): Promise<HookRead>;
}

export interface HookCallOptions {
  caller: { boundAgentId: string | null; keyId: string | null };
  /** Agent keys see (and withdraw) only their own actions. */
  ownerKeyId: string | null;
  /** Seconds to hold a pending approval (already within the agent's limit). */
  waitS: number;
  onError: OnError;
  /** Aborted when the hook process goes away (client disconnect). */
  signal?: AbortSignal;
}

export interface HookResult extends HookAnswer {
  action_id: string | null;
  verdict: Verdict['kind'];
}

/** Margin kept between the end of the hold and the transport's own time limit. */
const HOLD_MARGIN_MS = 250;
const CALL_CACHE_MAX = 2_000;
const CALL_CACHE_TTL_MS = 15 * 60_000;

/**
 * The one place where an agent's hook input becomes a decision and the decision becomes the
 * agent's answer (SPEC 9.1, 9.4): parse → submit → hold a pending approval (withdrawn when the
 * hold ends or the hook goes away) → verdict → the agent's own words. Never throws: every failure
 * is answered in the agent's asking or blocking form.
 */
export class HookService {
  /** Claude Code: the verdict of each recent PreToolUse, for the PermissionRequest that may follow. */
  private readonly calls = new Map<string, { verdict: Verdict; at: number }>();

  constructor(private readonly ports: HookPorts) {}

  async handle(agent: HookAgent, text: string, o: HookCallOptions): Promise<HookResult> {
    const adapter = adapterOf(agent);
    let event: string | null = null;
    const fail = (what: string, action_id: string | null = null): HookResult => {
      const v = failureVerdict(adapter, event, o.onError, what);
      return { ...renderVerdict(adapter, v, event), action_id, verdict: v.kind };
    };
    this.ports.noteCall(agent, this.ports.now());
    const read = await (this.ports.readInput?.(agent, text) ?? readHookInput(agent, text));
    if ('failure' in read) {
      event = read.event;
      return fail(read.failure);
    }
    const parsed = read.parsed;
    event = parsed.event;
    if (parsed.kind === 'local') {
      let v = parsed.verdict;
      if (parsed.lookupCallKey) {
        const hit = this.calls.get(parsed.lookupCallKey);
        // Only a decision Gatehouse made itself answers the agent's own prompt; otherwise it shows.
        v =
          hit && this.ports.now() - hit.at < CALL_CACHE_TTL_MS && (hit.verdict.kind === 'allow' || hit.verdict.kind === 'deny')
            ? hit.verdict
            : { kind: 'pass', reason: '' };
      }
      return { ...renderVerdict(adapter, v, event), action_id: null, verdict: v.kind };
    }

    const what = `${adapter.displayName} ${parsed.request.action_type} call`;
    let actionId: string | null = null;
    try {
      let s: Decision | ActionStatus = await this.ports.submit(parsed.request, o.caller);
      actionId = s.action_id;
      const deadline = this.ports.now() + o.waitS * 1000 - HOLD_MARGIN_MS;
      while (s.decision === 'pending') {
        const left = deadline - this.ports.now();
        if (o.signal?.aborted || left <= 0) {
          const gone = !!o.signal?.aborted;
          const why = gone ? `the ${adapter.displayName} hook stopped waiting` : `nobody answered within ${o.waitS} s`;
          const after = await this.withdraw(actionId, `${why} (${adapter.displayName} hook)`, o.ownerKeyId);
          if (after && after.decision !== 'pending' && after.status !== 'withdrawn') {
            s = after; // a person answered in the last moment: that answer stands
            break;
          }
          if (!after || after.decision === 'pending') {
            // The withdrawal itself failed (storage, say): the request still waits in the inbox.
            const v = failureVerdict(
              adapter,
              event,
              'ask',
              `${why}, and the request could not be withdrawn: deny action ${actionId} in the console`,
            );
            return { ...renderVerdict(adapter, v, event), action_id: actionId, verdict: v.kind };
          }
          const v = timeoutVerdict(adapter, event, `${why} (action ${actionId})`);
          return { ...renderVerdict(adapter, v, event), action_id: actionId, verdict: v.kind };
        }
        await this.waitOrAbort(actionId, Math.min(left, 60_000), o.signal);
        s = this.ports.status(actionId, o.ownerKeyId);
      }
      const v = verdictOf(s, this.ports.fallback(), what) ?? {
        kind: 'ask' as const,
        reason: `Gatehouse is still deciding (action ${actionId})`,
      };
      if (parsed.callKey) this.remember(parsed.callKey, v);
      return { ...renderVerdict(adapter, v, event), action_id: actionId, verdict: v.kind };
    } catch (e) {
      if (actionId) await this.withdraw(actionId, `the ${adapter.displayName} hook failed`, o.ownerKeyId);
      return fail(`${(e as Error)?.message ?? String(e)}`, actionId);
    }
  }

  private async withdraw(actionId: string, reason: string, owner: string | null): Promise<ActionStatus | null> {
    try {
      return await this.ports.withdraw(actionId, reason, owner);
    } catch {
      // Already answered (409) or gone: report what it is now.
      try {
        return this.ports.status(actionId, owner);
      } catch {
        return null;
      }
    }
  }

  private waitOrAbort(actionId: string, ms: number, signal?: AbortSignal): Promise<void> {
    if (!signal) return this.ports.waitForChange(actionId, ms);
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      void this.ports.waitForChange(actionId, ms).then(done, done);
    });
  }

  private remember(key: string, verdict: Verdict): void {
    this.calls.delete(key);
    this.calls.set(key, { verdict, at: this.ports.now() });
    if (this.calls.size > CALL_CACHE_MAX) this.calls.delete(this.calls.keys().next().value!);
  }
}
