import { describe, expect, it } from 'vitest';
import { appendTo, removeFrom, type JsonContainerNode } from '../../../src-main/core/jsonc-edit.js';
import { parseJsonc, toJsonValue } from '../../../src-main/core/jsonc.js';
import { addOurs, hasOurs, removeOurs } from '../../../src-main/services/hooks/config/edit.js';
import { targetsOf } from '../../../src-main/services/hooks/config/targets.js';

/** The text edits `hook install` makes in an agent's JSONC config (core/jsonc-edit.ts, config/edit.ts). */
const root = (text: string) => parseJsonc(text) as JsonContainerNode;
const list = (text: string) => (root(text) as Extract<JsonContainerNode, { kind: 'object' }>).members[0]!.value as JsonContainerNode;

describe('appendTo / removeFrom', () => {
  it.each([
    ['{}', 'compact'],
    ['{"a":1}', 'compact with a member'],
    ['{}\n', 'empty, in a file of lines'],
    ['{\n  "a": 1 // c\n}\n', 'a line comment after the last member'],
    ['{\r\n\t"a": 1,\r\n}\r\n', 'CRLF, tabs, a trailing comma'],
    ['{ /* only a comment */ }', 'empty but for a comment'],
  ])('adding then removing a member gives the text back: %s (%s)', (text) => {
    const added = appendTo(text, root(text), 'k', toJsonValue({ x: [1, 'y'] }));
    const r = root(added) as Extract<JsonContainerNode, { kind: 'object' }>;
    expect(r.members.at(-1)!.key).toBe('k');
    expect(removeFrom(added, r, r.members.length - 1)).toBe(text);
  });

  it('an empty container written over lines comes back as `[]`', () => {
    const text = '{"l": [\n]}';
    const added = appendTo(text, list(text), null, 'x');
    expect(added).toBe('{"l": [\n  "x"\n]}');
    expect(removeFrom(added, list(added), 0)).toBe('{"l": []}');
  });

  it('an element among comments leaves them, and what is left still reads', () => {
    const text = '{"l": [ // mine\n  1,\n]}';
    const out = removeFrom(text, list(text), 0);
    expect(out).toBe('{"l": [ // mine\n  \n]}');
    expect(() => parseJsonc(out)).not.toThrow();
  });

  it('removes a first, a middle and a last element with their commas', () => {
    const text = '[\n  1,\n  2,\n  3\n]';
    expect(removeFrom(text, root(text), 0)).toBe('[\n  2,\n  3\n]');
    expect(removeFrom(text, root(text), 1)).toBe('[\n  1,\n  3\n]');
    expect(removeFrom(text, root(text), 2)).toBe('[\n  1,\n  2\n]');
  });
});

describe('our entries in a config', () => {
  const t = targetsOf('claude-code', 'user', { home: '/h' })[0] as Parameters<typeof removeOurs>[1];
  const ours = (w: number) => ({
    type: 'command',
    command: `sh /d/hooks/gatehouse-hook.sh claude-code --data-dir /d --wait ${w}`,
    timeout: w + 10,
  });

  it('from a group shared with the user’s own hook only our entry leaves', () => {
    const text = `{"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [{"command": "mine"}, ${JSON.stringify(ours(5))}]}]}}`;
    expect(removeOurs(text, t)).toBe('{"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [{"command": "mine"}]}]}}');
  });

  it('install keeps our first group (refreshed in place) and takes out a second one', () => {
    const g = (w: number) => JSON.stringify({ matcher: '*', hooks: [ours(w)] });
    const text = `{"hooks": {"PreToolUse": [${g(5)}, {"matcher": "Bash", "hooks": []}, ${g(6)}], "PermissionRequest": [${g(7)}]}}`;
    const out = addOurs(text, t, ours(300));
    expect(out).toBe(`{"hooks": {"PreToolUse": [${g(300)}, {"matcher": "Bash", "hooks": []}], "PermissionRequest": [${g(300)}]}}`);
    expect(hasOurs(out, t)).toBe(true);
    expect(removeOurs(out, t)).toBe('{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": []}]}}');
  });
});
