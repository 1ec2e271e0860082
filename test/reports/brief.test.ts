import { spawnSync } from 'node:child_process';
import { DatabaseSync } from 'node:sqlite';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BriefSchema, ErrorBodySchema, type Brief } from '../../src-shared/index.js';
import { bursts, changeSummary, collectBrief, DENIAL_MINUTES_SQL } from '../../src-main/services/brief/collect.js';
import { niceScale } from '../../src-main/services/brief/charts.js';
import { renderBriefHtml } from '../../src-main/services/brief/html.js';
import type { BriefReader } from '../../src-main/services/brief/reader.js';
import { briefSources } from '../../src-main/http/routes/reports.js';
import { openBriefFixture, type BriefFixture } from './fixture.js';

let f: BriefFixture;
let brief30: Brief;
let brief7: Brief;
const DAY = 86_400_000;

beforeAll(async () => {
  f = await openBriefFixture();
  // Text a page must escape, in a resource and an agent's name.
  await f.t.json('POST', '/api/v1/agents/register', {
    body: { agent_id: 'html-test', name: '<img src=x onerror=alert(1)>', agent_type: 'supervised' },
  });
  f.clock.set(f.end - 30_000);
  const r = await f.t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', {
    key: f.t.agentKey,
    body: { agent_id: 'html-test', action_type: 'file.read', resource: '<script>alert("x")</script> https://evil.example/x.js' },
  });
  expect(r.status).toBe(200);
  f.expected.actions++;
  f.expected.allowed++;
  f.clock.set(f.end);
  const get = async (window: string) => {
    const res = await f.t.json<Brief>('GET', `/api/v1/reports/brief?window=${window}&format=json`);
    expect(res.status).toBe(200);
    return res.body;
  };
  brief30 = await get('30d');
  brief7 = await get('7d');
}, 120_000);
afterAll(() => f.t.close());

