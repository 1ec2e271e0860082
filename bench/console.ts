// Console bench (issue 17): the Activity screen in Chromium over a log of 1,000,000 records.
// The log is generated fast through the store (big commits with a clock that walks a year forward,
// so the records span a year and "jump to a date" has somewhere to go), then a real `gatehouse
// serve` opens it and Debian's Chromium measures, as a person would wait for them:
//   - first page: navigating to Activity until the first rows are on screen;
//   - prefix search: from the search text reaching the URL (after the 300 ms typing pause) until
//     the matching rows are on screen (`prod` finds `production`);
//   - jump to a date: from "Go" until the rows at that date are on screen;
// each repeated, with the same query's server time (GET from Node) beside it. Target: each < 1 s.
// Run: node --import tsx bench/console.ts [--records N] [--runs R] [--terms prod,stag,…]
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '../src-shared/index.js';
import { toFtsQuery } from '../src-main/audit/query.js';
import { fullTextPath } from '../src-main/storage/database.js';
import { sqlite } from '../src-main/storage/sqlite.js';
import { openStore } from '../src-main/storage/store.js';
import type { AuditDraft, Op } from '../src-main/storage/types.js';
import { ensureBuilt, launchBrowser, shot, startGatehouse } from '../test/e2e/helpers/gatehouse.js';
import { percentile, seeded, writeResults, type Figure } from './lib.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RECORDS = arg('--records', Number(process.env.BENCH_CONSOLE_RECORDS ?? 1_000_000));
const RUNS = arg('--runs', 5);
// Records per commit: the writer thread holds one transaction in a small capped heap (24 MB).
const BATCH = 300;
const YEAR_MS = 365 * 86_400_000;
const log = (s: string) => process.stderr.write(`${s}\n`);

// ---------------------------------------------------------------------------------------------
// The log: action.decided records with their action rows, as services/actions.ts writes them.

const { rand, pick } = seeded(20_261_126);
const AGENTS = [...Array.from({ length: 40 }, (_, i) => `agent-${i}`), 'claude-code', 'mcp-client', 'etl-bot', 'deploy-bot'];
const KINDS = [
  { type: 'database.query', res: () => `postgres://${pick(['production', 'staging', 'dev'])}-${rand(20)}/table_${rand(80)}` },
  { type: 'database.delete', res: () => `postgres://${pick(['production', 'staging'])}-${rand(20)}/audit_logs` },
  { type: 'file.write', res: () => `/home/dev/projects/app-${rand(40)}/src/module-${rand(30)}/index.ts` },
  { type: 'file.read', res: () => `/home/dev/projects/app-${rand(40)}/README.md` },
  { type: 'shell.exec', res: () => `npm test --workspace app-${rand(40)}` },
  { type: 'http.request', res: () => `https://api.vendor-${rand(30)}.example.com/v2/items/${rand(100000)}` },
  { type: 'deploy.run', res: () => `${pick(['production', 'staging'])}/service-${rand(25)}` },
] as const;
const levelOf = (s: number) => (s >= 90 ? 'critical' : s >= 70 ? 'high' : s >= 30 ? 'medium' : 'low');

