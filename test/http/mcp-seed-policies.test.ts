import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestCore, type TestCore } from '../helpers/core.js';

/**
 * The seeds' MCP policy form (`POST /mcp/policies`) names a namespace and a verb; the MCP proxy's
 * calls name a server and a tool (SPEC 9.2). A namespace / verb policy must match the proxy's calls
 * the way the README's MCP section says, and still match the seeds' evaluate shape.
 */

let t: TestCore;
beforeAll(async () => {
  t = await openTestCore();
});
afterAll(() => t.close());

let n = 0;
/** Creates one seed-form policy; returns its id. */
const seedPolicy = async (body: Record<string, unknown>): Promise<string> => {
  const r = await t.json<{ id: string; description?: string }>('POST', '/mcp/policies', {
    key: t.adminKey,
    body: { name: `seed mcp ${++n}`, priority: 900, ...body },
  });
  expect(r.status).toBe(201);
  return r.body.id;
};
const dropPolicy = async (id: string) =>
  expect((await t.json('DELETE', `/api/v1/policies/${id}`, { key: t.adminKey })).status).toBeLessThan(300);

/** What the MCP proxy submits for a `tools/call` (src-main/integrations/mcp-proxy/governance.ts). */
const proxyCall = (serverId: string, tool: string) => ({
  agent_id: 'mcp-client',
  action_type: 'mcp.tool_call',
  tool_name: tool,
  mcp: { server_id: serverId, tool },
  resource: `mcp://${serverId}/${tool}`,
  parameters: {},
});
/** The id of the policy that decided a proxy call, via the policy test endpoint (no side effects). */
const decidedBy = async (action: Record<string, unknown>): Promise<string | null> => {
  const r = await t.json<{ policy_id?: string | null; policy?: { id: string } | null }>('POST', '/api/v1/policies/test', {
    key: t.adminKey,
    body: { action },
  });
  expect(r.status).toBe(200);
  return r.body.policy?.id ?? r.body.policy_id ?? null;
};

