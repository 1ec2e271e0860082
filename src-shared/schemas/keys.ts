import { z } from 'zod';
import { AgentIdSchema, IsoTimeSchema } from './common.js';
import { ApproverNameSchema } from './workflows.js';

export const KeyScopeSchema = z.enum(['agent', 'admin']);
export type KeyScope = z.infer<typeof KeyScopeSchema>;

export const KeyCreateSchema = z
  .object({
    name: z.string().min(1).max(128),
    scope: KeyScopeSchema,
    agent_id: AgentIdSchema.optional(),
    /** SPEC 11: the approver an admin key answers workflow steps as (`team-lead`). */
    approver: ApproverNameSchema.optional(),
  })
  .strict()
  .refine((k) => !(k.approver && k.scope !== 'admin'), { path: ['approver'], message: 'only an admin key can be an approver' })
  // An admin key acts for every agent (it answers approvals, reads everything): bound to one it
  // would claim a limit it does not have. An agent key is what binds a caller to one agent.
  .refine((k) => !(k.agent_id !== undefined && k.scope === 'admin'), {
    path: ['agent_id'],
    message: 'an admin key cannot be bound to an agent: an agent key (scope agent) is what binds a caller to one agent',
  });
export type KeyCreate = z.infer<typeof KeyCreateSchema>;

/** The ids of the default keys of credentials.json (SPEC 1); the admin one answers as the owner and cannot be revoked. */
export const DEFAULT_ADMIN_KEY_ID = 'key_default_admin';
export const DEFAULT_AGENT_KEY_ID = 'key_default_agent';

/** A key as listed: never the secret. */
export const KeyViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  scope: KeyScopeSchema,
  agent_id: z.string().nullable(),
  /** The approver this key answers workflow steps as; null: none (the default admin key is `owner`). */
  approver: z.string().nullable(),
  prefix: z.string(),
  created_at: IsoTimeSchema,
  last_used_at: IsoTimeSchema.nullable(),
  revoked_at: IsoTimeSchema.nullable(),
});
export type KeyView = z.infer<typeof KeyViewSchema>;

/** Response of key creation: the only time the secret is shown. */
export const KeyCreatedSchema = KeyViewSchema.extend({ key: z.string() });
export type KeyCreated = z.infer<typeof KeyCreatedSchema>;
