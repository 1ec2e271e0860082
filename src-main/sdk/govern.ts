/** `govern`: wraps a function so that every call is decided by Gatehouse first. */
import { reportable } from './action-body.js';
import type { GatehouseClient } from './client.js';
import type { ActionInput } from './types.js';

/** A callback given the governed function's arguments (any argument list fits). */
export type ArgsCallback<T> = (...args: never[]) => T;

export interface GovernOptions {
  /** The resource: fixed, or from the call's arguments (e.g. `(cmd: string) => cmd`). */
  resource?: string | ArgsCallback<string | undefined>;
  /** The parameters from the call's arguments (default `{ args }`). */
  parameters?: ArgsCallback<Record<string, unknown>>;
  /** More action fields (toolName, environment, context...), fixed or from the arguments. */
  action?: Omit<Partial<ActionInput>, 'actionType'> | ArgsCallback<Omit<Partial<ActionInput>, 'actionType'>>;
  /** Seconds to wait for an approval (default 300). */
  timeoutS?: number;
  /** Aborting stops a wait for approval: the action is withdrawn and the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** What `govern` makes of a function: same arguments, always async. */
export type Governed<F extends (...args: never[]) => unknown> = (...args: Parameters<F>) => Promise<Awaited<ReturnType<F>>>;

const apply = <T>(f: ArgsCallback<T>, args: unknown[]): T => (f as unknown as (...a: unknown[]) => T)(...args);

/**
 * Every call: evaluate, wait for an approval if needed, run, report the outcome (completed /
 * failed). Throws ActionDenied (and does not run the function) when the action is denied,
 * rejected or withdrawn, or ApprovalTimeout when no one answered in time.
 */
export function govern(
  client: GatehouseClient,
  actionType: string,
  o: GovernOptions = {},
): <F extends (...args: never[]) => unknown>(fn: F) => Governed<F> {
  return <F extends (...args: never[]) => unknown>(fn: F): Governed<F> =>
    async (...args: Parameters<F>): Promise<Awaited<ReturnType<F>>> => {
      const extra = typeof o.action === 'function' ? apply(o.action, args) : (o.action ?? {});
      const input: ActionInput = { ...extra, actionType };
      const resource = typeof o.resource === 'function' ? apply(o.resource, args) : o.resource;
      if (resource !== undefined) input.resource = String(resource);
      input.parameters = o.parameters ? apply(o.parameters, args) : ((reportable({ args }) as Record<string, unknown> | null) ?? {});
      if (!input.description)
        input.description = `${fn.name || 'function'}(${resource !== undefined ? String(resource).slice(0, 120) : ''})`;
      const d = await client.executeAction(input, { timeoutS: o.timeoutS, signal: o.signal });
      const id = d.failOpen ? null : d.actionId;
      const t0 = Date.now();
      let result: Awaited<ReturnType<F>>;
      try {
        result = (await apply(fn as unknown as ArgsCallback<unknown>, args)) as Awaited<ReturnType<F>>;
      } catch (e) {
        await client
          .logActionFailed(id, e, { durationMs: Date.now() - t0 })
          .catch((r: Error) => console.warn(`gatehouse: could not report the failure: ${r.message}`));
        throw e;
      }
      await client
        .logActionCompleted(id, { result, durationMs: Date.now() - t0 })
        .catch((r: Error) => console.warn(`gatehouse: could not report completion: ${r.message}`));
      return result;
    };
}
