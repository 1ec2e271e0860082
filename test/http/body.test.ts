import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { jsonShape } from '../../src-main/core/json-shape.js';
import { parseJsonText } from '../../src-main/core/json-body.js';
import { HttpError } from '../../src-main/http/errors.js';
import { MAX_ACTION_VALUES } from '../../src-shared/index.js';
import { BASE, openTestCore, type TestCore } from '../helpers/core.js';

/**
 * SPEC 5 "Bodies" (issue 13): what JSON.parse would silently change is a 400 naming the field —
 * on 0.1 duplicate keys took the last value, lone surrogates became 500s later, numbers overflowing
 * a double became ±Infinity (a 500, or null once stored), and big integers were rounded.
 */
function problem(text: string): { code: string; path: string | undefined; message: string } {
  try {
    parseJsonText(text);
  } catch (e) {
    if (e instanceof HttpError) return { code: e.code, path: e.details?.[0]?.path, message: e.message };
    throw e;
  }
  throw new Error(`accepted: ${text}`);
}

describe('strict JSON bodies', () => {
  it.each([
    ['{"a":1,"a":2}', 'a', /duplicate key 'a'/],
    ['{"a":1,"\\u0061":2}', 'a', /duplicate key 'a'/],
    ['{"parameters":{"x":{"k":1,"k":1}}}', 'parameters.x.k', /duplicate key 'k'/],
    ['{"items":[{"a":1},{"b":1,"b":2}]}', 'items[1].b', /duplicate key 'b'/],
    ['{"description":"\\ud800"}', 'description', /lone surrogate/],
    ['{"p":["ok","\\udc00x"]}', 'p[1]', /lone surrogate/],
    ['{"p":"\\ud800\\u0041"}', 'p', /lone surrogate/],
    ['{"\\udfff":1}', '\udfff', /field name has a lone surrogate/],
    ['{"context":{"estimated_rows":1e400}}', 'context.estimated_rows', /too large for a double .*Infinity/],
    ['{"n":-1e309}', 'n', /-Infinity/],
    ['{"n":' + '9'.repeat(400) + '}', 'n', /too large for a double/],
    ['{"id":9007199254740993}', 'id', /integer 9007199254740993 is beyond ±2\^53 and would be rounded/],
    ['{"id":10000000000000000}', 'id', /beyond ±2\^53, where a double no longer holds every integer/],
    ['{"id":-9007199254740993}', 'id', /beyond/],
    ['{"id":12345678901234567890}', 'id', /beyond/],
    ['{"id":9007199254740993.0}', 'id', /beyond ±\(2\^53 − 1\) and would be rounded to 9007199254740992/],
    ['{"p":{"n":9007199254740993e0}}', 'p.n', /would be rounded/],
    ['{"n":90071992547409930e-1}', 'n', /would be rounded/],
    ['{"n":-9007199254740993.5}', 'n', /would be rounded/],
    ['{"n":1.00000000000000000001e25}', 'n', /would be rounded/],
    ['{"tiny":1e-400}', 'tiny', /too small for a double/],
    ['{"a":{"__proto__":{"x":1}}}', 'a.__proto__', /not allowed/],
  ])('%s → 400 at %j', (text, path, message) => {
    const p = problem(text);
    expect(p.code).toMatch(/^invalid_(json|request)$/);
    expect(p.path).toBe(path);
    expect(p.message).toMatch(message);
  });

  it.each([
    '{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}',
    '{"s":"\\ud83d\\ude00 and 😀","k":"\\\\u0000 \\"quoted\\" \\\\"}',
    '{"n":9007199254740991,"m":-9007199254740991,"f":1.5e300,"g":0.1,"z":0,"e":0e10,"neg":-0.0}',
    // SPEC 5 refuses integers *beyond* ±2^53: ±2^53 itself is a double exactly as written.
    '{"n":9007199254740992,"m":-9007199254740992}',
    '{"big":123456789012345.678}',
    '{"a":1e20,"b":-2.5e30,"c":9007199254740992.0,"d":1.7e308,"e":4.5e15}',
    '[1,2,3]',
    '"a string"',
    '{"a\\"b":1,"a\\\\\\"b":2}',
  ])('%s is accepted unchanged', (text) => {
    expect(parseJsonText(text)).toEqual(JSON.parse(text));
  });

  it('keeps the depth limit and syntax errors as before', () => {
    expect(problem('['.repeat(100) + ']'.repeat(100)).message).toMatch(/nested deeper than 64/);
    expect(problem('{"a":').code).toBe('invalid_json');
  });
});

describe('jsonShape: depth and values read off the raw text', () => {
  /** The reference: the value itself plus every member and item, counted on the parsed value. */
  const count = (v: unknown): number =>
    v === null || typeof v !== 'object' ? 1 : 1 + Object.values(v as object).reduce((n: number, x) => n + count(x), 0);
  const depth = (v: unknown): number =>
    v === null || typeof v !== 'object' ? 0 : 1 + Math.max(0, ...Object.values(v as object).map(depth));

  it('counts exactly what the parsed value holds, whatever the spacing, strings and escapes', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.boolean(), (v, spaced) => {
        const text = JSON.stringify(v, null, spaced ? 2 : undefined);
        expect(jsonShape(text)).toEqual({ values: count(v), depth: depth(v) });
      }),
      { numRuns: 500 },
    );
    expect(jsonShape('{"a,b":"[{,}]","c":[[], {}, [1, "x\\"]", {"d": null}]]}')).toEqual({ values: 10, depth: 4 });
  });

  it('stops past a limit, saying only that it is past it', () => {
    const big = `[${Array.from({ length: 50_000 }, () => '1').join(',')}]`;
    expect(jsonShape(big, { values: 100 }).values).toBe(101);
    expect(jsonShape('['.repeat(70) + ']'.repeat(70), { depth: 64 }).depth).toBe(65);
  });
});

