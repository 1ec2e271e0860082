import { afterEach, describe, expect, it } from 'vitest';
import { openTestCore, type TestCore } from '../../helpers/core.js';
import { fixture } from './fixtures/index.js';

let t: TestCore | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

type Integrations = { items: { agent: string; last_call_at: string | null; found_by: string[] }[] };
const lastCall = async (core: TestCore, agent: string) =>
  (await core.json<Integrations>('GET', '/api/v1/integrations')).body.items.find((i) => i.agent === agent)!;

describe("an agent's last hook call (SPEC 9.4 hook status, the Integrations page)", () => {
  it('counts only calls of its hook, and survives a restart of the server', async () => {
    const clock = { t: Date.parse('2026-11-20T10:00:00Z') };
    t = await openTestCore({ clock: { now: () => clock.t }, store: { clock: { now: () => clock.t } } });
    // A script that uses the agent's id is not its hook: nothing says the hook is wired.
    const sdk = await t.json('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: 'codex', action_type: 'file.read', resource: 'README.md' },
    });
    expect(sdk.status).toBe(200);
    expect((await lastCall(t, 'codex')).last_call_at).toBeNull();

    const hook = await t.json<{ exit_code: number }>('POST', '/api/v1/hooks/codex', { key: t.agentKey, body: fixture('codex', 'read') });
    expect(hook.status).toBe(200);
    const seen = await lastCall(t, 'codex');
    expect(seen.last_call_at).toBe('2026-11-20T10:00:00.000Z');
    expect(seen.found_by.length).toBeGreaterThan(0);
    expect((await lastCall(t, 'gemini')).last_call_at).toBeNull();

    clock.t += 3_600_000;
    await t.reopen();
    expect((await lastCall(t, 'codex')).last_call_at).toBe('2026-11-20T10:00:00.000Z');
    await t.json('POST', '/api/v1/hooks/codex', { key: t.agentKey, body: fixture('codex', 'read') });
    expect((await lastCall(t, 'codex')).last_call_at).toBe('2026-11-20T11:00:00.000Z');
  });
});
