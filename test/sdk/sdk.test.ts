import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ActionDenied,
  ApprovalTimeout,
  AuthorizationDeniedError,
  Decision,
  FailMode,
  GatehouseClient,
  GatehouseError,
  GatehouseUnreachable,
  TimeoutError,
  defaultAgentId,
  govern,
} from '../../src-main/sdk/index.js';
import { ROOT, startServer, UNREACHABLE, type LiveServer } from '../integrations/helpers.js';

/** The TypeScript SDK (SPEC 9.3) against a real server. */

let server: LiveServer;
const client = (o: Partial<ConstructorParameters<typeof GatehouseClient>[0]> = {}) =>
  new GatehouseClient({ agentId: 'ts-test', url: server.url, apiKey: server.agentKey, ...o });

beforeAll(async () => {
  server = await startServer();
  await server.admin('POST', '/api/v1/policies', { id: 't-deny', effect: 'deny', priority: 500, when: { action_type: 'test.deny' } });
  await server.admin('POST', '/api/v1/policies', {
    id: 't-approve',
    name: 'approvals',
    effect: 'require_approval',
    priority: 500,
    when: { action_type: 'test.approval.*' },
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('GatehouseClient', () => {
  it('evaluates an allowed action and reports completion', async () => {
    const gh = client();
    const d = await gh.evaluateAction({
      actionType: 'file.read',
      resource: '/tmp/report.csv',
      parameters: { lines: 5 },
      context: { purpose: 'test' },
    });
    expect(d.decision).toBe(Decision.ALLOWED);
    expect(d.actionId).toMatch(/^act_/);
    expect(typeof d.riskScore).toBe('number');
    expect(d.requiresApproval).toBe(false);
    expect(d.failOpen).toBe(false);
    const done = await gh.logActionCompleted(d.actionId, { result: { rows: 5 }, durationMs: 12 });
    expect(done?.status).toBe('completed');
    const s = await gh.getActionStatus(d.actionId!);
    expect(s.status).toBe('completed');
    expect(s.raw?.result).toEqual({ rows: 5 });
    expect(s.result).toEqual({ rows: 5 }); // the Python SDK's `.result`, mirrored
  });

  it('reports failures', async () => {
    const gh = client();
    const d = await gh.evaluateAction({ actionType: 'file.read', resource: '/tmp/x' });
    expect((await gh.logActionFailed(d.actionId, new Error('disk full')))?.status).toBe('failed');
  });

  it('returns a denied decision, and executeAction throws ActionDenied', async () => {
    const gh = client();
    const d = await gh.evaluateAction({ actionType: 'test.deny' });
    expect(d.decision).toBe(Decision.DENIED);
    expect(d.policy?.id).toBe('t-deny');
    const err = await gh.executeAction({ actionType: 'test.deny' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActionDenied);
    expect(err).toBeInstanceOf(AuthorizationDeniedError);
    expect((err as ActionDenied).reason).toContain('t-deny');
    expect((err as ActionDenied).rejectionReason).toContain('t-deny');
    expect((err as ActionDenied).actionId).toMatch(/^act_/);
  });

  it('waits for an approval given while it waits', async () => {
    const gh = client();
    const d = await gh.evaluateAction({ actionType: 'test.approval.ts', resource: 'prod' });
    expect(d.decision).toBe(Decision.PENDING);
    expect(d.approvalId).toBeTruthy();
    const t0 = Date.now();
    const [final] = await Promise.all([
      gh.waitForDecision(d.actionId!, { timeoutS: 30 }),
      server.resolveWhenPending((a) => a.action_id === d.actionId, 'approve', { comment: 'fine' }),
    ]);
    expect(Date.now() - t0).toBeGreaterThan(150);
    expect(final.decision).toBe(Decision.ALLOWED);
    expect(final.status).toBe('approved');
    const approval = await gh.waitForApproval(d.actionId!, { timeoutS: 5 });
    expect(approval.approved).toBe(true);
    expect(approval.reviewedBy).toBe('user');
    expect(approval.comment).toBe('fine');
  });

  it('times out with ApprovalTimeout', async () => {
    const gh = client();
    const d = await gh.evaluateAction({ actionType: 'test.approval.timeout' });
    const t0 = Date.now();
    await expect(gh.waitForDecision(d.actionId!, { timeoutS: 1 })).rejects.toBeInstanceOf(ApprovalTimeout);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    // It stopped waiting, so it withdrew the action: denied, and no longer answerable (409).
    const status = await server.admin<Record<string, unknown>>('GET', `/api/v1/actions/${d.actionId}/status`);
    expect(status).toMatchObject({ status: 'withdrawn', decision: 'denied' });
    await expect(server.admin('POST', `/api/v1/approvals/${d.actionId}/approve`, {})).rejects.toThrow(/409/);
  });

  it('waitForApproval throws AuthorizationDeniedError on a rejection (the seeds act after it)', async () => {
    const gh = client();
    const d = await gh.evaluateAction({ actionType: 'test.approval.reject2', resource: 'prod' });
    const [err] = await Promise.all([
      gh.waitForApproval(d.actionId!, { timeoutS: 30 }).catch((e: unknown) => e),
      server.resolveWhenPending((a) => a.action_id === d.actionId, 'deny', { comment: 'not on a friday' }),
    ]);
    expect(err).toBeInstanceOf(AuthorizationDeniedError);
    expect((err as ActionDenied).rejectionReason).toContain('not on a friday');
    expect((err as ActionDenied).decision?.status).toBe('rejected');
    expect((err as ActionDenied).status).toBe('rejected'); // the Python SDK's `e.status`, mirrored
    expect((await gh.waitForDecision(d.actionId!, { timeoutS: 5 })).decision).toBe(Decision.DENIED);
  });

  it('an approval that expires unanswered throws ApprovalTimeout, not ActionDenied (the seeds: "Approval timeout")', async () => {
    await server.admin('POST', '/api/v1/policies', {
      id: 't-expire',
      effect: 'require_approval',
      priority: 500,
      when: { action_type: 'test.expire.*' },
      approval: { timeout_s: 1 },
    });
    const gh = client();
    const ran: number[] = [];
    const calls = [
      () => gh.executeAction({ actionType: 'test.expire.execute' }, { timeoutS: 60 }),
      async () => gh.waitForApproval((await gh.evaluateAction({ actionType: 'test.expire.wait' })).actionId!, { timeoutS: 60 }),
      () => govern(gh, 'test.expire.govern', { timeoutS: 60 })(() => ran.push(1))(),
    ];
    for (const call of calls) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApprovalTimeout);
      expect(err).not.toBeInstanceOf(ActionDenied);
      const e = err as ApprovalTimeout;
      expect(e.status).toBe('expired');
      expect(e.rejectionReason).toMatch(/expired/);
      expect(await server.admin<Record<string, unknown>>('GET', `/api/v1/actions/${e.actionId}/status`)).toMatchObject({
        status: 'expired',
      });
    }
    expect(ran).toEqual([]);
  });

  it("takes the seeds' MCP form of evaluate", async () => {
    const gh = client({ agentId: 'ts-mcp' });
    const d = await gh.evaluateAction({
      serverId: 'ts-mcp-server',
      namespace: 'file',
      verb: 'read',
      resource: '/tmp/mcp',
      parameters: { n: 1 },
    });
    expect(d.decision).toBe(Decision.ALLOWED);
    expect(d.raw?.decision).toBe('ALLOW');
    const a = await server.admin<Record<string, unknown>>('GET', `/api/v1/actions/${d.actionId}/status`);
    expect(a).toMatchObject({ agent_id: 'ts-mcp', action_type: 'file.read', resource: '/tmp/mcp', mcp: { server_id: 'ts-mcp-server' } });
    const denied = await gh.evaluateAction({ serverId: 'ts-mcp-server', namespace: 'test', verb: 'deny' });
    expect(denied.decision).toBe(Decision.DENIED);
    expect(denied.raw?.decision).toBe('DENY');
  });

  it("defaults agentId to the script name and takes the seeds' URL names", () => {
    expect(new GatehouseClient().agentId).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    expect(defaultAgentId()).toBe(new GatehouseClient().agentId);
    expect(TimeoutError).toBe(ApprovalTimeout);
  });

  it('accepts the wire form in submitAction, registers, tests the connection', async () => {
    const gh = client({ agentId: 'ts-seed' });
    const agent = await gh.register({ agentType: 'autonomous', capabilities: ['file_access'] });
    expect(agent).toMatchObject({ agent_id: 'ts-seed', registered: true });
    const d = await gh.submitAction({ action_type: 'file.read', resource: '/tmp/wire', risk_context: { is_production: false } });
    expect(d.decision).toBe(Decision.ALLOWED);
    expect((await gh.testConnection()).status).toBe('healthy');
  });

  it('a bad key is an error, never a decision (even fail-open)', async () => {
    const gh = client({ apiKey: 'gk_agent_wrong', failMode: FailMode.OPEN });
    const err = await gh.evaluateAction({ actionType: 'file.read' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatehouseError);
    expect((err as GatehouseError).status).toBe(401);
  });

  it('finds the server through the data directory', async () => {
    const saved = { url: process.env.GATEHOUSE_URL, key: process.env.GATEHOUSE_API_KEY };
    delete process.env.GATEHOUSE_URL;
    delete process.env.GATEHOUSE_API_KEY;
    try {
      const gh = new GatehouseClient({ agentId: 'ts-discovery', dataDir: server.dataDir });
      expect((await gh.evaluateAction({ actionType: 'file.read', resource: '/tmp/d' })).decision).toBe(Decision.ALLOWED);
    } finally {
      if (saved.url !== undefined) process.env.GATEHOUSE_URL = saved.url;
      if (saved.key !== undefined) process.env.GATEHOUSE_API_KEY = saved.key;
    }
  });
});

describe('govern', () => {
  it('runs an allowed function and reports its result', async () => {
    const gh = client();
    const read = govern(gh, 'file.read', { resource: (path: string) => path })(async (path: string) => `contents of ${path}`);
    expect(await read('/tmp/governed.txt')).toBe('contents of /tmp/governed.txt');
    const page = await server.admin<{ items: Record<string, unknown>[] }>('GET', '/api/v1/actions?agent_id=ts-test&limit=50');
    const a = page.items.find((x) => x.resource === '/tmp/governed.txt');
    expect(a).toMatchObject({ status: 'completed', result: 'contents of /tmp/governed.txt', parameters: { args: ['/tmp/governed.txt'] } });
  });

  it('reports a thrown error as a failure and rethrows it', async () => {
    const gh = client();
    const boom = gh.govern('file.read', { resource: (p: string) => p })((_p: string) => {
      throw new Error('kaboom');
    });
    await expect(boom('/tmp/boom')).rejects.toThrow('kaboom');
    const page = await server.admin<{ items: Record<string, unknown>[] }>('GET', '/api/v1/actions?agent_id=ts-test&status=failed&limit=50');
    expect(page.items.some((x) => x.resource === '/tmp/boom' && String(x.error).includes('kaboom'))).toBe(true);
  });

  it('does not run a rejected function and throws ActionDenied', async () => {
    const gh = client();
    const fn = vi.fn(async (_cmd: string) => 'ran');
    const run = govern(gh, 'test.approval.reject', { resource: (cmd: string) => cmd })(fn);
    const [err] = await Promise.all([
      run('rm -rf /data').catch((e: unknown) => e),
      server.resolveWhenPending((a) => a.resource === 'rm -rf /data', 'deny', { comment: 'nope' }),
    ]);
    expect(err).toBeInstanceOf(ActionDenied);
    expect((err as ActionDenied).reason).toContain('nope');
    expect(fn).not.toHaveBeenCalled();
  });

  it('runs once approved while waiting', async () => {
    const gh = client();
    const run = govern(gh, 'test.approval.run', { resource: (x: number) => `job-${x}`, parameters: (x: number) => ({ x }) })(
      async (x: number) => x * 2,
    );
    const [v] = await Promise.all([run(21), server.resolveWhenPending((a) => a.resource === 'job-21', 'approve')]);
    expect(v).toBe(42);
  });

  it('never runs on a denied answer, even fail-open', async () => {
    const gh = client({ failMode: FailMode.OPEN });
    const fn = vi.fn(() => 1);
    await expect(govern(gh, 'test.deny')(fn)()).rejects.toBeInstanceOf(ActionDenied);
    expect(fn).not.toHaveBeenCalled();
  });
});

describe('fail modes against an unreachable console', () => {
  it('CLOSED (default) denies', async () => {
    const gh = new GatehouseClient({ agentId: 'ts-test', url: UNREACHABLE, apiKey: 'gk_agent_x' });
    expect(gh.failMode).toBe(FailMode.CLOSED);
    const err = await gh.evaluateAction({ actionType: 'shell.exec', resource: 'ls' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActionDenied);
    expect((err as ActionDenied).reason).toMatch(/unreachable/);
    await expect(gh.waitForDecision('act_x', { timeoutS: 1 })).rejects.toBeInstanceOf(ActionDenied);
    const fn = vi.fn();
    await expect(govern(gh, 'shell.exec')(fn)()).rejects.toBeInstanceOf(ActionDenied);
    expect(fn).not.toHaveBeenCalled();
    await expect(gh.testConnection()).rejects.toBeInstanceOf(GatehouseUnreachable);
  });

  it('OPEN allows with a warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const gh = new GatehouseClient({ agentId: 'ts-test', url: UNREACHABLE, apiKey: 'gk_agent_x', failMode: FailMode.OPEN });
      const d = await gh.evaluateAction({ actionType: 'shell.exec', resource: 'ls' });
      expect(d.decision).toBe(Decision.ALLOWED);
      expect(d.failOpen).toBe(true);
      expect(d.actionId).toBeNull();
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/unreachable/));
      expect(await gh.logActionCompleted(d.actionId)).toBeNull();
      const fn = vi.fn(async () => 'ok');
      expect(await govern(gh, 'shell.exec')(fn)()).toBe('ok');
    } finally {
      warn.mockRestore();
    }
  });

  it('OPEN never turns an outage during an approval wait into an allow', async () => {
    // The server already held this action; Gatehouse then becomes unreachable while the agent waits.
    const gh = new GatehouseClient({ agentId: 'ts-test', url: UNREACHABLE, apiKey: 'gk_agent_x', failMode: FailMode.OPEN });
    const err = await gh.waitForDecision('act_held', { timeoutS: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActionDenied);
    expect((err as ActionDenied).reason).toMatch(/waiting for approval/);
  });

  it('no server.json is unreachable', async () => {
    const saved = { url: process.env.GATEHOUSE_URL, key: process.env.GATEHOUSE_API_KEY };
    delete process.env.GATEHOUSE_URL;
    delete process.env.GATEHOUSE_API_KEY;
    try {
      const gh = new GatehouseClient({ agentId: 'ts-test', dataDir: '/nonexistent/gatehouse' });
      await expect(gh.evaluateAction({ actionType: 'file.read' })).rejects.toThrow(/not running/);
    } finally {
      if (saved.url !== undefined) process.env.GATEHOUSE_URL = saved.url;
      if (saved.key !== undefined) process.env.GATEHOUSE_API_KEY = saved.key;
    }
  });
});

describe('the built package', () => {
  it('exports gatehouse/sdk (JS and self-contained declarations)', async () => {
    expect(existsSync(join(ROOT, 'dist/sdk/index.js'))).toBe(true);
    const mod = (await import('gatehouse/sdk' as string)) as typeof import('../../src-main/sdk/index.js');
    expect(typeof mod.GatehouseClient).toBe('function');
    expect(typeof mod.govern).toBe('function');
    expect(mod.Decision.PENDING).toBe('pending');
    expect(mod.FailMode.OPEN).toBe('open');
    expect(mod.AuthorizationDeniedError).toBe(mod.ActionDenied);
    const js = readFileSync(join(ROOT, 'dist/sdk/index.js'), 'utf8');
    expect(js).not.toMatch(/from ["']zod["']/); // the SDK does not load the schemas
    const dir = join(ROOT, 'dist/sdk');
    const text = readFileSync(join(dir, 'index.d.ts'), 'utf8');
    expect(text).toMatch(/export \{ GatehouseClient/);
    // Every declaration imports only declarations that are shipped beside it (nothing from src-shared, node_modules or ../).
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.d.ts'))) {
      for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/^(?:import|export)\b.*\bfrom ['"]([^'"]+)['"]/gm)) {
        const spec = m[1] ?? '';
        expect(spec, `${f} imports ${spec}`).toMatch(/^\.\/[\w-]+\.js$/);
        expect(existsSync(join(dir, spec.replace(/\.js$/, '.d.ts'))), `${f} imports ${spec}`).toBe(true);
      }
    }
  });

  it('type-checks a consumer that has only the package (no Node types, no project sources)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sdk-consumer-'));
    try {
      writeFileSync(
        join(dir, 'consumer.mts'),
        [
          `import { GatehouseClient, govern, FailMode, Decision, AuthorizationDeniedError, type ActionDecision } from ${JSON.stringify(join(ROOT, 'dist/sdk/index.js'))};`,
          "const gh = new GatehouseClient({ agentId: 'x', failMode: FailMode.OPEN });",
          "const run = govern(gh, 'shell.exec', { resource: (cmd: string) => cmd, timeoutS: 5 })(async (cmd: string) => cmd.length);",
          'export async function main(): Promise<number> {',
          "  const d: ActionDecision = await gh.executeAction({ actionType: 'file.read' }, { signal: AbortSignal.timeout(1000) });",
          "  if (d.decision === Decision.ALLOWED) return run('ls');",
          "  throw new AuthorizationDeniedError('no', d.actionId);",
          '}',
        ].join('\n'),
      );
      const compilerOptions = {
        strict: true,
        noEmit: true,
        target: 'es2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        lib: ['es2023', 'dom'],
        types: [],
      };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.mts'] }));
      const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' });
      expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
