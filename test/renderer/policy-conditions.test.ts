import { describe, expect, it } from 'vitest';
import { conditionTree, describeCondition } from '../../src-renderer/screens/policies/conditions.js';
import { compileActionCondition } from '../../src-main/engine/index.js';
import { EMPTY_POLICY, matchesEverything, simpleValue } from '../../src-renderer/screens/policies/model.js';
import { issuesOnLines, jsonErrorOffset, lineOfPath, parsePolicyText } from '../../src-renderer/screens/policies/text-issues.js';

describe('conditions in words', () => {
  it('shows nested any / all / not trees and every operator, never as "matches anything"', () => {
    const when = {
      action_type: 'shell.exec',
      any: [{ resource: { regex: '^git push' } }, { all: [{ 'risk.score': { gte: 70 } }, { not: { agent_id: { in: ['ci', 'bot*'] } } }] }],
      'context.ticket': { exists: false },
    };
    expect(describeCondition(conditionTree(when))).toBe(
      'action_type is shell.exec and (resource matches the regex ^git push or (risk.score is at least 70 and not (agent_id is any of ci, bot*))) and context.ticket is missing',
    );
    expect(conditionTree({ resource: 'rm -rf *' })).toEqual({ kind: 'field', field: 'resource', op: 'matches', value: 'rm -rf *' });
  });

  it('says "every action" only for an empty when, and flags what it cannot read', () => {
    expect(describeCondition(conditionTree({}))).toBe('every action');
    expect(describeCondition(conditionTree(undefined))).toBe('every action');
    expect(describeCondition(conditionTree({ any: [] }))).toBe('no action');
    expect(describeCondition(conditionTree({ resource: {} }))).toMatch(/^\(invalid/);
    expect(describeCondition(conditionTree({ resource: { matches: 'x' } }))).toContain("unknown operator 'matches'");
  });
});

describe('several operators on one field', () => {
  it('read as all of them, as the engine reads them (not as invalid)', () => {
    expect(describeCondition(conditionTree({ 'context.rows': { gte: 10, lte: 20 } }))).toBe(
      'context.rows is at least 10 and context.rows is at most 20',
    );
    expect(conditionTree({ resource: { regex: 'a', glob: 'b*' } })).toEqual({
      kind: 'group',
      op: 'all',
      children: [
        { kind: 'field', field: 'resource', op: 'matches the regex', value: 'a' },
        { kind: 'field', field: 'resource', op: 'matches', value: 'b*' },
      ],
    });
    expect(describeCondition(conditionTree({ resource: { exists: true, frob: 1 } }))).toContain("unknown operator 'frob'");
  });
});

describe('"matches every action" in the form', () => {
  const anyAction = { agent_id: 'claude-code', action_type: 'shell.exec', resource: 'ls' };
  it('is said of a new policy left without conditions, and the engine agrees', () => {
    const when = EMPTY_POLICY.when as Record<string, unknown>;
    expect(matchesEverything(when)).toBe(true);
    expect(compileActionCondition(when).test(anyAction)).toBe(true);
  });
  it('is never said of an empty-string condition, which the engine compares as a value', () => {
    expect(matchesEverything({ action_type: '' })).toBe(false);
    expect(compileActionCondition({ action_type: '' }).test(anyAction)).toBe(false);
    expect(simpleValue('')).toBeNull(); // not an empty text field ("no condition"): shown in the tree
    expect(describeCondition(conditionTree({ action_type: '' }))).toBe('action_type is ""');
  });
});

describe('wildcards and literal stars read differently', () => {
  it('a bare list with a wildcard "matches any of"; an in list compares literally ("is any of")', () => {
    expect(describeCondition(conditionTree({ action_type: ['db.*', 'file.read'] }))).toBe('action_type matches any of db.*, file.read');
    expect(describeCondition(conditionTree({ action_type: { in: ['db.*', 'file.read'] } }))).toBe('action_type is any of db.*, file.read');
    expect(describeCondition(conditionTree({ action_type: ['db.delete', 'file.read'] }))).toBe(
      'action_type is any of db.delete, file.read',
    );
    expect(describeCondition(conditionTree({ resource: '*' }))).toBe('resource matches *');
    expect(describeCondition(conditionTree({ resource: { eq: '*' } }))).toBe('resource is *');
  });
});

describe("the form's text fields", () => {
  it('never show a literal `*` or `?` (eq) as text, where it would read and be saved as a wildcard', () => {
    expect(simpleValue({ eq: '*' })).toBeNull();
    expect(simpleValue({ eq: 'rm -rf build/*' })).toBeNull();
    expect(simpleValue({ eq: 'file?.txt' })).toBeNull();
    expect(describeCondition(conditionTree({ resource: { eq: '*' } }))).toBe('resource is *');
    // What the text field writes back means the same.
    expect(simpleValue({ eq: 'npm test' })).toBe('npm test');
    expect(simpleValue({ glob: 'rm -rf build/*' })).toBe('rm -rf build/*');
    expect(simpleValue('prod*')).toBe('prod*');
  });
});

describe('problems on their lines', () => {
  const yamlText = 'id: p\nname: P\neffect: deny\nwhen:\n  any:\n    - resource: { regex: "([" }\n    - agent_id: x\n';

  it('finds the line of a field path in YAML and in JSON', () => {
    expect(lineOfPath(yamlText, 'effect')).toBe(3);
    expect(lineOfPath(yamlText, 'when.any.1.agent_id')).toBe(7);
    expect(lineOfPath(yamlText, 'when.any.0.resource.regex')).toBe(6);
    const jsonText = JSON.stringify({ id: 'p', when: { resource: { regex: '([' } } }, null, 2);
    expect(lineOfPath(jsonText, 'when.resource.regex')).toBe(5);
    expect(lineOfPath(yamlText, 'when.nothing.here')).toBe(4); // the nearest line that exists
    // A condition key with dots in it (the server names `when.parameters.path.regex`).
    const dotted = 'id: p\nwhen:\n  action_type: file.write\n  parameters.path: { regex: "([a-z" }\n  context.env: prod\n';
    expect(lineOfPath(dotted, 'when.parameters.path.regex')).toBe(4);
    expect(lineOfPath(dotted, 'when.context.env')).toBe(5);
  });

  it('never reads an unquoted `*…` value as the last draft that parsed: it is a YAML alias, named on its line', () => {
    const r = parsePolicyText('id: p\nwhen:\n  action_type: *.delete\n', 'yaml');
    expect(r.value).toBeUndefined();
    expect(r.issues).toEqual([{ line: 3, message: expect.stringContaining("quote it ('*.delete')") as string }]);
    // An anchor that exists is fine.
    expect(parsePolicyText('id: p\nname: &n P\ndescription: *n\n', 'yaml').value).toEqual({ id: 'p', name: 'P', description: 'P' });
  });

  it('reports parse errors with their line, for YAML and for JSON', () => {
    expect(parsePolicyText('id: a\nwhen: {\n  x: [1,\n', 'yaml').issues[0]!.line).toBeGreaterThanOrEqual(2);
    const j = parsePolicyText('{\n  "id": "a",\n  "when": { "x": }\n}', 'json');
    expect(j.value).toBeUndefined();
    expect(j.issues[0]!.line).toBe(3);
    expect(parsePolicyText(yamlText, 'yaml').value).toMatchObject({ id: 'p', when: { any: [{}, { agent_id: 'x' }] } });
  });

  it('locates the first JSON error whatever the engine says', () => {
    const at = (t: string) => t.slice(jsonErrorOffset(t));
    expect(at('{"a": [1, 2,], "b": 1}')).toBe('], "b": 1}');
    expect(at('{"a": 1 "b": 2}')).toBe('"b": 2}');
    expect(at('{"a": tru}')).toBe('tru}');
    expect(at('{"a": "x\ny"}')).toBe('\ny"}');
    expect(jsonErrorOffset('{"a": [1, {"b": null}], "c": -1.5e3}')).toBe(36);
  });

  it('puts schema and server issues on the line of the field they name', () => {
    expect(issuesOnLines(yamlText, { 'when.any.0.resource.regex': ['invalid regular expression'] })).toEqual([
      { line: 6, message: 'when.any.0.resource.regex: invalid regular expression' },
    ]);
  });
});
