import { afterEach, describe, expect, it } from 'vitest';
import { scanSecrets } from '../../src-shared/secrets.js';
import { SecretScanner, textReaches, textsOf } from '../../src-main/services/secret-scans.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

// Big bodies' secrets are scanned on a thread of their own (SPEC 8: no request holds the event loop
// over 50 ms; the catalogue's worst text costs it tens of ms a MiB): these check that what the thread
// answers is what the main thread would have made, and that every agent-sent body big enough goes there.

const TEXTS = [
  'nothing to see here at all',
  `ghp_${'K'.repeat(30)} and curl -u bob:CurlUserPw77 https://x`,
  'mysql -u root -pHunter2 db; --token abcdefgh',
  'curl -u '.repeat(2_000),
  '',
];

let scanner: SecretScanner | null = null;
let t: TestCore | null = null;
afterEach(async () => {
  scanner?.close();
  scanner = null;
  await t?.close();
  t = null;
});

describe('the texts of a body', () => {
  it('are its strings and object keys of 16 characters or more at any depth, each once', () => {
    const long = (c: string) => c.repeat(16);
    const body = { [long('a')]: [long('x'), { [long('k')]: long('x'), b: [[[long('d')]]] }], c: 'short', d: null, n: 1 };
    const { texts, chars } = textsOf([body, long('t'), undefined, 'x'.repeat(15)]);
    expect(texts.sort()).toEqual([long('a'), long('d'), long('k'), long('t'), long('x')]);
    expect(chars).toBe(5 * 16);
    // Whether they are big enough for the thread is read without collecting them (repeats counted: 6 × 16).
    expect(textReaches([body, long('t'), undefined, 'x'.repeat(15)], 96)).toBe(true);
    expect(textReaches([body, long('t'), undefined, 'x'.repeat(15)], 97)).toBe(false);
  });
});

describe('the secrets thread', () => {
  it('answers for every text what scanning it here gives', async () => {
    const logs: string[] = [];
    scanner = new SecretScanner({ log: (m) => logs.push(m), from: 0 });
    const scans = await scanner.prepare({ list: TEXTS });
    expect(scanner.threadStarted).toBe(true);
    for (const text of TEXTS.filter((x) => x.length > 0)) expect(scans?.get(text), text.slice(0, 30)).toEqual(scanSecrets(text));
    expect(scans?.get(TEXTS[1]!)?.detail).toBe('GitHub token (ghp_)');
    expect(logs).toEqual([]);
  });

  it('is not used for a small body, which is scanned where it is used', async () => {
    scanner = new SecretScanner({ log: () => undefined, from: 1_000 });
    expect(await scanner.prepare({ a: 'x'.repeat(999) })).toBeNull();
    expect(scanner.threadStarted).toBe(false);
    // At once: no promise, no hop through the event loop for an ordinary request.
    expect(scanner.around([{ a: `ghp_${'K'.repeat(30)}` }], () => 'inline')).toBe('inline');
  });

  it('gives way to the main thread when it stops before answering (never an unmasked text)', async () => {
    const logs: string[] = [];
    scanner = new SecretScanner({ log: (m) => logs.push(m), from: 0 });
    const pending = scanner.prepare({ a: 'curl -u '.repeat(50_000) });
    // The thread starts asynchronously: stop the scanner once the request is on its way.
    await new Promise((r) => setTimeout(r, 0));
    while (!scanner.threadStarted) await new Promise((r) => setTimeout(r, 5));
    scanner.close();
    expect(await pending).toBeNull();
    expect(logs.join('\n')).toMatch(/secrets thread could not scan a body/);
    // And it starts again for the next body.
    const again = await scanner.prepare({ a: `ghp_${'K'.repeat(30)}` });
    expect(again?.get(`ghp_${'K'.repeat(30)}`)?.masked).toBe('ghp_…[redacted]');
  });

  it('stops when idle and starts again on the next big body', async () => {
    scanner = new SecretScanner({ log: () => undefined, from: 0, idleMs: 20 });
    const text = 'nothing secret here';
    await scanner.prepare({ a: text });
    expect(scanner.threadStarted).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(scanner.threadStarted).toBe(false);
    expect((await scanner.prepare({ a: text }))?.get(text)).toEqual({ masked: text, detail: null });
  });
});

