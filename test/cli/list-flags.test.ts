import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, BIN, ensureBuilt, startServerProcess, stopServerProcess, type ServerProc } from '../reliability/server-process.js';

let s: ServerProc;
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', s.dataDir], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024, // 1,001 approvals as JSON are more than the default 1 MB
    env: { ...process.env, GATEHOUSE_URL: '', GATEHOUSE_API_KEY: '' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const hold = async (agent_id: string, resource: string) =>
  (await api<{ action_id: string }>(s, 'POST', '/api/v1/actions/submit', s.agentKey, { agent_id, action_type: 'hold.deploy', resource }))
    .body.action_id;
const oneLine = (r: { code: number | null; out: string; err: string }, pattern: RegExp) => {
  expect(r.code).toBe(1);
  expect(r.out).toBe('');
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).toMatch(pattern);
};

beforeAll(async () => {
  ensureBuilt();
  s = await startServerProcess();
  await api(s, 'POST', '/api/v1/policies', s.adminKey, {
    id: 'hold',
    name: 'Deploys wait',
    effect: 'require_approval',
    priority: 100,
    when: { action_type: 'hold.*' },
  });
});
afterAll(() => stopServerProcess(s));

describe('gatehouse approvals', () => {
  it('lists every pending request, past the 1,000 of one page', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 1001; i += 50) {
      const batch = Array.from({ length: Math.min(50, 1001 - i) }, (_, j) => hold(`many-${(i + j) % 7}`, `svc-${i + j}`));
      for (const id of await Promise.all(batch)) ids.add(id);
    }
    const list = cli('approvals', '--json');
    expect(list.code).toBe(0);
    expect(new Set((JSON.parse(list.out) as { action_id: string }[]).map((a) => a.action_id))).toEqual(ids);
    expect(cli('approvals').out.trimEnd().split('\n')).toHaveLength(1001);
  }, 120_000);
});

describe('gatehouse approve|deny --apply-to-pending', () => {
  it('needs --remember other than once: one line, exit 1, nothing answered', async () => {
    const id = await hold('cli-apply', 'svc-x');
    for (const verb of ['approve', 'deny']) oneLine(cli(verb, id, '--apply-to-pending'), /--apply-to-pending needs --remember/);
    oneLine(cli('approve', id, '--apply-to-pending', '--remember', 'once'), /--apply-to-pending needs --remember/);
    expect((await api<{ status: string }>(s, 'GET', `/api/v1/actions/${id}/status`, s.adminKey)).body.status).toBe('pending');
    expect(cli('deny', id).code).toBe(0);
  });

  it('answers the waiting requests the remembered rule matches, and prints their ids', async () => {
    const [first, b, c] = [await hold('cli-apply', 'svc-y'), await hold('cli-apply', 'svc-y'), await hold('cli-apply', 'svc-y')];
    const other = await hold('cli-apply', 'svc-other');
    const r = cli('approve', first, '--remember', '1h', '--apply-to-pending');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${first}: approved (remembered: 1h)`);
    expect(r.out).toMatch(/Also approved 2 waiting like it: /);
    expect(r.out).toContain(b);
    expect(r.out).toContain(c);
    expect(r.out).not.toContain(other);
    for (const id of [b, c])
      expect((await api<{ status: string }>(s, 'GET', `/api/v1/actions/${id}/status`, s.adminKey)).body.status).toBe('approved');
    const d = JSON.parse(cli('deny', other, '--remember', '15m', '--apply-to-pending', '--json').out) as { also_resolved: string[] };
    expect(d.also_resolved).toEqual([]);
  });

  it('is in the help', () => {
    expect(cli('approve', '--help').out).toContain('--apply-to-pending');
    expect(cli('deny', '--help').out).toContain('--apply-to-pending');
  });
});

describe('refused flag combinations', () => {
  it('audit export --since later than --until: one line naming --until, exit 1, no file', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gatehouse-export-')), 'x.jsonl');
    oneLine(
      cli('audit', 'export', '--format', 'jsonl', '--since', '2026-01-02', '--until', '2026-01-01', '--out', out),
      /--until 2026-01-01 is before --since 2026-01-02/,
    );
    expect(existsSync(out)).toBe(false);
    // Equal bounds: an empty window, exported.
    expect(cli('audit', 'export', '--format', 'jsonl', '--since', '2026-01-01', '--until', '2026-01-01', '--out', out).code).toBe(0);
  });

  it('keys create --scope admin --agent-id: one line, exit 1, no key made', async () => {
    const before = (await api<{ items: unknown[] }>(s, 'GET', '/api/v1/keys', s.adminKey)).body.items.length;
    oneLine(
      cli('keys', 'create', '--scope', 'admin', '--name', 'bound', '--agent-id', 'bot'),
      /--agent-id cannot be used with --scope admin/,
    );
    expect((await api<{ items: unknown[] }>(s, 'GET', '/api/v1/keys', s.adminKey)).body.items.length).toBe(before);
  });
});
