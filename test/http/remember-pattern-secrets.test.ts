import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../src-shared/index.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

// SPEC 4 + the secrets rule: a person's `remember` pattern that holds a secret still matches
// exactly (the condition keeps it), but the policy's name and description, its audit record and its
// event show it masked, as an action's own parameters are in the log.
let t: TestCore;
beforeAll(async () => {
  t = await openTestCore();
  await t.json('POST', '/api/v1/policies', {
    body: { id: 'shell-asks', name: 'Shell asks', effect: 'require_approval', priority: 100, when: { action_type: 'shell.exec' } },
  });
});
afterAll(() => t.close());

const TOKEN = 'sk-live-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c';
const cases = [
  {
    command: `curl -H "Authorization: Bearer ${TOKEN}" https://api.example.com/v1/charges`,
    pattern: `curl -H "Authorization: Bearer ${TOKEN}" *`,
    secret: TOKEN,
  },
  { command: 'mysql -pHunter2 prod -e "SELECT 1"', pattern: 'mysql -pHunter2 *', secret: 'Hunter2' },
];

describe('a remembered pattern holding a secret', () => {
  it.each(cases)('$pattern: matches as typed; name, description, record and event are masked', async ({ command, pattern, secret }) => {
    const submit = () =>
      t.json<{ action_id: string; decision: string; policy: { id: string } | null }>('POST', '/api/v1/actions/submit', {
        key: t.agentKey,
        body: { agent_id: 'ops', action_type: 'shell.exec', resource: command },
      });
    const held = await submit();
    expect(held.body.decision).toBe('pending');
    const events: EventEnvelope[] = [];
    const off = t.g.bus.subscribe((e) => events.push(e));
    const answer = await t.json<{ policy_id: string }>('POST', `/api/v1/approvals/${held.body.action_id}/approve`, {
      body: { remember: '1h', pattern, comment: `fine: ${pattern}` },
    });
    off();
    expect(answer.status).toBe(200);
    const id = answer.body.policy_id;
    const policy = (await t.json<{ name: string; description: string; when: { resource: unknown } }>('GET', `/api/v1/policies/${id}`)).body;
    expect(policy.when.resource).toEqual({ glob: pattern });
    expect(policy.name).toContain('[redacted]');
    expect(policy.name).not.toContain(secret);
    expect(policy.description).not.toContain(secret);
    // Still matches the very request again.
    const again = await submit();
    expect(again.body).toMatchObject({ decision: 'allowed', policy: { id } });
    // The log and the events show it masked.
    const audit = await (await t.req('GET', '/api/v1/audit/export?format=jsonl')).text();
    expect(audit).toContain(id);
    expect(audit).not.toContain(secret);
    const changed = events.filter((e) => e.event === 'policy.changed');
    expect(changed).toHaveLength(1);
    expect(JSON.stringify(changed)).not.toContain(secret);
    const exported = await (await t.req('GET', '/api/v1/policies/export?format=json')).text();
    const inFile = (JSON.parse(exported) as { policies: { id: string; name: string }[] }).policies.find((p) => p.id === id)!;
    expect(inFile.name).not.toContain(secret);
    // Its later records too (the deletion carries the policy it removed).
    expect((await t.req('DELETE', `/api/v1/policies/${id}`)).status).toBeLessThan(300);
    const after = await (await t.req('GET', '/api/v1/audit/export?format=jsonl')).text();
    expect(after).toContain(`"policy_id":"${id}"`);
    expect(after).not.toContain(secret);
  });
});
