import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, BIN, ensureBuilt, startServerProcess, stopServerProcess, type ServerProc } from '../reliability/server-process.js';

/** `gatehouse status` with more pending approvals than one page of the list holds (1,000). */
let s: ServerProc;
const PENDING = 1005;

beforeAll(async () => {
  ensureBuilt();
  s = await startServerProcess();
  await api(s, 'PUT', '/api/v1/settings', s.adminKey, { rate_limit_per_s: 0 });
  await api(s, 'POST', '/api/v1/policies', s.adminKey, {
    id: 'hold',
    effect: 'require_approval',
    priority: 100,
    when: { action_type: 'hold.*' },
  });
  for (let i = 0; i < PENDING; i += 50)
    await Promise.all(
      Array.from({ length: Math.min(50, PENDING - i) }, (_, j) =>
        api(s, 'POST', '/api/v1/actions/submit', s.agentKey, { agent_id: 'loop', action_type: 'hold.deploy', resource: `r-${i + j}` }),
      ),
    );
}, 120_000);
afterAll(() => stopServerProcess(s));

describe('gatehouse status with more than 1,000 pending approvals', () => {
  it('counts them all (it said 1000, the length of one page), lists ten and says how many more', () => {
    const r = spawnSync(process.execPath, [BIN, 'status', '--data-dir', s.dataDir], {
      encoding: 'utf8',
      env: { ...process.env, GATEHOUSE_URL: '', GATEHOUSE_API_KEY: '' },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Pending approvals: ${PENDING}\n`);
    expect(r.stdout).toContain(`  … and ${PENDING - 10} more: gatehouse approvals\n`);
    const j = spawnSync(process.execPath, [BIN, 'status', '--json', '--data-dir', s.dataDir], {
      encoding: 'utf8',
      maxBuffer: 64 << 20, // the pending list itself is a few MB
      env: { ...process.env, GATEHOUSE_URL: '', GATEHOUSE_API_KEY: '' },
    });
    expect((JSON.parse(j.stdout) as { stats: { pending_approvals: number } }).stats.pending_approvals).toBe(PENDING);
  });
});