describe('strict JSON bodies over HTTP', () => {
  let t: TestCore;
  beforeAll(async () => {
    t = await openTestCore();
  });
  afterAll(() => t.close());

  const send = (path: string, body: string) =>
    t.json<{ error: { code: string; details?: { path: string }[] } }>('POST', path, { key: t.agentKey, body });

  it('a submit with a duplicate key is refused before anything sees it (0.1: the last one won)', async () => {
    const r = await send('/api/v1/actions/submit', '{"agent_id":"a","action_type":"file.read","action_type":"shell.exec","resource":"x"}');
    expect(r.status).toBe(400);
    expect(r.body.error.details?.[0]?.path).toBe('action_type');
  });

  it('a number overflowing a double is refused on registration (0.1 stored it as null)', async () => {
    const r = await send('/api/v1/agents/register', '{"agent_id":"overflow","agent_type":"autonomous","metadata":{"n":1e999}}');
    expect(r.status).toBe(400);
    expect(r.body.error.details?.[0]?.path).toBe('metadata.n');
    const agents = await t.json<{ items: { agent_id: string }[] }>('GET', '/api/v1/agents', { key: t.adminKey });
    expect(agents.body.items.some((a) => a.agent_id === 'overflow')).toBe(false);
  });

  it('a body declared in another charset is a 415, not its bytes read as UTF-8 (Ã© in ISO-8859-1 became é)', async () => {
    // "Ã©" in ISO-8859-1 is the bytes C3 A9: read as UTF-8 they are "é", another description.
    const latin1 = Buffer.from('{"agent_id":"cs","action_type":"file.read","description":"\u00c3\u00a9"}', 'latin1');
    const post = (path: string, type: string, body: Uint8Array | string) =>
      t.app.request(`${BASE}${path}`, { method: 'POST', headers: { 'X-API-Key': t.adminKey, 'Content-Type': type }, body });
    for (const type of [
      'application/json; charset=iso-8859-1',
      'application/json;charset="windows-1252"',
      'application/json; Charset=UTF-16',
    ]) {
      const r = await post('/api/v1/actions/submit', type, latin1);
      expect(r.status, type).toBe(415);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');
    }
    const yaml = await post('/api/v1/policies/import', 'application/yaml; charset=latin1', 'version: 1\npolicies: []\n');
    expect(yaml.status).toBe(415);
    const list = await t.json<{ items: unknown[] }>('GET', '/api/v1/actions?agent_id=cs', { key: t.adminKey });
    expect(list.body.items).toEqual([]);
    // UTF-8, however it is spelled, is read as before.
    for (const type of ['application/json; charset=utf-8', 'application/json; charset="UTF-8"', 'application/json;charset=utf8'])
      expect((await post('/api/v1/actions/submit', type, '{"agent_id":"cs","action_type":"file.read"}')).status, type).toBe(200);
  });

  it('a lone surrogate is a 400, not a 500', async () => {
    const r = await send('/api/v1/actions/submit', '{"agent_id":"a","action_type":"file.read","description":"\\ud800"}');
    expect(r.status).toBe(400);
    expect(r.body.error.details?.[0]?.path).toBe('description');
  });

  it('an action holding more values than MAX_ACTION_VALUES is a 413 before anything decides or records it; one within is decided', async () => {
    const records = async () => (await t.json<{ records: number }>('GET', '/api/v1/audit/verify', { key: t.adminKey })).body.records;
    const before = await records();
    const items = (n: number) => Array.from({ length: n }, (_, i) => `item ${i}`);
    const submit = (n: number) =>
      send('/api/v1/actions/submit', JSON.stringify({ agent_id: 'bulk', action_type: 'tool.x', parameters: { rows: items(n) } }));
    const over = await submit(MAX_ACTION_VALUES);
    expect(over.status).toBe(413);
    expect(over.body.error.code).toBe('too_large');
    expect(JSON.stringify(over.body)).toContain('more than 10,000 JSON values');
    // Nested objects count member by member.
    const nested = await send(
      '/mcp/governance/evaluate',
      JSON.stringify({ server_id: 's', tool: 't', parameters: { a: Array.from({ length: 3400 }, (_, i) => ({ i, j: i })) } }),
    );
    expect(nested.status).toBe(413);
    expect(await records()).toBe(before);
    expect((await submit(MAX_ACTION_VALUES - 10)).status).toBe(200);
  });

  it('a hook input over the limit is answered in the agent’s own asking form, never passed', async () => {
    const input = {
      hook_event_name: 'PreToolUse',
      tool_name: 'MultiEdit',
      session_id: 's',
      tool_input: { edits: Array.from({ length: 4000 }, () => ({ a: 1, b: 2 })) },
    };
    const r = await t.json<{ stdout: string; exit_code: number }>('POST', '/api/v1/hooks/claude-code', { key: t.agentKey, body: input });
    expect(r.status).toBe(200);
    expect(r.body.exit_code).toBe(0);
    expect(JSON.parse(r.body.stdout)).toMatchObject({
      hookSpecificOutput: { permissionDecision: 'ask', permissionDecisionReason: expect.stringContaining('more than 10,000 JSON values') },
    });
  });
});
