import { z } from 'zod';
import { IsoTimeSchema } from './common.js';

/** `server.json` in the data directory (SPEC 1). */
export const ServerInfoSchema = z.object({
  url: z.string(),
  port: z.number().int(),
  pid: z.number().int(),
  started_at: IsoTimeSchema,
  version: z.string(),
  mode: z.enum(['desktop', 'headless']).optional(),
});
export type ServerInfo = z.infer<typeof ServerInfoSchema>;

/** `credentials.json` in the data directory (SPEC 1). */
export const CredentialsSchema = z.object({
  agent_key: z.string().startsWith('gk_agent_'),
  admin_key: z.string().startsWith('gk_admin_'),
});
export type Credentials = z.infer<typeof CredentialsSchema>;

export const HealthSchema = z.object({ status: z.literal('healthy'), version: z.string(), uptime_s: z.number() });
export type Health = z.infer<typeof HealthSchema>;

export const DeploymentInfoSchema = z.object({
  name: z.literal('gatehouse'),
  version: z.string(),
  api_version: z.string(),
  mode: z.enum(['desktop', 'headless']),
  storage: z.object({ writable: z.boolean() }),
});
export type DeploymentInfo = z.infer<typeof DeploymentInfoSchema>;

export const SessionSchema = z.object({
  authenticated: z.boolean(),
  scope: z.enum(['agent', 'admin']).nullable(),
  /** Without a session: the exact command that prints a fresh login link for this server (SPEC 4). */
  login_command: z.string().optional(),
});