function action(i: number): { draft: AuditDraft; row: (seq: number, now: number) => Op } {
  const agent = pick(AGENTS);
  const kind = pick(KINDS);
  const resource = kind.res();
  const score = Math.min(100, 10 + rand(85));
  const level = levelOf(score);
  const held = score >= 70 && score < 90;
  const decision = score >= 90 ? 'denied' : 'allowed';
  // Held ones were answered, expired or withdrawn long ago.
  const status = held ? pick(['approved', 'rejected', 'expired', 'withdrawn'] as const) : decision;
  const current = status === 'approved' ? 'allowed' : held ? 'denied' : decision;
  const actionId = `act_b${i.toString(36).padStart(8, '0')}${rand(2 ** 30).toString(16)}`;
  const data: JsonObject = {
    agent_id: agent,
    action_type: kind.type,
    resource,
    tool_name: null,
    target_system: null,
    description: null,
    environment: resource.includes('production') ? 'production' : null,
    parameters: null,
    context: null,
    mcp: null,
    session_id: null,
    decision: held ? 'pending' : decision,
    status: held ? 'pending' : decision,
    requires_approval: held,
    approval_id: held ? `apr_${actionId.slice(4)}` : null,
    risk: { score, level, factors: [{ id: 'base', points: score, detail: `verb of ${kind.type}` }] },
    policy: null,
    reason: `No policy matched; risk ${score} (${level})`,
    flags: [],
    expires_at: null,
    evaluated_in_us: 40,
  };
  return {
    draft: { type: 'action.decided', actor: `agent:${agent}`, action_id: actionId, data },
    row: (seq, now) => ({
      sql: `INSERT INTO actions (action_id, seq, created_ms, agent_id, action_type, resource, decision, status, risk_score, risk_level,
              approval_id, timeout_action, approved, reviewed_by, reviewed_ms, key_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      params: [
        actionId,
        seq,
        now,
        agent,
        kind.type,
        resource,
        current,
        status,
        score,
        level,
        held ? `apr_${actionId.slice(4)}` : null,
        held ? 'deny' : null,
        current === 'allowed' ? 1 : 0,
        held ? (status === 'expired' ? 'timeout' : status === 'withdrawn' ? null : 'user') : 'policy',
        now,
        'key_default_agent',
      ],
    }),
  };
}

async function generate(dataDir: string): Promise<{ seconds: number; indexSeconds: number; firstMs: number; lastMs: number }> {
  const start = Date.now() - YEAR_MS;
  const step = YEAR_MS / RECORDS;
  let t = start;
  // Each record the store seals asks the clock once: the log walks a year forward, step by step.
  const clock = { now: () => (t = Math.min(t + step, start + YEAR_MS)) };
  const store = await openStore({ dataDir, clock, log: () => undefined });
  const t0 = Date.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < RECORDS; i += BATCH) {
    const n = Math.min(BATCH, RECORDS - i);
    const made = Array.from({ length: n }, (_, k) => action(i + k));
    // One commit per batch (one transaction, one fsync for 300 records).
    pending.push(
      store.commit(
        (records) => records.map((r, k) => made[k]!.row(r.seq, Date.parse(r.ts))),
        made.map((m) => m.draft),
      ),
    );
    if (pending.length >= 2) await pending.shift();
    if ((i / BATCH) % 300 === 0) log(`  generated ${i.toLocaleString('en-US')} records (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  await Promise.all(pending);
  for (const id of AGENTS)
    await store.commit([
      { sql: 'INSERT OR IGNORE INTO agents (agent_id, registered, created_ms, last_seen_ms) VALUES (?, 0, ?, ?)', params: [id, start, t] },
    ]);
  const seconds = (Date.now() - t0) / 1000;
  // The indexer thread trails the commits; the log is written faster than a person's agents ever
  // write, so a backlog is left. The server would index it at start, and the first search would
  // wait for it: the figures below are the search's own, on a log already indexed.
  const i0 = Date.now();
  await store.fullTextReady();
  log(`  full-text index caught up ${((Date.now() - i0) / 1000).toFixed(1)} s after the last commit`);
  await store.close();
  return { seconds, indexSeconds: (Date.now() - i0) / 1000, firstMs: start, lastMs: t };
}

// ---------------------------------------------------------------------------------------------

/** The server on the generated log, and the same queries from Node for the API-alone figures. */
async function serve(dataDir: string) {
  const s = await startGatehouse({ dataDir, startTimeoutMs: 180_000 });
  const get = async (path: string): Promise<{ ms: number; body: { items: { created_at: string }[] } }> => {
    const t0 = performance.now();
    const r = await s.api<{ items: { created_at: string }[] }>('GET', path);
    return { ms: performance.now() - t0, body: r.body };
  };
  return { url: s.url, loginUrl: s.loginUrl, get, stop: s.stop };
}

/**
 * What the query changes behind Activity bought, side by side on the same million records (a second,
 * read-only connection while the server runs): free text driven by the full-text index vs
 * `seq IN (SELECT … MATCH …)`, and a deep cursor as a row-value index range vs the OR it replaced.
 */
function queryShapes(file: string, term: string): Figure[] {
  const { DatabaseSync } = sqlite();
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    db.prepare('ATTACH DATABASE ? AS fts').run(fullTextPath(file)); // the full-text index's own file
    const SELECT = 'SELECT a.*, au.data AS data FROM actions a JOIN audit au ON au.seq = a.seq';
    const ORDER = 'ORDER BY a.created_ms DESC, a.seq DESC LIMIT 201';
    const match = toFtsQuery(term)!;
    const head = (db.prepare('SELECT MAX(seq) AS s FROM audit').get() as { s: number }).s;
    const depth = Math.floor(head / 2);
    const deep = db.prepare('SELECT created_ms, seq FROM actions ORDER BY created_ms DESC, seq DESC LIMIT 1 OFFSET ?').get(depth) as {
      created_ms: number;
      seq: number;
    };
    const time = (sql: string, params: (string | number)[]) => {
      const stmt = db.prepare(sql);
      stmt.all(...params); // warm the page cache like a second visit
      const t: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        stmt.all(...params);
        t.push(performance.now() - t0);
      }
      return percentile(
        t.sort((a, b) => a - b),
        50,
      );
    };
    const oldSearch = time(`${SELECT} WHERE a.seq IN (SELECT rowid FROM audit_fts WHERE audit_fts MATCH ?) ${ORDER}`, [match]);
    const newSearch = time(
      `SELECT a.*, au.data AS data FROM audit_fts f CROSS JOIN audit au ON au.seq = f.rowid CROSS JOIN actions a ON a.action_id = au.action_id
       WHERE f.body MATCH ? AND f.rowid >= ? AND f.rowid <= ? AND a.seq = au.seq ORDER BY f.rowid DESC LIMIT 201`,
      [match, 1, head],
    );
    const oldDeep = time(`${SELECT} WHERE (a.created_ms < ? OR (a.created_ms = ? AND a.seq < ?)) ${ORDER}`, [
      deep.created_ms,
      deep.created_ms,
      deep.seq,
    ]);
    const newDeep = time(`${SELECT} WHERE (a.created_ms, a.seq) < (?, ?) ${ORDER}`, [deep.created_ms, deep.seq]);
    return [
      {
        id: 'search_in_subquery',
        label: `  search '${term}' as seq IN (SELECT … MATCH) (0.1 query)`,
        value: oldSearch,
        unit: 'ms',
        better: 'lower',
      },
      {
        id: 'search_fts_driven',
        label: `  search '${term}' driven by the full-text index (0.2)`,
        value: newSearch,
        unit: 'ms',
        better: 'lower',
      },
      { id: 'search_speedup', label: '  search: 0.1 query / 0.2 query', value: oldSearch / newSearch, unit: '×', better: 'higher' },
      {
        id: 'deep_page_or',
        label: `  page ${depth.toLocaleString('en-US')} rows deep, cursor as an OR (0.1 query)`,
        value: oldDeep,
        unit: 'ms',
        better: 'lower',
      },
      {
        id: 'deep_page_row_value',
        label: `  page ${depth.toLocaleString('en-US')} rows deep, cursor as a row value (0.2)`,
        value: newDeep,
        unit: 'ms',
        better: 'lower',
      },
      { id: 'deep_page_speedup', label: '  deep page: 0.1 query / 0.2 query', value: oldDeep / newDeep, unit: '×', better: 'higher' },
    ];
  } finally {
    db.close();
  }
}

const localValue = (ms: number) => {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
};

async function main(): Promise<void> {
  ensureBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'gh-bench-console-'));
  const figures: Figure[] = [];
  try {
    log(`generating ${RECORDS.toLocaleString('en-US')} records through the store…`);
    const gen = await generate(dataDir);
    log(`  done in ${gen.seconds.toFixed(1)} s`);
    figures.push({
      id: 'generate',
      label: `generate the log through the store (${RECORDS.toLocaleString('en-US')} records)`,
      value: gen.seconds,
      unit: 's',
      better: 'lower',
    });
    figures.push({
      id: 'index_backlog',
      label: 'full-text indexer: backlog left by the generator, indexed after its last commit',
      value: gen.indexSeconds,
      unit: 's',
      better: 'lower',
    });

    const s = await serve(dataDir);
    const ti = process.argv.indexOf('--terms');
    const TERMS = ti > 0 ? process.argv[ti + 1]!.split(',') : ['prod', 'stag', 'vendor', 'workspac', 'audit'];
    const targetOf = (r: number) => gen.firstMs + Math.floor(((r + 1) / (RUNS + 1)) * (gen.lastMs - gen.firstMs));
    // The same queries from Node first, while nothing else asks the server anything.
    const firstApi: number[] = [];
    const searchApi: number[] = [];
    const jumpApi: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      firstApi.push((await s.get('/api/v1/actions?limit=200')).ms);
      searchApi.push((await s.get(`/api/v1/actions?limit=200&q=${TERMS[r % TERMS.length]!}`)).ms);
      jumpApi.push((await s.get(`/api/v1/actions?limit=200&until=${new Date(targetOf(r) + 1000).toISOString()}`)).ms);
    }
    const b = await launchBrowser({ width: 1280, height: 800 });
    try {
      const p = b.page;
      await p.goto(s.loginUrl);
      await p.getByRole('navigation', { name: 'Main' }).waitFor({ timeout: 60_000 });
      const rows = p.locator('.vbody .vrow[data-action-id]');
      const first: number[] = [];
      const search: number[] = [];
      const jump: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        // First page: a fresh load of /activity until rows are on screen.
        const t0 = performance.now();
        await p.goto(`${s.url}/activity`);
        await rows.first().waitFor({ timeout: 30_000 });
        first.push(performance.now() - t0);

        // Prefix search: the URL gets q= after the typing pause; then until the new rows are drawn.
        const term = TERMS[r % TERMS.length]!;
        await p.getByLabel('Search').fill(term);
        await p.waitForURL((u) => u.searchParams.get('q') === term, { timeout: 30_000 });
        const t1 = performance.now();
        await p.waitForFunction(
          (t) => {
            const d = (
              globalThis as unknown as { document: { querySelectorAll: (s: string) => ArrayLike<{ textContent: string | null }> } }
            ).document;
            const rs = Array.from(d.querySelectorAll('.vbody .vrow[data-action-id]'));
            return rs.length > 0 && rs.every((x) => (x.textContent ?? '').toLowerCase().includes(t));
          },
          term,
          { timeout: 30_000, polling: 'raf' },
        );
        search.push(performance.now() - t1);
        if (r === 0) await shot(p, 'bench-activity-search');

        // Jump to a date: somewhere in the year, from "Go" until rows at or before it are drawn.
        await p.goto(`${s.url}/activity`);
        await rows.first().waitFor({ timeout: 30_000 });
        const target = targetOf(r);
        const value = localValue(target);
        await p.getByLabel('Jump to', { exact: true }).fill(value);
        const t2 = performance.now();
        await p.getByRole('button', { name: 'Go' }).click();
        await p.waitForFunction(
          (limit) => {
            const d = (
              globalThis as unknown as { document: { querySelector: (s: string) => { getAttribute: (a: string) => string | null } | null } }
            ).document;
            const cell = d.querySelector('.vbody .vrow[data-action-id] .vcell[title]');
            const ts = cell?.getAttribute('title');
            return !!ts && Date.parse(ts) <= limit;
          },
          target + 1000,
          { timeout: 30_000, polling: 'raf' },
        );
        jump.push(performance.now() - t2);
        if (r === 0) await shot(p, 'bench-activity-jump');
        log(
          `  run ${r + 1}: first page ${first.at(-1)!.toFixed(0)} ms, search '${term}' ${search.at(-1)!.toFixed(0)} ms, jump ${jump.at(-1)!.toFixed(0)} ms`,
        );
      }
      const add = (id: string, label: string, xs: number[], target?: number) => {
        const sorted = [...xs].sort((a, b) => a - b);
        figures.push({
          id: `${id}_p50`,
          label: `${label}, median of ${xs.length}`,
          value: percentile(sorted, 50),
          unit: 'ms',
          better: 'lower',
        });
        figures.push({
          id: `${id}_max`,
          label: `${label}, slowest`,
          value: sorted[sorted.length - 1]!,
          unit: 'ms',
          target,
          better: 'lower',
        });
      };
      add('first_page', 'Activity first page in Chromium (load → rows on screen)', first, 1000);
      add('first_page_api', '  the same page from the API alone (GET /api/v1/actions, 200)', firstApi);
      add('prefix_search', `Search in Chromium (${TERMS.join(', ')}; URL → rows)`, search, 1000);
      add('prefix_search_api', '  the same search from the API alone', searchApi);
      add('jump', 'Jump to a date in Chromium (Go → rows at that date)', jump, 1000);
      add('jump_api', '  the same page from the API alone', jumpApi);
      figures.push(...queryShapes(join(dataDir, 'gatehouse.sqlite'), TERMS[0]!));
    } finally {
      await b.close();
      await s.stop();
    }
  } finally {
    if (existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
  }
  writeResults('console', figures);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
