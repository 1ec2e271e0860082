import { afterEach, describe, expect, it } from 'vitest';
import { readHookInput } from '../../src-main/services/hooks/read-input.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

// An agent's hook input may hold a whole file to be written (up to 8 MiB). Parsing it, mapping it to
// a request and keying the call held the main thread 38-82 ms (SPEC 8: 50 ms at most). A big input
// is read on the secrets thread, and only the request (its parameters cut to their bounds) comes
// back. These check the thread is used and that every answer is what reading it here gives.

let t: TestCore | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const hook = async (core: TestCore, agent: string, body: unknown) => {
  const r = await core.json<{ stdout: string; stderr: string; exit_code: number; action_id: string | null }>(
    'POST',
    `/api/v1/hooks/${agent}?wait=0`,
    { key: core.agentKey, body },
  );
  expect(r.status).toBe(200);
  return r.body;
};

describe('a big hook input', () => {
  it('is read on the secrets thread into the same request as here, cut to its bounds', async () => {
    t = await openTestCore();
    const content = `SECRET=ghp_${'K'.repeat(30)}\n${'x'.repeat(3_000_000)}`;
    const input = {
      session_id: 's1',
      cwd: '/work/app',
      hook_event_name: 'PreToolUse',
      tool_name: 'Write',
      tool_input: { file_path: '/work/app/big.txt', content },
      tool_use_id: 'tu-1',
    };
    const answer = await hook(t, 'claude-code', input);
    expect(t.g.secretScans.threadStarted).toBe(true);
    expect(answer.action_id).toMatch(/^act_/);
    const here = readHookInput('claude-code', JSON.stringify(input));
    if (!('parsed' in here) || here.parsed.kind !== 'call') throw new Error('expected a call');
    const status = await t.json<{ action_id: string }>('GET', `/api/v1/actions/${answer.action_id}/status`, { key: t.agentKey });
    expect(status.status).toBe(200);
    const recorded = t.g.store.get<{ data: string }>("SELECT data FROM audit WHERE type = 'action.decided' AND action_id = ?", [
      answer.action_id!,
    ]);
    const data = JSON.parse(recorded!.data) as { action_type: string; resource: string; parameters: { content: string } };
    expect(data.action_type).toBe(here.parsed.request.action_type);
    expect(data.resource).toBe(here.parsed.request.resource);
    // Cut to its bounds, and masked.
    expect(data.parameters.content.length).toBeLessThan(20_000);
    expect(data.parameters.content).toContain('…[redacted]');
    expect(recorded!.data).not.toContain('K'.repeat(30));
  });

  it('that cannot be read is answered in the agent’s asking form, as here', async () => {
    t = await openTestCore();
    const notAnObject = Array.from({ length: 9_000 }, () => 'x'.repeat(10));
    const answer = await hook(t, 'gemini', notAnObject);
    expect(t.g.secretScans.threadStarted).toBe(true);
    expect(readHookInput('gemini', JSON.stringify(notAnObject))).toEqual({ failure: 'the hook input is not a JSON object', event: null });
    expect(JSON.parse(answer.stdout)).toMatchObject({
      decision: 'ask',
      reason: expect.stringContaining('the hook input is not a JSON object'),
    });
    const noTool = { session_id: 's', cwd: '/w', hook_event_name: 'BeforeTool', pad: 'y'.repeat(100_000) };
    const failed = await hook(t, 'gemini', noTool);
    const reason = (readHookInput('gemini', JSON.stringify(noTool)) as { failure: string }).failure;
    expect(JSON.parse(failed.stdout)).toMatchObject({ decision: 'ask', reason: expect.stringContaining(reason) });
  });
});
