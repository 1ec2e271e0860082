import { afterEach, describe, expect, it } from 'vitest';
import { DOCUMENT_VALUES } from '../../src-shared/api.js';
import { GatehouseError } from '../../src-main/core/errors.js';
import { storedOutcome, storedOutcomeOfText } from '../../src-main/services/outcome.js';
import { SecretScanner } from '../../src-main/services/secret-scans.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

// An outcome report (POST /complete) may carry a whole query result: up to 1 MiB of hundreds of
// thousands of values, which the main thread took 35-240 ms to parse, check and mask (SPEC 8: no
// request may hold the event loop over 50 ms). A big report is read on the secrets thread and only
// what is stored (the masked result, cut to a preview) comes back. These check that the thread is
// used, that it stores and refuses exactly what the main thread would, and that it fails safe.

const SECRET = 'CurlUserPw77';
/** ~700 KB of JSON in 100,002 values, with a secret in its first characters. */
const bigResult = () => ({ note: `curl -u bob:${SECRET} https://x`, rows: Array.from({ length: 100_000 }, (_, i) => i % 7) });

let t: TestCore | null = null;
let scanner: SecretScanner | null = null;
afterEach(async () => {
  scanner?.close();
  scanner = null;
  await t?.close();
  t = null;
});

async function allowedAction(core: TestCore): Promise<string> {
  const r = await core.json<{ action_id: string; decision: string }>('POST', '/api/v1/actions/submit', {
    key: core.agentKey,
    body: { agent_id: 'a', action_type: 'file.read', resource: 'notes.txt' },
  });
  expect(r.body.decision).toBe('allowed');
  return r.body.action_id;
}

/** What the main thread makes of a report, or the error it refuses it with. */
function inline(text: string): unknown {
  try {
    return storedOutcomeOfText(text, DOCUMENT_VALUES);
  } catch (e) {
    if (!(e instanceof GatehouseError)) throw e;
    return { code: e.code, message: e.message, details: e.details };
  }
}

describe('a big outcome report', () => {
  it('is read on the secrets thread and stored as the main thread would store it: masked, cut to a preview', async () => {
    t = await openTestCore();
    const id = await allowedAction(t);
    const body = { status: 'success', result: bigResult(), duration_ms: 12 };
    const r = await t.json<{ status: string; result: unknown }>('POST', `/api/v1/actions/${id}/complete`, { key: t.agentKey, body });
    expect(r.status).toBe(200);
    expect(t.g.secretScans.threadStarted).toBe(true);
    const expected = storedOutcome(body as never);
    expect(r.body.status).toBe('completed');
    expect(r.body.result).toEqual(JSON.parse(expected.result!));
    expect(JSON.stringify(r.body.result)).toContain('curl -u bob:…[redacted]');
    const log = await (await t.req('GET', '/api/v1/audit/export?format=jsonl')).text();
    expect(log).toContain('"truncated":true');
    expect(log).not.toContain(SECRET);
  });

  it('is refused as the main thread would refuse it, and changes nothing', async () => {
    t = await openTestCore();
    const id = await allowedAction(t);
    const rows = JSON.stringify(bigResult().rows);
    const bad = [
      // a duplicate key deep inside: a 400 naming it
      `{"status":"success","result":{"rows":${rows},"deep":{"k":1,"k":2}}}`,
      // a wrong status: a 400 naming the field
      `{"status":"done","result":{"rows":${rows}}}`,
      // an unknown field
      `{"status":"success","result":{"rows":${rows}},"extra":1}`,
      // nested past the API's depth
      `{"status":"success","result":{"rows":${rows},"deep":${'['.repeat(70)}${']'.repeat(70)}}}`,
    ];
    for (const text of bad) {
      expect(text.length).toBeGreaterThan(64 * 1024);
      const r = await t.req('POST', `/api/v1/actions/${id}/complete`, { key: t.agentKey, body: text });
      const answer = (await r.json()) as { error: { code: string; message: string; details: unknown } };
      const expected = inline(text) as { code: string; message: string; details?: unknown[] };
      expect(r.status, text.slice(-60)).toBe(400);
      expect(answer.error.code).toBe(expected.code);
      expect(answer.error.message).toBe(expected.message);
    }
    expect(t.g.secretScans.threadStarted).toBe(true);
    const s = await t.json<{ status: string }>('GET', `/api/v1/actions/${id}/status`, { key: t.agentKey });
    expect(s.body.status).toBe('allowed');
  });
});

describe('the secrets thread reading outcome reports', () => {
  it('leaves a small report to the main thread (no thread, the same answer)', async () => {
    scanner = new SecretScanner({ log: () => undefined, from: 1_000 });
    const text = JSON.stringify({ status: 'failure', error: `curl -u bob:${SECRET} x` });
    expect(await scanner.readBody('outcome', text, DOCUMENT_VALUES, null)).toEqual(inline(text));
    expect(scanner.threadStarted).toBe(false);
  });

  it('gives way to the main thread when it stops before answering', async () => {
    const logs: string[] = [];
    scanner = new SecretScanner({ log: (m) => logs.push(m), from: 0 });
    const text = JSON.stringify({ status: 'success', result: bigResult() });
    const pending = scanner.readBody('outcome', text, DOCUMENT_VALUES, null);
    while (!scanner.threadStarted) await new Promise((r) => setTimeout(r, 1));
    scanner.close();
    expect(await pending).toEqual(inline(text));
    expect(logs.join('\n')).toMatch(/could not read a body/);
  });
});