describe('GET /api/v1/reports/brief?format=json — the data behind the brief', () => {
  it('is exactly the Brief schema, over the asked window, with buckets that tile it', () => {
    expect(BriefSchema.strict().parse(brief30)).toEqual(brief30);
    expect(brief30.window).toBe('30d');
    expect(brief30.until).toBe(new Date(f.end).toISOString());
    expect(Date.parse(brief30.until) - Date.parse(brief30.since)).toBe(30 * DAY);
    expect(brief30.bucket_s).toBe(86_400);
    expect(brief30.buckets.length).toBeGreaterThanOrEqual(30);
    expect(brief30.buckets.length).toBeLessThanOrEqual(31);
    expect(brief7.bucket_s).toBe(6 * 3600);
    expect(brief7.buckets.length).toBeGreaterThanOrEqual(28);
    for (const b of [brief30, brief7]) {
      const times = b.buckets.map((x) => Date.parse(x.t));
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(b.bucket_s * 1000);
    }
  });

  it('counts what was put in', () => {
    const e = f.expected;
    expect(brief30.totals).toEqual({
      actions: e.actions,
      allowed: e.allowed,
      denied: e.denied,
      held: e.held,
      approved: e.approved,
      rejected: e.rejected,
      expired: e.expired,
      withdrawn: e.withdrawn,
      pending: e.pending,
    });
    const sum = (k: 'actions' | 'allowed' | 'denied' | 'held') => brief30.buckets.reduce((a, b) => a + b[k], 0);
    expect(sum('actions')).toBe(e.actions);
    expect(sum('allowed') + sum('denied') + sum('held')).toBe(e.actions);
    const l = brief30.risk.by_level;
    expect(l.low + l.medium + l.high + l.critical).toBe(e.actions);
    expect(l.critical).toBe(8); // 6 DROPs on prod by an unregistered agent, 2 dangerous shell commands
    // The week leaves out the burst ten days ago and the reads before it.
    expect(brief7.totals.actions).toBe(e.actions - 13 * 3 - 6);
    expect(brief7.denied_bursts).toEqual([]);
  });

  it('approval latency: nearest-rank percentiles and a histogram of the answers by a person', () => {
    const lat = [...f.expected.latencies].sort((a, b) => a - b);
    const rank = (p: number) => lat[Math.max(0, Math.ceil(p * lat.length) - 1)];
    const a = brief30.approval_latency;
    expect(a.answered).toBe(lat.length);
    expect(a.p50_s).toBe(rank(0.5));
    expect(a.p90_s).toBe(rank(0.9));
    expect(a.max_s).toBe(lat.at(-1));
    expect(a.histogram.reduce((s, h) => s + h.count, 0)).toBe(lat.length);
    expect(a.histogram.find((h) => h.le_s === 120)!.count).toBe(lat.filter((x) => x > 30 && x <= 120).length);
    expect(a.unanswered).toBe(f.expected.expired + f.expected.withdrawn);
  });

  it('posture: enforcement, thresholds, policies by effect, agents and their trust', () => {
    const p = brief30.posture;
    expect(p).toMatchObject({ enforcement: 'enforce', require_approval_at: 60, auto_allow_below: 30, timeout_action: 'deny' });
    expect(p.policies).toEqual({
      total: 4,
      enforced: 3,
      shadow: 1,
      disabled: 0,
      by_effect: { allow: 1, deny: 1, require_approval: 1, monitor: 0 },
      remembered: 0,
    });
    expect(p.agents).toMatchObject({ total: 4, registered: 3, unregistered: 1, autonomous: 1, active: 4 });
    const trust = Object.fromEntries(p.agents.top.map((a) => [a.agent_id, a.trust]));
    expect(trust).toEqual({
      'claude-code': 'supervised',
      'billing-bot': 'autonomous',
      'rogue-script': 'unregistered',
      'html-test': 'supervised',
    });
    expect(p.agents.top[0]!.agent_id).toBe('claude-code');
    expect(p.agents.top.find((a) => a.agent_id === 'rogue-script')).toMatchObject({ actions: 6, denied: 6, held: 0 });
  });

  it('the riskiest actions come with their factors', () => {
    const top = brief30.top_risky;
    expect(top).toHaveLength(10);
    for (let i = 1; i < top.length; i++) expect(top[i - 1]!.risk.score).toBeGreaterThanOrEqual(top[i]!.risk.score);
    expect(new Set(top.slice(0, 2).map((r) => r.action_id))).toEqual(new Set(f.expected.critical));
    for (const r of top) {
      expect(r.risk.factors.reduce((s, x) => s + x.points, 0)).toBeGreaterThanOrEqual(Math.min(r.risk.score, 100));
      expect(r.reason).not.toBe('');
    }
    expect(top[0]!.risk.factors.map((x) => x.id)).toContain('dangerous-shell');
  });

  it('changes, denied bursts and alerts', () => {
    const summaries = brief30.policy_changes.items.map((i) => i.summary);
    expect(summaries).toContain('Settings: require_approval_at 70 → 60');
    expect(summaries).toContain("Changed policy 'reads-ok' (allow): priority 10 → 20");
    expect(summaries).toContain("Created policy 'trial-shell' (deny, shadow)");
    expect(summaries.some((s) => s.startsWith('Added webhook to hooks.example.com'))).toBe(true);
    expect(summaries).toContain("Created approval workflow 'two-person-rule' (2 steps)");
    expect(brief30.policy_changes.total).toBe(brief30.policy_changes.items.length);
    expect(brief30.denied_bursts).toEqual([
      { agent_id: 'rogue-script', start: new Date(f.end - 10 * DAY + 6 * 3_600_000).toISOString(), end: expect.any(String), denied: 6 },
    ]);
    expect(brief30.alerts.items.map((a) => a.kind)).toContain('repeated-denials');
    expect(brief30.alerts.total).toBe(brief30.alerts.items.length);
  });

  it('a denied burst is 5 denials of one agent within any 10 minutes, across clock boundaries', () => {
    const at = (h: number, m: number) => Date.UTC(2026, 10, 20, h, m) / 60_000;
    const series = (pairs: [number, number][]) => new Map(pairs.map(([m, n]) => [m, n]));
    const found = bursts(
      new Map([
        [
          'straddler',
          series([
            [at(9, 58), 3],
            [at(10, 1), 3],
          ]),
        ], // 6 within 4 minutes, across 10:00
        [
          'slow',
          series([
            [at(9, 0), 2],
            [at(9, 20), 2],
            [at(9, 40), 2],
          ]),
        ], // never 5 within 10 minutes
        [
          'twice',
          series([
            [at(8, 0), 5],
            [at(8, 5), 1],
            [at(12, 0), 5],
          ]),
        ], // two separate bursts
      ]),
    );
    expect(found).toEqual([
      // most denials first, then earliest
      { agent_id: 'twice', start: '2026-11-20T08:00:00.000Z', end: '2026-11-20T08:06:00.000Z', denied: 6 },
      { agent_id: 'straddler', start: '2026-11-20T09:58:00.000Z', end: '2026-11-20T10:02:00.000Z', denied: 6 },
      { agent_id: 'twice', start: '2026-11-20T12:00:00.000Z', end: '2026-11-20T12:01:00.000Z', denied: 5 },
    ]);
  });

  it('chain verification, the checkpoint slot, and compliance notes', () => {
    expect(brief30.chain.ok).toBe(true);
    expect(brief30.chain.first_bad_seq).toBeNull();
    expect(brief30.chain.records).toBe(f.t.g.store.head().seq);
    expect(brief30.chain.head_hash).toBe(f.t.g.store.head().hash);
    expect(brief30.checkpoint.available).toBe(false);
    expect(brief30.compliance.retention_days).toBeNull();
    expect(brief30.compliance.sinks).toEqual([]); // none configured (SPEC 7.8: listed with type and target when there are)
    // The webhook's path (often a secret, as in Slack's) is not in the report.
    expect(brief30.compliance.webhooks).toEqual([
      { target: 'https://hooks.example.com', events: ['action.denied', 'approval.requested'], enabled: true },
    ]);
  });

  it('sends the window-sized queries to the read worker with their size, yields before every query, and the worker gives the same brief', async () => {
    const seen: { sql: string; rowsHint: number | undefined }[] = [];
    let turns = 0;
    let stop = false;
    const tick = () => {
      turns++;
      if (!stop) setImmediate(tick);
    };
    setImmediate(tick);
    const base = briefSources(f.t.g);
    // Every query, whatever its hint, on the read worker (the path a big log takes).
    const read: BriefReader = async <T>(sql: string, params: (string | number | null)[] = [], opts: { rowsHint?: number } = {}) => {
      seen.push({ sql, rowsHint: opts.rowsHint });
      return base.read<T>(sql, params, { rowsHint: Number.MAX_SAFE_INTEGER });
    };
    const onWorker = await collectBrief({ ...base, read }, '30d');
    stop = true;
    for (const k of ['totals', 'risk', 'buckets', 'top_risky', 'approval_latency', 'policy_changes', 'denied_bursts', 'alerts'] as const)
      expect(onWorker[k], k).toEqual(brief30[k]);
    expect(onWorker.posture.agents).toEqual(brief30.posture.agents);
    // The queries over the window's actions, or over the audit records since the window began, carry their size.
    const windowed = seen.filter((q) => /FROM actions\s+WHERE .*created_ms >= \? AND created_ms < \?/s.test(q.sql));
    expect(windowed.length).toBeGreaterThanOrEqual(5);
    for (const q of windowed) expect(q.rowsHint, q.sql).toBeGreaterThanOrEqual(brief30.totals.actions);
    const audited = seen.filter((q) => /FROM audit WHERE type .* AND seq >= \?/s.test(q.sql));
    expect(audited.length).toBe(4);
    for (const q of audited) expect(q.rowsHint, q.sql).toBeGreaterThan(0);
    expect(turns).toBeGreaterThanOrEqual(seen.length - 1); // one turn of the loop per query at least
  });

  it('the denial minutes left in SQL give exactly the bursts all of them give', () => {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE actions (agent_id TEXT, created_ms INTEGER, decision TEXT)');
    const insert = db.prepare('INSERT INTO actions VALUES (?, ?, ?)');
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648), seed % n);
    const t0 = Date.UTC(2026, 10, 1);
    for (let i = 0; i < 4_000; i++) {
      // Clusters and scattered denials of a few agents over two days, some allowed actions between them.
      const agent = `agent-${rand(4)}`;
      const at = t0 + (rand(3) === 0 ? rand(2 * 1440) : rand(40) * 70 + rand(12)) * 60_000 + rand(60_000);
      insert.run(agent, at, rand(5) === 0 ? 'allowed' : 'denied');
    }
    const range = [t0, t0 + 3 * DAY];
    const group = (rows: { agent_id: string; m: number; n: number }[]) => {
      const out = new Map<string, Map<number, number>>();
      for (const r of rows) (out.get(r.agent_id) ?? out.set(r.agent_id, new Map()).get(r.agent_id)!).set(r.m, r.n);
      return out;
    };
    const all = db
      .prepare(
        "SELECT agent_id, CAST(created_ms / 60000 AS INTEGER) AS m, COUNT(*) AS n FROM actions WHERE decision = 'denied' AND created_ms >= ? AND created_ms < ? GROUP BY agent_id, m",
      )
      .all(...range) as { agent_id: string; m: number; n: number }[];
    const kept = db.prepare(DENIAL_MINUTES_SQL).all(...range) as { agent_id: string; m: number; n: number }[];
    expect(kept.length).toBeLessThan(all.length);
    const expected = bursts(group(all));
    expect(expected.length).toBeGreaterThan(3);
    expect(bursts(group(kept))).toEqual(expected);
    db.close();
  });

  it('rejects bad queries and agent keys', async () => {
    for (const q of ['window=1d', 'format=xml', 'window=30d&extra=1']) {
      const r = await f.t.json('GET', `/api/v1/reports/brief?${q}`);
      expect(r.status, q).toBe(400);
      ErrorBodySchema.parse(r.body);
    }
    expect((await f.t.json('GET', '/api/v1/reports/brief', { key: f.t.agentKey })).status).toBe(403);
    expect((await f.t.json('GET', '/api/v1/reports/brief', { key: null })).status).toBe(401);
  });
});