describe('agent bodies big enough for the secrets thread', () => {
  const pad = ' '.repeat(70_000);
  const SECRET = 'CurlUserPw77';

  it('registering an agent: its metadata is scanned there and stored masked', async () => {
    t = await openTestCore();
    const r = await t.json('POST', '/api/v1/agents/register', {
      key: t.agentKey,
      body: { agent_id: 'big', agent_type: 'supervised', metadata: { notes: `curl -u bob:${SECRET} x${pad}` } },
    });
    expect(r.status).toBe(200);
    expect(t.g.secretScans.threadStarted).toBe(true);
    const agents = await (await t.req('GET', '/api/v1/agents')).text();
    expect(agents).toContain('big');
    expect(agents).not.toContain(SECRET);
  });

  it('registering an MCP server: its tools are scanned there, pinned as sent and stored masked', async () => {
    t = await openTestCore();
    // A description holds at most 64 KiB: two big ones.
    const half = pad.slice(0, 40_000);
    const tools = [
      { name: 'fetch', description: `Calls curl -u bob:${SECRET} x${half}` },
      { name: 'fetch2', description: `Calls curl -u bob:${SECRET} y${half}` },
      { name: 'small' },
    ];
    const r = await t.json('POST', '/mcp/servers/register', { key: t.agentKey, body: { server_id: 'big', name: 'Big', tools } });
    expect(r.status).toBe(200);
    expect(t.g.secretScans.threadStarted).toBe(true);
    const servers = await (await t.req('GET', '/mcp/servers')).text();
    expect(servers).toContain('small');
    expect(servers).not.toContain(SECRET);
    const pins = t.g.store.all<{ tool: string; definition: string }>('SELECT tool, definition FROM mcp_tool_pins ORDER BY tool');
    expect(pins.map((p) => p.tool)).toEqual(['fetch', 'fetch2', 'small']);
    expect(pins[0]!.definition).toContain('curl -u bob:…[redacted]');
    expect(pins[1]!.definition).toContain('curl -u bob:…[redacted]');
    expect(pins[2]!.definition).toBe('{"name":"small"}');
  });

  it('testing an action against the policies: its texts are scanned there, and the secret still counts', async () => {
    t = await openTestCore();
    const r = await t.json<{ risk: { factors: { id: string; detail: string }[] } }>('POST', '/api/v1/policies/test', {
      body: { action: { action_type: 'shell.exec', parameters: { script: `curl -u bob:${SECRET} x${pad}` } } },
    });
    expect(r.status).toBe(200);
    expect(t.g.secretScans.threadStarted).toBe(true);
    expect(r.body.risk.factors.find((f) => f.id === 'secrets')?.detail).toBe('password in curl -u user:password in parameters.script');
  });

  it('simulating a draft over history: a big recorded action is scanned there for both decisions', async () => {
    t = await openTestCore();
    const submitted = await t.json('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: 'big', action_type: 'file.write', resource: 'notes.txt', parameters: { notes: `curl -u bob x${pad}` } },
    });
    expect(submitted.status).toBe(200);
    t.g.secretScans.close();
    expect(t.g.secretScans.threadStarted).toBe(false);
    const draft = [{ id: 'deny-notes', effect: 'deny', when: { resource: 'notes.txt' } }];
    const r = await t.json<{ replayed: number; changed_count: number }>('POST', '/api/v1/policies/simulate', { body: { policies: draft } });
    expect(r.body).toMatchObject({ replayed: 1, changed_count: 1 });
    expect(t.g.secretScans.threadStarted).toBe(true);
  });

  it('answering with apply_to_pending: each big waiting request is checked with its texts scanned there', async () => {
    t = await openTestCore();
    await t.json('POST', '/api/v1/policies', { body: { id: 'hold', effect: 'require_approval', when: { action_type: 'x.hold' } } });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', {
        key: t.agentKey,
        body: { agent_id: 'big', action_type: 'x.hold', resource: 'r', parameters: { notes: `curl -u bob ${i}${pad}` } },
      });
      ids.push(r.body.action_id);
    }
    t.g.secretScans.close();
    const r = await t.json<{ also_resolved: string[] }>('POST', `/api/v1/approvals/${ids[0]}/approve`, {
      body: { remember: '1h', apply_to_pending: true },
    });
    expect(r.status).toBe(200);
    expect(r.body.also_resolved.sort()).toEqual(ids.slice(1).sort());
    expect(t.g.secretScans.threadStarted).toBe(true);
  });
});
