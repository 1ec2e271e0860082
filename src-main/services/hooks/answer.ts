import type { HookResult, HookService } from './service.js';
import { adapterOf } from './registry.js';
import type { HookAgent, OnError } from './types.js';
import { holdSeconds } from './verdict.js';

/**
 * What `POST /api/v1/hooks/{agent}` does, in one call (the route only reads the request and writes
 * the response): hold within the agent's limit, decide, answer.
 */
export function answerHook(
  hooks: HookService,
  agent: HookAgent,
  text: string,
  q: { wait?: number; on_error: OnError },
  who: { keyId: string; scope: 'agent' | 'admin'; agentId: string | null },
  signal?: AbortSignal,
): Promise<HookResult> {
  return hooks.handle(agent, text, {
    caller: { boundAgentId: who.agentId, keyId: who.keyId },
    ownerKeyId: who.scope === 'agent' ? who.keyId : null,
    waitS: holdSeconds(adapterOf(agent), q.wait ?? null),
    onError: q.on_error,
    signal,
  });
}

/** The sh transport's form: `gatehouse-hook/1 <exit code>`, one stderr line, then the stdout bytes. */
export function rawAnswer(a: HookResult): string {
  return `gatehouse-hook/1 ${a.exit_code}\n${a.stderr.replace(/[\r\n]+/g, ' ').trim()}\n${a.stdout}`;
}
