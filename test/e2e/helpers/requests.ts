/**
 * Realistic requests the default policies hold for approval, for the approvals tests and their
 * screenshots: a force push, a production Stripe refund, a Terraform change, a production delete…
 */
import type { Decision } from '../../../src-shared/index.js';
import type { Server } from './gatehouse.js';

export const HELD = {
  forcePush: {
    agent_id: 'claude-code',
    action_type: 'shell.exec',
    resource: 'git push --force origin main',
    tool_name: 'Bash',
    parameters: { command: 'git push --force origin main' },
  },
  refund: {
    agent_id: 'billing-agent',
    action_type: 'payment.refund',
    resource: 'stripe://charges/ch_3PqLw2Hk9aXb',
    environment: 'production',
    description: 'Refund for a duplicate charge reported in ticket #4821',
    parameters: {
      charge: 'ch_3PqLw2Hk9aXb',
      amount: 12900,
      currency: 'usd',
      reason: 'duplicate',
      api_key: 'sk_live_51Habcdefghijklmnopqrstuvwx',
    },
    context: { is_production: true, customer: 'cus_Q1x9' },
  },
  terraform: {
    agent_id: 'infra-bot',
    action_type: 'terraform.apply',
    resource: 'aws/prod/vpc-core',
    environment: 'production',
    description: 'Widen the NAT gateway security group for the new batch workers',
    parameters: { plan: 'plan-2026-11-26.tfplan', changes: { add: 2, change: 3, destroy: 1 } },
    context: { environment: 'production' },
  },
  dbDelete: {
    agent_id: 'data-pipeline',
    action_type: 'database.delete',
    resource: 'postgres://prod/customers',
    environment: 'production',
    parameters: { sql: "DELETE FROM customers WHERE last_seen < now() - interval '3 years'" },
    context: { is_production: true, estimated_rows: 18250, has_backup: true },
  },
  rmRf: {
    agent_id: 'claude-code',
    action_type: 'shell.exec',
    resource: 'rm -rf ~/projects/app/node_modules ~/projects/app/dist',
    tool_name: 'Bash',
    parameters: { command: 'rm -rf ~/projects/app/node_modules ~/projects/app/dist' },
  },
  envRead: {
    agent_id: 'cursor',
    action_type: 'file.read',
    resource: '/home/dev/projects/app/.env.production',
    tool_name: 'Read',
    parameters: { file_path: '/home/dev/projects/app/.env.production' },
  },
} as const;

export async function submitHeld(s: Server, body: object): Promise<Decision> {
  const r = await s.api<Decision>('POST', '/api/v1/actions/submit', body, s.agentKey);
  if (r.status !== 200 || r.body.decision !== 'pending')
    throw new Error(`expected a held request, got ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** One of each kind above, soonest expiry first in this order; the ids by name. */
export async function submitOneOfEach(s: Server): Promise<Record<'refund' | 'terraform' | 'push' | 'rm' | 'env', string>> {
  const order = { refund: HELD.refund, terraform: HELD.terraform, push: HELD.forcePush, rm: HELD.rmRf, env: HELD.envRead } as const;
  const ids = {} as Record<keyof typeof order, string>;
  for (const [name, body] of Object.entries(order) as [keyof typeof order, object][]) ids[name] = (await submitHeld(s, body)).action_id;
  return ids;
}

/** `n` identical production deletes (differing only in a parameter): one queue entry ×n. */
export async function submitIdenticalDeletes(s: Server, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++)
    ids.push((await submitHeld(s, { ...HELD.dbDelete, parameters: { ...HELD.dbDelete.parameters, batch: i } })).action_id);
  return ids;
}
