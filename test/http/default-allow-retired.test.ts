import { afterEach, describe, expect, it } from 'vitest';
import { openTestCore, type TestCore } from '../helpers/core.js';

/**
 * Earlier builds shipped `allow-file-reads`, an explicit allow of every file.read: Claude Code's hook
 * then answered "allow" for a Read of /etc/shadow, and Claude Code skipped its own prompt. No
 * default allows anything now, and an unedited copy of that default is deleted at start.
 */
const OLD_DEFAULT = `version: 1
policies:
  - id: allow-file-reads
    name: Reading files is allowed
    description: >-
      file.read actions are allowed whatever their risk score; reads of secrets files are caught
      first by secrets-files-need-approval (priority 90).
    priority: 10
    effect: allow
    when:
      action_type: file.read
`;

let calls = 0;
const read = (file_path: string) => ({
  session_id: 's1',
  transcript_path: '/tmp/t.jsonl',
  cwd: '/home/dev/project',
  permission_mode: 'default',
  hook_event_name: 'PreToolUse',
  tool_name: 'Read',
  tool_input: { file_path },
  tool_use_id: `tu_${++calls}`,
});

let t: TestCore | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

async function hookAnswer(core: TestCore, file: string): Promise<string> {
  const r = await core.json<{ stdout: string; exit_code: number }>('POST', '/api/v1/hooks/claude-code', {
    key: core.agentKey,
    body: read(file),
  });
  expect(r.status).toBe(200);
  expect(r.body.exit_code).toBe(0);
  return r.body.stdout;
}

describe('no shipped default allows anything (never looser than the agent alone)', () => {
  it('a fresh install gives no opinion on a read outside the project: Claude Code asks as it would alone', async () => {
    t = await openTestCore({ defaultPolicies: true });
    const ids = (await t.json<{ items: { id: string; effect: string }[] }>('GET', '/api/v1/policies')).body.items;
    expect(ids.length).toBeGreaterThan(5);
    expect(ids.filter((p) => p.effect === 'allow')).toEqual([]);
    expect(await hookAnswer(t, '/etc/shadow')).toBe('');
    expect(await hookAnswer(t, '/home/dev/project/src/index.ts')).toBe('');
    // Both reads are still recorded, allowed by risk.
    const actions = (await t.json<{ items: { resource: string; decision: string; policy_id?: string | null }[] }>('GET', '/api/v1/actions'))
      .body.items;
    expect(actions.map((a) => [a.resource, a.decision])).toEqual([
      ['/home/dev/project/src/index.ts', 'allowed'],
      ['/etc/shadow', 'allowed'],
    ]);
  });

  it('an unedited allow-file-reads of an earlier build is deleted at start, audited; an edited one is the user’s and stays', async () => {
    t = await openTestCore({ defaultPolicies: true });
    const imported = await t.json('POST', '/api/v1/policies/import', {
      body: OLD_DEFAULT,
      headers: { 'Content-Type': 'application/yaml' },
    });
    expect(imported.status).toBe(200);
    expect(JSON.parse(await hookAnswer(t, '/etc/shadow')).hookSpecificOutput.permissionDecision).toBe('allow');

    await t.reopen({ defaultPolicies: true });
    expect((await t.json('GET', '/api/v1/policies/allow-file-reads')).status).toBe(404);
    expect(await hookAnswer(t, '/etc/shadow')).toBe('');
    const deleted = t.g.store.all<{ actor: string; data: string }>("SELECT actor, data FROM audit WHERE type = 'policy.deleted'");
    expect(deleted).toHaveLength(1);
    expect(deleted[0]!.actor).toBe('system');
    expect(JSON.parse(deleted[0]!.data)).toMatchObject({ policy_id: 'allow-file-reads', reason: expect.stringMatching(/no longer ships/) });
    // A second start finds nothing more to do.
    const head = t.g.store.head().seq;
    await t.reopen({ defaultPolicies: true });
    expect(t.g.store.all("SELECT 1 FROM audit WHERE type = 'policy.deleted'")).toHaveLength(1);
    expect(t.g.store.all("SELECT 1 FROM audit WHERE seq > ? AND type LIKE 'policy.%'", [head])).toEqual([]);

    // Edited (its priority moved): the user's own allow, kept.
    const edited = OLD_DEFAULT.replace('priority: 10', 'priority: 11');
    expect(
      (await t.json('POST', '/api/v1/policies/import', { body: edited, headers: { 'Content-Type': 'application/yaml' } })).status,
    ).toBe(200);
    await t.reopen({ defaultPolicies: true });
    expect((await t.json('GET', '/api/v1/policies/allow-file-reads')).status).toBe(200);
  });
});
