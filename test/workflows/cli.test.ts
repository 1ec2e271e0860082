import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, BIN, ensureBuilt, startServerProcess, stopServerProcess, type ServerProc } from '../reliability/server-process.js';

/** SPEC 11 from the command line: `gatehouse keys create --scope admin --name "Dana" --approver team-lead`, then Dana answers her step. */

let s: ServerProc;
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', s.dataDir], {
    encoding: 'utf8',
    env: { ...process.env, GATEHOUSE_URL: '', GATEHOUSE_API_KEY: '' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

beforeAll(async () => {
  ensureBuilt();
  s = await startServerProcess();
});
afterAll(() => stopServerProcess(s));

describe('gatehouse keys create --approver', () => {
  it('makes an admin key that answers as its approver; the list shows the name; an agent key cannot have one', async () => {
    const created = cli('keys', 'create', '--scope', 'admin', '--name', 'Dana', '--approver', 'team-lead', '--json');
    expect(created.code).toBe(0);
    const dana = JSON.parse(created.out) as { id: string; key: string; approver: string };
    expect(dana.approver).toBe('team-lead');
    expect(cli('keys', 'list').out).toMatch(new RegExp(`${dana.id}.*Dana.*\\(approver team-lead\\)`));
    const bad = cli('keys', 'create', '--scope', 'agent', '--name', 'bot', '--approver', 'team-lead');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('approver');

    expect(
      (
        await api(s, 'POST', '/api/v1/workflows', s.adminKey, {
          id: 'lead-only',
          name: 'Lead only',
          steps: [{ approvers: ['team-lead'], required: 1, timeout_hours: 4 }],
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await api(s, 'POST', '/api/v1/policies', s.adminKey, {
          id: 'deploys',
          effect: 'require_approval',
          priority: 100,
          when: { action_type: 'deploy.*' },
          approval: { workflow: 'lead-only' },
        })
      ).status,
    ).toBe(201);
    const held = await api<{ action_id: string }>(s, 'POST', '/api/v1/actions/submit', s.agentKey, {
      agent_id: 'ci',
      action_type: 'deploy.prod',
    });
    // The CLI's own admin key answers as the owner: refused, and it says who is needed.
    const refused = cli('approve', held.body.action_id);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("'team-lead'");
    const ok = await api<{ status: string }>(s, 'POST', `/api/v1/approvals/${held.body.action_id}/approve`, dana.key, {});
    expect(ok.body.status).toBe('approved');
  });
});
