import type { ActionRequest } from '../../../src-shared/schemas/action.js';

/**
 * The agents Gatehouse plugs into through their own pre-tool hooks (SPEC 9.1, 9.4). Everything here
 * is pure and imports neither zod nor HTTP: the Node fallback transport bundles it too.
 */
export const HOOK_AGENTS = ['claude-code', 'codex', 'gemini', 'cursor', 'copilot', 'windsurf', 'cline'] as const;
export type HookAgent = (typeof HOOK_AGENTS)[number];
export const isHookAgent = (s: string): s is HookAgent => (HOOK_AGENTS as readonly string[]).includes(s);

/** Exactly what the hook process prints and exits with. */
export interface HookAnswer {
  stdout: string;
  stderr: string;
  exit_code: number;
}

/** What to answer when Gatehouse cannot decide (unreachable, internal error, garbage input). */
export type OnError = 'ask' | 'deny' | 'pass';
export const ON_ERROR_MODES: readonly OnError[] = ['ask', 'deny', 'pass'];

/**
 * Gatehouse's answer for one tool call, before it is put in the agent's words:
 * - `allow`: a deciding `allow` policy (a remembered answer included) or a person approved it;
 * - `pass`: no opinion — the agent's own permission rules and prompt apply (a fallback allow);
 * - `deny`: denied, rejected, expired or withdrawn, with the reason;
 * - `ask`: Gatehouse cannot decide (error, or the hold ran out): the agent should ask its user.
 */
export type VerdictKind = 'allow' | 'pass' | 'deny' | 'ask';
export interface Verdict {
  kind: VerdictKind;
  reason: string;
}

/** A tool call read from the agent's hook input. */
export interface HookCall {
  kind: 'call';
  /** The agent's own event name (`PreToolUse`, `beforeShellExecution`, ...). */
  event: string;
  request: ActionRequest;
  /** A key identifying this tool call across the agent's events (Claude Code's PermissionRequest). */
  callKey?: string;
}

/** An input the hook answers without recording an action. */
export interface HookLocal {
  kind: 'local';
  event: string;
  verdict: Verdict;
  /** Claude Code's PermissionRequest: answer from the decision already made for the same call. */
  lookupCallKey?: string;
}

export type ParsedHook = HookCall | HookLocal;

/** The input could not be read: answered with the failure form. */
export class HookInputError extends Error {
  override readonly name = 'HookInputError';
  constructor(
    message: string,
    readonly event: string | null = null,
  ) {
    super(message);
  }
}

/** One agent's hook contract: how to read its input and how to answer it. */
export interface HookAdapter {
  agent: HookAgent;
  /** The `agent_id` its actions carry. */
  agentId: string;
  displayName: string;
  /** Reads the hook's stdin JSON (already parsed); throws HookInputError on anything unusable. */
  parse(input: Record<string, unknown>): ParsedHook;
  /** Puts a verdict in the agent's words for `event` (null when the event is unknown). */
  render(verdict: Verdict, event: string | null): HookAnswer;
  /** Whether the agent can ask its user for this event (else a timeout or error answers deny). */
  canAsk(event: string | null): boolean;
  /**
   * The agent's documented hook timeout and how long the hook holds a pending approval by default
   * (a little less than the timeout `hook install` writes).
   */
  defaultWaitS: number;
  /** Largest hold the agent allows (Cline's 30 s limit is fixed), or null. */
  maxWaitS: number | null;
  /**
   * For the shell transport, which cannot parse JSON: the `hook_event_name` values that select the
   * event whose failure form applies (checked in order; the last entry, `null`, is the default).
   * Only the first `hook_event_name` of the input counts: the agents write it before the tool's
   * input, where a key of the same name may also appear.
   */
  failureEvents: { named: string[] | null; event: string | null }[];
}
