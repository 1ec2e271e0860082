// Deterministic, realistic `action.decided` commits (the shape services/actions.ts writes), shared
// by the storage benches.
import type { JsonObject } from '../src-shared/index.js';
import type { AuditDraft, Op } from '../src-main/storage/types.js';
import { seeded } from './lib.js';

export const { rand, pick } = seeded(8_675_309);

export const AGENTS = [...Array.from({ length: 60 }, (_, i) => `agent-${i}`), 'claude-code', 'mcp-client', 'langchain-etl', 'deploy-bot'];
const KINDS = [
  {
    type: 'database.query',
    tool: 'postgresql',
    res: () => `postgres://prod-${rand(20)}/table_${rand(80)}`,
    params: () => ({ sql: `SELECT id, email, created_at FROM users WHERE org_id = ${rand(5000)} LIMIT 100` }),
  },
  {
    type: 'database.delete',
    tool: 'postgresql',
    res: () => `postgres://prod-${rand(20)}/audit_logs`,
    params: () => ({ sql: `DELETE FROM audit_logs WHERE created_at < now() - interval '${rand(365)} days'` }),
  },
  {
    type: 'file.write',
    tool: 'fs',
    res: () => `/home/dev/projects/app-${rand(40)}/src/module-${rand(30)}/index.ts`,
    params: () => ({ bytes: rand(20000), mode: 'overwrite' }),
  },
  { type: 'file.read', tool: 'fs', res: () => `/home/dev/projects/app-${rand(40)}/README.md`, params: () => ({ offset: 0, limit: 4096 }) },
  {
    type: 'shell.exec',
    tool: 'bash',
    res: () => `npm test --workspace app-${rand(40)}`,
    params: () => ({ command: `npm test --workspace app-${rand(40)} -- --run`, cwd: '/home/dev/projects' }),
  },
  {
    type: 'http.request',
    tool: 'fetch',
    res: () => `https://api.vendor-${rand(30)}.example.com/v2/items/${rand(100000)}`,
    params: () => ({ method: 'GET', headers: { accept: 'application/json' } }),
  },
  {
    type: 'payment.refund',
    tool: 'stripe',
    res: () => `stripe://charges/ch_${rand(1e9).toString(36)}`,
    params: () => ({ amount: rand(50000), currency: 'usd' }),
  },
  {
    type: 'mcp.filesystem.read_file',
    tool: 'read_file',
    res: () => `/srv/data/reports/q${rand(4) + 1}-${2020 + rand(7)}.csv`,
    params: () => ({ path: `/srv/data/reports/q${rand(4) + 1}.csv` }),
  },
] as const;
const DESCRIPTIONS = [
  'Clean up old rows',
  'Run the unit tests',
  'Update the module after refactor',
  'Fetch the latest prices',
  'Refund a duplicate charge',
  'Read the quarterly report',
  'Check the deployment status',
  'Export customer list for analysis',
];
const POLICIES = [
  { id: 'prod-db-delete', name: 'Deletes in production need approval', effect: 'require_approval' },
  { id: 'block-secrets', name: 'Never touch secrets', effect: 'deny' },
  { id: 'allow-reads', name: 'Reads are fine', effect: 'allow' },
  null,
] as const;

const levelOf = (s: number) => (s >= 90 ? 'critical' : s >= 70 ? 'high' : s >= 30 ? 'medium' : 'low');

export function commitFor(i: number, now: number): { ops: (records: { seq: number }[]) => Op[]; audit: AuditDraft[] } {
  const agent = pick(AGENTS);
  const kind = pick(KINDS);
  const resource = kind.res();
  const score = Math.min(100, 10 + rand(85));
  const level = levelOf(score);
  const decision = score >= 90 ? 'denied' : score >= 70 ? 'pending' : 'allowed';
  const policy = pick(POLICIES);
  const actionId = `act_${(now + i).toString(36)}${rand(2 ** 31)
    .toString(16)
    .padStart(8, '0')}`;
  const data: JsonObject = {
    agent_id: agent,
    action_type: kind.type,
    resource,
    tool_name: kind.tool,
    target_system: resource.startsWith('postgres') ? 'production-db' : null,
    description: pick(DESCRIPTIONS),
    environment: rand(3) ? 'production' : 'development',
    parameters: kind.params(),
    context: { is_production: rand(2) === 0, estimated_rows: rand(20000), has_backup: rand(2) === 0 },
    mcp: null,
    session_id: `sess_${rand(5000)}`,
    decision,
    status: decision,
    requires_approval: decision === 'pending',
    approval_id: decision === 'pending' ? `apr_${actionId.slice(4)}` : null,
    risk: {
      score,
      level,
      factors: [
        { id: 'base', points: 10 + rand(50), detail: `verb of ${kind.type}` },
        ...(rand(2) ? [{ id: 'production', points: 20, detail: 'production resource' }] : []),
      ],
    },
    policy: policy ? { ...policy } : null,
    reason: policy ? `Matched policy '${policy.id}' (priority ${rand(100)})` : `No policy matched; risk ${score} (${level})`,
    flags: rand(10) === 0 ? ['monitor:bulk-deletes'] : [],
    expires_at: decision === 'pending' ? new Date(now + 300_000).toISOString() : null,
    evaluated_in_us: 20 + rand(200),
  };
  const ops = (records: { seq: number }[]): Op[] => [
    {
      sql: `INSERT INTO actions (action_id, seq, created_ms, agent_id, action_type, resource, decision, status, risk_score, risk_level,
              policy_id, approval_id, expires_ms, timeout_action, approved, reviewed_by, reviewed_ms, idempotency_key, key_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      params: [
        actionId,
        records[0]!.seq,
        now,
        agent,
        kind.type,
        resource,
        decision,
        decision,
        score,
        level,
        policy?.id ?? null,
        (data.approval_id as string | null) ?? null,
        decision === 'pending' ? now + 300_000 : null,
        decision === 'pending' ? 'deny' : null,
        decision === 'allowed' ? 1 : decision === 'denied' ? 0 : null,
        decision === 'pending' ? null : 'policy',
        decision === 'pending' ? null : now,
        null,
        'key_default_agent',
      ],
    },
  ];
  return { ops, audit: [{ type: 'action.decided', actor: `agent:${agent}`, action_id: actionId, data }] };
}
