import { z } from 'zod';
import { decimal, IsoTimeSchema, queryNumber } from './common.js';

/** SPEC 9.1 / 9.4: the agents whose own hooks Gatehouse answers. */
export const HookAgentSchema = z.enum(['claude-code', 'codex', 'gemini', 'cursor', 'copilot', 'windsurf', 'cline']);
export type HookAgentName = z.infer<typeof HookAgentSchema>;

/** `POST /api/v1/hooks/{agent}` query. */
export const HookQuerySchema = z
  .object({
    /** `raw`: the body is the hook's stdout, after a `gatehouse-hook/1 <exit code>` line and a stderr line (the sh transport). */
    format: z.enum(['json', 'raw']).default('json'),
    /** Seconds to hold a pending approval (within the agent's own hook timeout); default per agent. */
    wait: queryNumber(decimal().min(0).max(86_400)).optional(),
    /** What to answer when Gatehouse cannot decide: `ask` where the agent can (else its blocking form), `deny`, or `pass`. */
    on_error: z.enum(['ask', 'deny', 'pass']).default('ask'),
  })
  .strict();

/** Exactly what the hook process prints and exits with. */
export const HookAnswerSchema = z.object({
  stdout: z.string(),
  stderr: z.string(),
  exit_code: z.number().int(),
  action_id: z.string().nullable(),
  verdict: z.enum(['allow', 'pass', 'deny', 'ask']),
});
export type HookAnswerBody = z.infer<typeof HookAnswerSchema>;

/** One agent as `gatehouse hook status` and the console's Integrations page see it. */
export const IntegrationSchema = z.object({
  agent: HookAgentSchema,
  name: z.string(),
  agent_id: z.string(),
  /** Found on this machine: its config folder exists or its binary is on PATH. */
  found: z.boolean(),
  found_by: z.array(z.string()),
  /** Where the Gatehouse hook is wired in (user scope, and the project scopes `hook install` recorded). */
  installed: z.array(z.object({ scope: z.enum(['user', 'project', 'local']), path: z.string() })),
  can_ask: z.boolean(),
  last_call_at: IsoTimeSchema.nullable(),
  note: z.string().nullable(),
});
export type Integration = z.infer<typeof IntegrationSchema>;
export const IntegrationsSchema = z.object({ items: z.array(IntegrationSchema), data_dir: z.string() });
export type Integrations = z.infer<typeof IntegrationsSchema>;
