import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toFtsQuery } from '../../src-main/audit/query.js';
import { searchPhrases, wholeWordRuns } from '../../src-shared/index.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

// Activity's free text with a 1-2 character word (`rm`, `ls`, `db`: real shell commands and words).
// The full-text index has prefix indexes of 3 to 8 characters only, so a short word matches as a
// whole word, from its own doclist (bounded: a page of the newest hits, no scan); a prefix that short
// would merge the lists of much of the vocabulary. `rm` must find `rm -rf build/`, never `rmdir`.

let t: TestCore;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await openTestCore();
  for (const [name, agent, type, resource] of [
    ['rm', 'claude-code', 'shell.exec', 'rm -rf build/'],
    ['rmdir', 'claude-code', 'shell.exec', 'rmdir old-logs'],
    ['ls', 'cursor', 'shell.exec', 'ls -la src/'],
    ['lsof', 'cursor', 'shell.exec', 'lsof -i :8080'],
    ['db', 'dba-bot', 'database.query', 'postgres://db/main'],
    ['push', 'claude-code', 'shell.exec', 'git push origin main'],
  ] as const) {
    const r = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: agent, action_type: type, resource, parameters: { command: resource } },
    });
    expect(r.status).toBe(200);
    ids[name] = r.body.action_id;
  }
});
afterAll(async () => {
  await t?.close();
});

const actions = async (q: string, more = '') => {
  const r = await t.json<{ items: { action_id: string }[] }>('GET', `/api/v1/actions?q=${encodeURIComponent(q)}${more}`);
  expect(r.status, q).toBe(200);
  return r.body.items.map((a) => a.action_id).sort();
};
const audit = async (q: string, more = '') => {
  const r = await t.json<{ items: { action_id: string | null; type: string }[] }>('GET', `/api/v1/audit?q=${encodeURIComponent(q)}${more}`);
  expect(r.status, q).toBe(200);
  return [...new Set(r.body.items.map((x) => x.action_id))].sort();
};

describe('free text with a 1-2 character word', () => {
  it('GET /api/v1/actions?q=rm finds the `rm -rf build/` action as a whole word, not `rmdir`', async () => {
    expect(await actions('rm')).toEqual([ids.rm]);
    expect(await actions('ls')).toEqual([ids.ls]);
    expect(await actions('db')).toEqual([ids.db]);
    expect(await actions('RM')).toEqual([ids.rm]);
    expect(await actions('rm -rf')).toEqual([ids.rm]);
    expect(await actions('rm bui')).toEqual([ids.rm]); // a short word beside a prefix
    expect(await actions('rm', '&agent_id=claude-code')).toEqual([ids.rm]);
    expect(await actions('rm', '&agent_id=cursor')).toEqual([]);
    expect(await actions('rm', '&status=allowed')).toEqual([ids.rm]); // a filter on the action: the bounded walk
  });

  it('GET /api/v1/audit?q=rm finds the records of that action, and only them', async () => {
    expect(await audit('rm')).toEqual([ids.rm]);
    expect(await audit('ls')).toEqual([ids.ls]);
    expect(await audit('rm', '&type=action.decided')).toEqual([ids.rm]);
    expect(await audit('rm', '&agent_id=claude-code')).toEqual([ids.rm]);
  });

  it('the query: short runs whole, longer ones as prefixes, as the console is told', () => {
    expect(toFtsQuery('rm')).toBe('"rm"');
    expect(toFtsQuery('rm -rf build/')).toBe('"rm" "rf" "build"*');
    expect(toFtsQuery('act_9f2c')).toBe('"act 9f2c"*');
    expect(toFtsQuery('"*()')).toBeNull();
    expect(searchPhrases('db prod')).toEqual([
      { tokens: ['db'], prefix: false },
      { tokens: ['prod'], prefix: true },
    ]);
    expect(wholeWordRuns('rm -rf bui')).toEqual(['rm', 'rf']);
    expect(wholeWordRuns('production')).toEqual([]);
  });
});
