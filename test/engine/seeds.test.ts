import { describe, expect, it } from 'vitest';
import { normalizeAction, parsePolicyDocument } from '../../src-main/engine/index.js';
import { ctx, engineOf, TERRAFORM_SEED_POLICY } from './helpers.js';

/** The examples of the seed pages (seeds/000, seeds/004), decided end to end. */
describe('seed examples', () => {
  it('Terraform: infrastructure.apply with context.environment production needs approval', () => {
    const { policies } = parsePolicyDocument({
      version: 1,
      policies: [TERRAFORM_SEED_POLICY],
    });
    const engine = engineOf(policies);
    const prod = engine.decide(
      normalizeAction({ agent_id: 'terraform', action_type: 'infrastructure.apply', context: { environment: 'production' } }),
      ctx(),
    );
    expect(prod).toMatchObject({
      decision: 'pending',
      policy: { id: 'terraform-production-changes', name: 'Terraform Production Changes', effect: 'require_approval' },
      reason: "Matched policy 'terraform-production-changes' (priority 80)",
      // The seed's approvers (infra-lead, sre-team) answer it through a workflow of theirs (SPEC 11).
      approval: { timeout_s: 300, timeout_action: 'deny', workflow: 'terraform-production-changes-approvers' },
    });
    const viaTopLevel = engine.decide(
      normalizeAction({ agent_id: 'terraform', action_type: 'infrastructure.apply', environment: 'production' }),
      ctx(),
    );
    expect(viaTopLevel.decision).toBe('pending');
    const staging = engine.decide(
      normalizeAction({ agent_id: 'terraform', action_type: 'infrastructure.apply', context: { environment: 'staging' } }),
      ctx(),
    );
    expect(staging).toMatchObject({ decision: 'allowed', policy: null, flags: [] });
  });

  it('database_delete with rich risk_context (estimated_rows 10000, is_production, has_backup)', () => {
    const action = normalizeAction({
      agent_id: 'data-analyst-production',
      action_type: 'database_delete',
      description: 'Delete old audit logs',
      tool_name: 'postgresql',
      risk_context: {
        database: 'production',
        table: 'audit_logs',
        where_clause: "created_at < '2025-01-01'",
        estimated_rows: 10000,
        is_production: true,
        has_backup: true,
      },
    });
    const out = engineOf([]).decide(action, ctx());
    expect(out.risk.factors).toEqual([
      { id: 'base', points: 60, detail: 'deletes data (database_delete)' },
      { id: 'production', points: 20, detail: 'context.is_production is true' },
      { id: 'bulk', points: 15, detail: 'context.estimated_rows 10000 ≥ 1000' },
      { id: 'has-backup', points: -10, detail: 'context.has_backup is true' },
    ]);
    expect(out.risk).toMatchObject({ score: 85, level: 'high' });
    expect(out).toMatchObject({ decision: 'pending', policy: null, reason: 'Risk 85 (high) ≥ require_approval_at 70' });
  });

  it('LangChain: a production SELECT is allowed, a production DELETE is held', () => {
    const engine = engineOf([]);
    const query = (sql: string, actionType: string) =>
      engine.decide(
        normalizeAction({
          agent_id: 'customer-service-agent-v2',
          action_type: actionType,
          description: `Execute SQL: ${sql}`,
          tool_name: 'postgresql',
          target_system: 'production-db',
          parameters: { sql },
          risk_context: { database: 'production', is_production: true },
        }),
        ctx(),
      );
    expect(query('SELECT * FROM orders', 'database_read')).toMatchObject({
      decision: 'allowed',
      risk: { score: 30 },
      flags: ['medium-risk'],
    });
    expect(query('DELETE FROM orders', 'database_delete')).toMatchObject({ decision: 'pending', risk: { score: 100, level: 'critical' } });
  });

  it('a refund in production needs approval (risk alone), and in staging it does not', () => {
    const engine = engineOf([]);
    const refund = (environment: string) =>
      engine.decide(
        normalizeAction({
          agent_id: 'billing-agent',
          action_type: 'payment.refund',
          environment,
          parameters: { amount: 120, currency: 'EUR' },
        }),
        ctx(),
      );
    expect(refund('production')).toMatchObject({ decision: 'pending', risk: { score: 80, level: 'high' } });
    expect(refund('staging')).toMatchObject({ decision: 'allowed', risk: { score: 60 }, flags: ['medium-risk'] });
  });

  it('Lambda: boto3 list is auto-allowed, deleting the production bucket is held', () => {
    const engine = engineOf([]);
    const list = engine.decide(normalizeAction({ agent_id: 'aws-lambda-agent', action_type: 's3.list_buckets' }), ctx());
    expect(list.decision).toBe('allowed');
    const del = engine.decide(
      normalizeAction({ agent_id: 'aws-lambda-agent', action_type: 's3.delete_bucket', resource: 'production-data' }),
      ctx(),
    );
    expect(del).toMatchObject({ decision: 'pending', risk: { score: 80 } });
  });
});