describe("the seeds' MCP policy form against the proxy's calls", () => {
  it('a namespace-only policy matches the server named after it and tools prefixed with it', async () => {
    const id = await seedPolicy({ namespace: 'database', action: 'deny' });
    try {
      expect(await decidedBy(proxyCall('database', 'run'))).toBe(id); // the server id is the namespace
      for (const tool of ['database_query', 'database.query', 'database/query', 'database-query', 'database'])
        expect(await decidedBy(proxyCall('some-server', tool)), tool).toBe(id);
      // Not a namespace: a longer word, the namespace in the middle, another case.
      for (const tool of ['databases_query', 'query_database', 'Database_query', 'mydatabase.query'])
        expect(await decidedBy(proxyCall('some-server', tool)), tool).not.toBe(id);
      expect(await decidedBy(proxyCall('database-prod', 'run'))).not.toBe(id);
    } finally {
      await dropPolicy(id);
    }
  });

  it('a verb-only policy matches tools having the verb as a whole word', async () => {
    const id = await seedPolicy({ verb: 'delete', action: 'require_approval' });
    try {
      for (const tool of ['delete', 'delete_file', 'file_delete', 'file.delete', 'fs/delete/all', 'bulk-delete-rows', 'x.delete_y'])
        expect(await decidedBy(proxyCall('fs', tool)), tool).toBe(id);
      for (const tool of ['deleted_files', 'undelete', 'Delete_file', 'read_file'])
        expect(await decidedBy(proxyCall('fs', tool)), tool).not.toBe(id);
    } finally {
      await dropPolicy(id);
    }
  });

  it('namespace and verb together need both; server_id narrows further', async () => {
    const id = await seedPolicy({ server_id: 'mcp-enterprise-tools', namespace: 'database', verb: 'execute', action: 'deny' });
    try {
      expect(await decidedBy(proxyCall('mcp-enterprise-tools', 'database_execute'))).toBe(id);
      expect(await decidedBy(proxyCall('mcp-enterprise-tools', 'database.execute_sql'))).toBe(id);
      expect(await decidedBy(proxyCall('mcp-enterprise-tools', 'database_query'))).not.toBe(id); // verb differs
      expect(await decidedBy(proxyCall('mcp-enterprise-tools', 'files_execute'))).not.toBe(id); // namespace differs
      expect(await decidedBy(proxyCall('other-server', 'database_execute'))).not.toBe(id); // server differs
    } finally {
      await dropPolicy(id);
    }
    const byServer = await seedPolicy({ namespace: 'database', verb: 'execute', action: 'deny' });
    try {
      expect(await decidedBy(proxyCall('database', 'execute_query'))).toBe(byServer); // server = namespace, verb in the tool
      expect(await decidedBy(proxyCall('database', 'list_tables'))).not.toBe(byServer);
    } finally {
      await dropPolicy(byServer);
    }
  });

  it("still matches the seeds' evaluate shape (namespace.verb), and says how it matches in its description", async () => {
    const id = await seedPolicy({ namespace: 'database', verb: 'execute', action: 'deny' });
    try {
      const policy = (await t.json<{ description?: string }>('GET', `/api/v1/policies/${id}`, { key: t.adminKey })).body;
      expect(policy.description).toMatch(/namespace 'database'/);
      expect(policy.description).toMatch(/verb 'execute'/);
      const r = await t.json<{ decision: string; reason: string }>('POST', '/mcp/governance/evaluate', {
        key: t.agentKey,
        body: { server_id: 'mcp-enterprise-tools', namespace: 'database', verb: 'execute', parameters: { sql: 'SELECT 1' } },
      });
      expect(r.body.decision).toBe('DENY');
      expect(r.body.reason).toContain(id);
      const other = await t.json<{ decision: string }>('POST', '/mcp/governance/evaluate', {
        key: t.agentKey,
        body: { server_id: 'mcp-enterprise-tools', namespace: 'database', verb: 'query' },
      });
      expect(other.body.decision).not.toBe('DENY');
    } finally {
      await dropPolicy(id);
    }
  });

  it('evaluate with a tool keeps the namespace and verb: recorded, and matched by a namespace or verb policy', async () => {
    const byNamespace = await seedPolicy({ namespace: 'database', action: 'deny' });
    try {
      const r = await t.json<{ decision: string; reason: string; action_id: string }>('POST', '/mcp/governance/evaluate', {
        key: t.agentKey,
        body: { server_id: 'mcp-enterprise-tools', namespace: 'database', tool: 'run_sql', parameters: { sql: 'SELECT 1' } },
      });
      expect(r.body.decision).toBe('DENY');
      expect(r.body.reason).toContain(byNamespace);
      const status = await t.json<{ action_type: string; mcp: Record<string, unknown> }>(
        'GET',
        `/api/v1/actions/${r.body.action_id}/status`,
        {
          key: t.agentKey,
        },
      );
      // The tool still names the call as before (mcp.tool_call on that tool); the namespace is kept beside it.
      expect(status.body.action_type).toBe('mcp.tool_call');
      expect(status.body.mcp).toEqual({ server_id: 'mcp-enterprise-tools', tool: 'run_sql', namespace: 'database' });
      // Another namespace with the same tool is not this policy's.
      const other = await t.json<{ decision: string; reason: string }>('POST', '/mcp/governance/evaluate', {
        key: t.agentKey,
        body: { server_id: 'mcp-enterprise-tools', namespace: 'files', tool: 'run_sql' },
      });
      expect(other.body.reason).not.toContain(byNamespace);
    } finally {
      await dropPolicy(byNamespace);
    }
    const both = await seedPolicy({ namespace: 'database', verb: 'execute', action: 'deny' });
    try {
      const r = await t.json<{ decision: string; reason: string }>('POST', '/mcp/governance/evaluate', {
        key: t.agentKey,
        body: { server_id: 'mcp-enterprise-tools', namespace: 'database', verb: 'execute', tool: 'run_sql' },
      });
      expect(r.body.decision).toBe('DENY');
      expect(r.body.reason).toContain(both);
      const read = await t.json<{ reason: string }>('POST', '/mcp/governance/evaluate', {
        key: t.agentKey,
        body: { server_id: 'mcp-enterprise-tools', namespace: 'database', verb: 'read', tool: 'run_sql' },
      });
      expect(read.body.reason).not.toContain(both);
    } finally {
      await dropPolicy(both);
    }
  });

  it('a proxy call the namespace policy denies is denied when submitted', async () => {
    const id = await seedPolicy({ namespace: 'filesystem', action: 'block' });
    try {
      const r = await t.json<{ decision: string; reason: string }>('POST', '/api/v1/actions/submit', {
        key: t.agentKey,
        body: proxyCall('filesystem', 'write_file'),
      });
      expect(r.body.decision).toBe('denied');
      expect(r.body.reason).toContain(id);
    } finally {
      await dropPolicy(id);
    }
  });
});