describe('the HTML brief', () => {
  let html = '';
  let res: Response;
  beforeAll(async () => {
    res = await f.t.req('GET', '/api/v1/reports/brief?window=30d&format=html');
    html = await res.text();
  });

  it('is one self-contained page: no script, no external reference, a CSP that loads nothing', () => {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|<iframe|<object|<embed|@import|url\(/i);
    // No attribute that loads or links anything; text may mention URLs (a resource, a webhook host).
    const tags = [...html.matchAll(/<[a-z][^>]*>/gi)].map((m) => m[0]);
    expect(tags.length).toBeGreaterThan(100);
    for (const tag of tags) {
      expect(tag, tag).not.toMatch(/\s(src|href|action|xlink:href|poster|srcset|background)\s*=/i);
      expect(tag, tag).not.toMatch(/https?:\/\//i);
    }
    expect(html).toContain('https://hooks.example.com'); // as text
  });

  it('has the sections and the charts as inline SVG', () => {
    for (const h of [
      'Summary',
      'Security posture',
      'Risk trend',
      'Decisions and approvals',
      'Riskiest actions',
      'Policy and configuration changes',
      'Denied bursts and alerts',
      'Audit log integrity',
      'Compliance notes',
    ])
      expect(html).toContain(`<h2>${h}</h2>`);
    expect((html.match(/<svg /g) ?? []).length).toBe(3);
    expect(html).toContain('Latest signed checkpoint: not available.');
    expect(html).toContain('Settings: require_approval_at 70 → 60');
    expect(html).toContain('rogue-script');
  });

  it('escapes what agents send', () => {
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('renders an empty period without failing', async () => {
    const empty = renderBriefHtml({
      ...brief7,
      totals: { actions: 0, allowed: 0, denied: 0, held: 0, approved: 0, rejected: 0, expired: 0, withdrawn: 0, pending: 0 },
      buckets: brief7.buckets.map((b) => ({
        ...b,
        actions: 0,
        allowed: 0,
        denied: 0,
        held: 0,
        risk: { low: 0, medium: 0, high: 0, critical: 0, avg: null, max: null },
      })),
      top_risky: [],
      denied_bursts: [],
      alerts: { total: 0, items: [] },
      policy_changes: { total: 0, items: [] },
    });
    expect(empty).toContain('No actions in this period');
    expect(niceScale(0)).toEqual({ top: 4, step: 1 });
    expect(niceScale(7)).toEqual({ top: 8, step: 2 });
    expect(niceScale(1234).step).toBe(500);
  });
});

describe('the PDF brief', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-brief-pdf-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is a real PDF (Chromium, page.pdf) whose pages render and carry the report', async () => {
    const res = await f.t.req('GET', '/api/v1/reports/brief?window=30d&format=pdf');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="gatehouse-brief-30d-2026-11-26\.pdf"/);
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const file = join(dir, 'brief.pdf');
    writeFileSync(file, pdf);
    // poppler-utils: the pages rasterise, and the text is the report's.
    const png = spawnSync('pdftoppm', ['-r', '40', '-png', file, join(dir, 'page')], { encoding: 'utf8' });
    expect(png.status, png.stderr).toBe(0);
    const pages = readdirSync(dir).filter((n) => n.startsWith('page') && n.endsWith('.png'));
    expect(pages.length).toBeGreaterThanOrEqual(3);
    const text = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text.status).toBe(0);
    for (const s of ['Gatehouse executive brief', 'Security posture', 'Risk trend', 'Riskiest actions', 'not available', 'rogue-script'])
      expect(text.stdout).toContain(s);
    expect(text.stdout.replace(/\s+/g, '')).toContain(`1/${pages.length}`); // the footer's page numbers
  });

  it('without Chromium: 503 naming the HTML brief as the way out', async () => {
    const saved = process.env.GATEHOUSE_CHROMIUM;
    process.env.GATEHOUSE_CHROMIUM = '/nonexistent/chromium';
    try {
      const r = await f.t.json<{ error: { code: string; message: string } }>('GET', '/api/v1/reports/brief?window=7d&format=pdf');
      expect(r.status).toBe(503);
      expect(r.body.error.message).toMatch(/format=html/);
    } finally {
      if (saved === undefined) delete process.env.GATEHOUSE_CHROMIUM;
      else process.env.GATEHOUSE_CHROMIUM = saved;
    }
  });
});

