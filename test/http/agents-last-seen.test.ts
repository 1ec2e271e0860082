// SPEC 2.5 "each agent shows last seen" (the Agents screen's "Last seen" and "last call"): a person
// registering an agent from the console is not the agent calling. On 0.2 registering bumped
// last_seen_at to now, so an agent idle for hours read "last call just now" and jumped to the top.
import { afterEach, describe, expect, it } from 'vitest';
import type { Agent } from '../../src-shared/index.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

let t: TestCore | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const agentOf = async (core: TestCore, id: string) =>
  (await core.json<{ items: Agent[] }>('GET', '/api/v1/agents')).body.items.find((a) => a.agent_id === id);

describe('last seen of an agent', () => {
  it('moves with its own calls, not with a registration by a person', async () => {
    const clock = { t: Date.parse('2026-11-20T10:00:00Z') };
    t = await openTestCore({ clock: { now: () => clock.t }, store: { clock: { now: () => clock.t } } });
    const submit = await t.json('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: 'ops-bot', action_type: 'file.read', resource: 'README.md' },
    });
    expect(submit.status).toBe(200);

    clock.t += 3_600_000;
    const byUser = await t.json('POST', '/api/v1/agents/register', { body: { agent_id: 'ops-bot', agent_type: 'supervised' } });
    expect(byUser.status).toBe(200);
    expect(await agentOf(t, 'ops-bot')).toMatchObject({ registered: true, last_seen_at: '2026-11-20T10:00:00.000Z' });
    // One a person registers before it ever called has not been seen at all.
    expect((await t.json('POST', '/api/v1/agents/register', { body: { agent_id: 'new-bot', agent_type: 'autonomous' } })).status).toBe(200);
    expect(await agentOf(t, 'new-bot')).toMatchObject({ registered: true, last_seen_at: null });
    await t.reopen();
    expect(await agentOf(t, 'ops-bot')).toMatchObject({ last_seen_at: '2026-11-20T10:00:00.000Z' });

    // The agent registering itself is a call of its own.
    clock.t += 60_000;
    expect(
      (await t.json('POST', '/api/v1/agents/register', { key: t.agentKey, body: { agent_id: 'ops-bot', agent_type: 'supervised' } }))
        .status,
    ).toBe(200);
    expect(await agentOf(t, 'ops-bot')).toMatchObject({ last_seen_at: '2026-11-20T11:01:00.000Z' });
  });
});