// Last: it writes a checkpoint record, which the tests above expect not to exist yet.
describe('the checkpoint slot', () => {
  it('reads a signed checkpoint when the log has one', async () => {
    await f.t.g.store.commit(
      [],
      [{ type: 'checkpoint.signed' as never, actor: 'system', data: { tree_size: 42, root_hash: 'abc=', origin: 'gatehouse.local/x' } }],
    );
    const b = (await f.t.json<Brief>('GET', '/api/v1/reports/brief?window=7d&format=json')).body;
    expect(b.checkpoint).toMatchObject({ available: true, tree_size: 42, root_hash: 'abc=', origin: 'gatehouse.local/x' });
  });
});

describe('change summaries of workflows and A/B tests', () => {
  it('say what changed in a line', () => {
    expect(
      changeSummary('ab_test.created', {
        ab_test: { name: 'Stricter shell', control_policy: 'shell-ask', test_policy: 'shell-deny', traffic_split: 10 },
      }),
    ).toBe("Started A/B test 'Stricter shell': 10 % of 'shell-ask' decided by 'shell-deny'");
    expect(changeSummary('ab_test.stopped', { ab_test_id: 'abt_1', name: 'Stricter shell' })).toBe("Stopped A/B test 'Stricter shell'");
    expect(changeSummary('workflow.deleted', { workflow_id: 'two-person-rule' })).toBe("Deleted approval workflow 'two-person-rule'");
    expect(changeSummary('policy.imported', { policy_ids: ['a', 'b'], workflow_ids: ['w'], created: 1, updated: 1 })).toBe(
      'Imported a policy file: 2 policies (1 new, 1 updated), 1 approval workflow',
    );
  });
});
