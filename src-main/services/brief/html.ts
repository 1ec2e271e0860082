import type { Brief, BriefBucket } from '../../../src-shared/index.js';
import { bars, esc, stackedBars } from './charts.js';

/**
 * The executive brief as one self-contained HTML page (SPEC 13): inline CSS and SVG only — no
 * script, no font, no image file, no link that loads anything — so it reads the same offline, in a
 * mail attachment, or printed to PDF. Times are UTC.
 */

const C = {
  allowed: '#2f855a',
  held: '#c05621',
  denied: '#c53030',
  low: '#68a67d',
  medium: '#d69e2e',
  high: '#dd6b20',
  critical: '#9b2c2c',
  line: '#1e3a8a',
  person: '#3b5bdb',
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');
function day(isoTime: string): string {
  const d = new Date(isoTime);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}
function when(isoTime: string): string {
  const d = new Date(isoTime);
  return `${day(isoTime)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}
/** Tooltip labels and axis ticks: days for a month (every few), midnights for a week. */
function axis(b: Brief): { labels: string[]; ticks: string[] } {
  const daily = b.bucket_s >= 86_400;
  const dayOf = (d: Date) => `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
  const labels = b.buckets.map((x: BriefBucket) => {
    const d = new Date(x.t);
    return daily ? dayOf(d) : `${dayOf(d)} ${pad(d.getUTCHours())}:00`;
  });
  const every = Math.max(1, Math.ceil(labels.length / 8));
  const ticks = b.buckets.map((x, i) => {
    const d = new Date(x.t);
    if (daily) return i % every === 0 ? dayOf(d) : '';
    return d.getUTCHours() === 0 ? dayOf(d) : '';
  });
  return { labels, ticks };
}
const num = (n: number) => n.toLocaleString('en-US');
const pct = (n: number, d: number) => (d ? `${Math.round((n / d) * 100)}%` : '—');
function duration(s: number | null): string {
  if (s === null) return '—';
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} days`;
}
const plural = (n: number, one: string, many = `${one}s`) => `${num(n)} ${n === 1 ? one : many}`;
const trim = (s: string | null, max = 90) => (s === null ? '—' : s.length > max ? `${s.slice(0, max - 1)}…` : s);
const legend = (items: [string, string][]) =>
  `<div class="legend">${items.map(([label, color]) => `<span><i style="background:${color}"></i>${esc(label)}</span>`).join('')}</div>`;

/** The handful of sentences a reader takes away. */
function keyPoints(b: Brief): string[] {
  const p = b.posture;
  const t = b.totals;
  const out: string[] = [];
  out.push(
    p.enforcement === 'enforce'
      ? `Gatehouse is <b>enforcing</b>: denials and approval requests stop actions before they run.`
      : `Gatehouse is in <b>monitoring mode</b>: it records what it would deny or hold but lets every action run.`,
  );
  out.push(
    t.actions === 0
      ? `No agent actions in the last ${b.window === '7d' ? '7' : '30'} days.`
      : `${plural(t.actions, 'action')} from ${plural(p.agents.active, 'agent')}: ` +
          `${pct(t.allowed, t.actions)} allowed by policy, ${pct(t.held, t.actions)} sent to a person, ${pct(t.denied, t.actions)} denied outright.`,
  );
  if (t.held) {
    out.push(
      `Of ${plural(t.held, 'held action')}, ${num(t.approved)} were approved and ${num(t.rejected)} rejected; ` +
        `median answer time ${duration(b.approval_latency.p50_s)}` +
        (b.approval_latency.unanswered ? `; <b>${num(b.approval_latency.unanswered)} went unanswered</b> (expired or abandoned).` : '.'),
    );
  }
  const hot = b.risk.by_level.high + b.risk.by_level.critical;
  if (t.actions) out.push(`${pct(hot, t.actions)} of actions scored high or critical risk (${num(b.risk.by_level.critical)} critical).`);
  if (p.agents.unregistered) out.push(`${plural(p.agents.unregistered, 'agent')} acted without being registered (each scores +10 risk).`);
  if (b.denied_bursts.length || b.alerts.total) {
    out.push(`${plural(b.denied_bursts.length, 'burst')} of repeated denials and ${plural(b.alerts.total, 'alert')} in the period.`);
  }
  out.push(
    b.chain.ok
      ? `The audit log's hash chain verifies: ${plural(b.chain.records, 'record')}, none altered.`
      : `<b class="bad">The audit log's hash chain does NOT verify</b> (first bad record: ${b.chain.first_bad_seq ?? 'unknown'}).`,
  );
  return out;
}

function postureSection(b: Brief): string {
  const p = b.posture;
  const e = p.policies.by_effect;
  const rows: [string, string][] = [
    ['Enforcement mode', p.enforcement === 'enforce' ? 'Enforce (decisions are binding)' : 'Monitor only (nothing is blocked)'],
    [
      'Risk thresholds',
      `allow below ${p.auto_allow_below}; a person decides from ${p.require_approval_at}${p.deny_at !== null ? `; denied from ${p.deny_at}` : ''}`,
    ],
    [
      'Unanswered approvals',
      `expire after ${duration(p.approval_timeout_s)} and are then ${p.timeout_action === 'deny' ? 'denied' : 'allowed'}`,
    ],
    [
      'Policies',
      `${num(p.policies.enforced)} enforced: ${num(e.deny)} deny, ${num(e.require_approval)} require approval, ${num(e.allow)} allow, ${num(e.monitor)} monitor` +
        `${p.policies.shadow ? `; ${num(p.policies.shadow)} in shadow (trial)` : ''}${p.policies.disabled ? `; ${num(p.policies.disabled)} disabled` : ''}` +
        `${p.policies.remembered ? `; ${num(p.policies.remembered)} made from remembered answers` : ''}`,
    ],
    [
      'Agents',
      `${num(p.agents.total)} known: ${num(p.agents.registered)} registered (${num(p.agents.autonomous)} autonomous), ${num(p.agents.unregistered)} unregistered`,
    ],
  ];
  const agents = p.agents.top.length
    ? `<table class="data"><thead><tr><th>Agent</th><th>Trust</th><th class="n">Actions</th><th class="n">Held</th><th class="n">Denied</th><th class="n">Max risk</th><th>Last seen</th></tr></thead><tbody>${p.agents.top
        .map(
          (a) =>
            `<tr><td><b>${esc(a.agent_id)}</b>${a.name ? `<div class="muted">${esc(a.name)}</div>` : ''}</td><td><span class="pill ${a.trust}">${a.trust}</span></td><td class="n">${num(a.actions)}</td><td class="n">${num(a.held)}</td><td class="n">${num(a.denied)}</td><td class="n">${a.max_risk ?? '—'}</td><td>${a.last_seen_at ? when(a.last_seen_at) : '—'}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p class="muted">No agent acted in this period.</p>';
  return `<section><h2>Security posture</h2><table class="kv">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
<h3>Most active agents</h3>${agents}</section>`;
}

function riskSection(b: Brief): string {
  const chart = stackedBars({
    title: 'Risk trend: actions by risk level, with the average risk score',
    ...axis(b),
    series: (['low', 'medium', 'high', 'critical'] as const).map((l) => ({
      label: l,
      color: C[l],
      values: b.buckets.map((x) => x.risk[l]),
    })),
    line: { label: 'average risk score', color: C.line, values: b.buckets.map((x) => x.risk.avg), max: 100 },
    emptyText: 'No actions in this period',
  });
  const l = b.risk.by_level;
  return `<section><h2>Risk trend</h2>${legend([
    ['low', C.low],
    ['medium', C.medium],
    ['high', C.high],
    ['critical', C.critical],
    ['average score (right axis)', C.line],
  ])}<figure>${chart}</figure>
<p class="muted">Per ${b.bucket_s >= 86_400 ? 'day' : `${b.bucket_s / 3600} hours`} (UTC). Overall: ${num(l.low)} low, ${num(l.medium)} medium, ${num(l.high)} high, ${num(l.critical)} critical; average score ${b.risk.avg ?? '—'} of 100.</p></section>`;
}

function decisionsSection(b: Brief): string {
  const chart = stackedBars({
    title: 'Decisions over time: allowed, sent to a person, denied',
    ...axis(b),
    series: [
      { label: 'allowed', color: C.allowed, values: b.buckets.map((x) => x.allowed) },
      { label: 'sent to a person', color: C.held, values: b.buckets.map((x) => x.held) },
      { label: 'denied', color: C.denied, values: b.buckets.map((x) => x.denied) },
    ],
    emptyText: 'No actions in this period',
  });
  const a = b.approval_latency;
  const latency = bars({
    title: 'Approval latency: answers by a person, by how long they took',
    items: a.histogram.map((h) => ({ label: h.label, value: h.count, color: C.person })),
  });
  const t = b.totals;
  const outcomes: [string, number][] = [
    ['approved', t.approved],
    ['rejected', t.rejected],
    ['expired (no answer)', t.expired],
    ['abandoned by the agent', t.withdrawn],
    ['still waiting', t.pending],
  ];
  return `<section><h2>Decisions and approvals</h2>${legend([
    ['allowed', C.allowed],
    ['sent to a person', C.held],
    ['denied', C.denied],
  ])}<figure>${chart}</figure>
<div class="two"><div><h3>How fast people answer</h3><figure>${latency}</figure>
<p class="muted">${a.answered ? `Median ${duration(a.p50_s)}, 90% within ${duration(a.p90_s)}, longest ${duration(a.max_s)} (${plural(a.answered, 'answer')}).` : 'No approval was answered by a person in this period.'}</p></div>
<div><h3>What happened to held actions</h3><table class="kv compact">${outcomes.map(([k, v]) => `<tr><th>${esc(k)}</th><td class="n">${num(v)}</td></tr>`).join('')}<tr><th>total held</th><td class="n"><b>${num(t.held)}</b></td></tr></table></div></div></section>`;
}

function riskySection(b: Brief): string {
  if (!b.top_risky.length) return `<section><h2>Riskiest actions</h2><p class="muted">No actions in this period.</p></section>`;
  const rows = b.top_risky
    .map(
      (
        r,
      ) => `<tr><td class="n"><span class="score ${r.risk.level}">${r.risk.score}</span></td><td><b>${esc(r.agent_id)}</b> · ${esc(r.action_type)}<div class="res">${esc(trim(r.resource))}</div><div class="muted">${when(r.created_at)} · ${esc(r.status)}${r.policy_id ? ` · policy ${esc(r.policy_id)}` : ''}</div></td>
<td><ul class="factors">${r.risk.factors.map((f) => `<li><span class="pts">${f.points >= 0 ? '+' : ''}${f.points}</span> ${esc(f.id)}${f.detail ? ` — ${esc(trim(f.detail, 80))}` : ''}</li>`).join('')}</ul></td></tr>`,
    )
    .join('');
  return `<section><h2>Riskiest actions</h2><table class="data risky"><thead><tr><th class="n">Risk</th><th>Action</th><th>Why (risk factors)</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function changesSection(b: Brief): string {
  const c = b.policy_changes;
  const list = c.items.length
    ? `<table class="data"><thead><tr><th>When (UTC)</th><th>Who</th><th>Change</th></tr></thead><tbody>${c.items
        .map((i) => `<tr><td class="nowrap">${when(i.ts)}</td><td>${esc(i.actor)}</td><td>${esc(i.summary)}</td></tr>`)
        .join(
          '',
        )}</tbody></table>${c.total > c.items.length ? `<p class="muted">…and ${num(c.total - c.items.length)} earlier changes (see the audit log).</p>` : ''}`
    : '<p class="muted">No policy, settings, key or webhook changes in this period.</p>';
  return `<section><h2>Policy and configuration changes</h2>${list}</section>`;
}

function burstsSection(b: Brief): string {
  const bursts = b.denied_bursts.length
    ? `<table class="data"><thead><tr><th>Agent</th><th>From (UTC)</th><th>To</th><th class="n">Denials</th></tr></thead><tbody>${b.denied_bursts
        .map(
          (x) =>
            `<tr><td><b>${esc(x.agent_id)}</b></td><td>${when(x.start)}</td><td>${when(x.end)}</td><td class="n">${num(x.denied)}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p class="muted">No burst of denials (5 or more for one agent within 10 minutes).</p>';
  const alerts = b.alerts.items.length
    ? `<table class="data"><thead><tr><th>When (UTC)</th><th>Kind</th><th>Alert</th></tr></thead><tbody>${b.alerts.items
        .map((a) => `<tr><td class="nowrap">${when(a.ts)}</td><td>${esc(a.kind)}</td><td>${esc(trim(a.message, 140))}</td></tr>`)
        .join(
          '',
        )}</tbody></table>${b.alerts.total > b.alerts.items.length ? `<p class="muted">Showing the latest ${b.alerts.items.length} of ${num(b.alerts.total)} alerts.</p>` : ''}`
    : '<p class="muted">No alerts raised.</p>';
  return `<section><h2>Denied bursts and alerts</h2><h3>Bursts of denials</h3>${bursts}<h3>Alerts</h3>${alerts}</section>`;
}

function integritySection(b: Brief): string {
  const c = b.chain;
  const chain = c.ok
    ? `<p class="ok">✔ Verified: ${plural(c.records, 'record')} recomputed from the first, every hash matches.</p>`
    : `<p class="bad">✘ Verification failed at record ${c.first_bad_seq ?? '?'}: ${esc(c.error ?? 'the chain does not verify')}.</p>`;
  const cp = b.checkpoint;
  const checkpoint = cp.available
    ? `<table class="kv"><tr><th>Signed at</th><td>${when(cp.ts)} (record ${num(cp.seq)})</td></tr><tr><th>Tree size</th><td>${cp.tree_size === null ? '—' : num(cp.tree_size)}</td></tr><tr><th>Root hash</th><td class="mono">${esc(cp.root_hash ?? '—')}</td></tr>${cp.origin ? `<tr><th>Origin</th><td class="mono">${esc(cp.origin)}</td></tr>` : ''}</table>${cp.text ? `<pre class="mono">${esc(cp.text)}</pre>` : ''}`
    : `<div class="slot"><b>Latest signed checkpoint: not available.</b><br>${esc(cp.note)}</div>`;
  return `<section class="keep"><h2>Audit log integrity</h2>${chain}<table class="kv"><tr><th>Head hash</th><td class="mono">${esc(c.head_hash ?? '—')}</td></tr><tr><th>Checked</th><td>${when(c.verified_at)} UTC</td></tr></table>
<h3>Signed checkpoint</h3>${checkpoint}</section>`;
}

function complianceSection(b: Brief): string {
  const c = b.compliance;
  const hooks = c.webhooks.length
    ? c.webhooks.map((w) => `<li>${esc(w.target)} — ${esc(w.events.join(', '))}${w.enabled ? '' : ' (disabled)'}</li>`).join('')
    : '<li>No webhooks: events are not sent anywhere.</li>';
  const sinks =
    c.sinks === null
      ? '<li class="muted">SIEM sinks (Splunk HEC, syslog, OTLP, file): not available in this build.</li>'
      : c.sinks.length
        ? c.sinks.map((s) => `<li>${esc(s.type)} → ${esc(s.target)}</li>`).join('')
        : '<li>No SIEM sink: the audit log is not forwarded.</li>';
  return `<section class="keep"><h2>Compliance notes</h2><table class="kv">
<tr><th>Retention</th><td>${c.retention_days === null ? 'Everything is kept in the live audit log (no retention limit set).' : `Records older than ${num(c.retention_days)} days move to verifiable archives.`}</td></tr>
<tr><th>Audit records</th><td>${num(c.audit_records)}${c.first_record_at ? ` since ${day(c.first_record_at)}` : ''}; each one hash-chained to the one before.</td></tr>
<tr><th>Where the log goes</th><td>Stored on this machine only, unless forwarded below.<ul>${hooks}${sinks}</ul></td></tr>
</table></section>`;
}

const CSS = `
@page { size: A4; margin: 14mm 13mm 16mm; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2937; margin: 0; font-size: 12.5px; line-height: 1.45; background: #fff; }
main { max-width: 760px; margin: 0 auto; padding: 24px 20px; }
header { border-bottom: 3px solid #1e3a8a; padding-bottom: 10px; margin-bottom: 14px; }
header h1 { font-size: 22px; margin: 0; color: #1e3a8a; letter-spacing: -0.01em; }
header .sub { color: #4b5563; margin-top: 2px; }
h2 { font-size: 15px; color: #1e3a8a; margin: 0 0 8px; padding-bottom: 3px; border-bottom: 1px solid #dbe1ea; break-after: avoid; }
h3 { font-size: 12.5px; margin: 12px 0 6px; color: #374151; break-after: avoid; }
section { margin: 18px 0 0; }
section.keep { break-inside: avoid-page; }
figure { margin: 4px 0; break-inside: avoid; }
.tiles, table.kv, .two, .slot, .legend { break-inside: avoid; }
h2, h3, .legend { break-after: avoid; }
.tiles { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; margin: 10px 0 6px; }
.tile { border: 1px solid #dbe1ea; border-radius: 6px; padding: 8px 10px; }
.tile .v { font-size: 20px; font-weight: 700; color: #111827; }
.tile .k { font-size: 10.5px; text-transform: uppercase; letter-spacing: .04em; color: #6b7280; }
.tile.good .v { color: #2f855a; } .tile.warn .v { color: #c05621; } .tile.bad .v { color: #c53030; }
ul.points { margin: 6px 0 0; padding-left: 18px; } ul.points li { margin: 3px 0; }
table { border-collapse: collapse; width: 100%; }
table.kv th { text-align: left; font-weight: 600; color: #4b5563; width: 32%; vertical-align: top; padding: 4px 8px 4px 0; }
table.kv td { padding: 4px 0; vertical-align: top; }
table.kv.compact th { width: auto; font-weight: 500; }
table.kv ul { margin: 4px 0 0; padding-left: 18px; }
table.data th { text-align: left; font-size: 10.5px; text-transform: uppercase; letter-spacing: .04em; color: #6b7280; border-bottom: 1px solid #cbd2dc; padding: 4px 6px; }
table.data td { border-bottom: 1px solid #eef1f5; padding: 5px 6px; vertical-align: top; }
table.data tr { break-inside: avoid; }
.n { text-align: right; font-variant-numeric: tabular-nums; }
.nowrap { white-space: nowrap; }
.muted { color: #6b7280; }
.res { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 11px; color: #374151; word-break: break-all; }
.mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 10.5px; word-break: break-all; }
pre.mono { white-space: pre-wrap; background: #f6f8fa; padding: 6px 8px; border-radius: 4px; }
.legend { display: flex; flex-wrap: wrap; gap: 12px; font-size: 11px; color: #4b5563; margin: 2px 0 2px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
.pill { font-size: 10.5px; padding: 1px 7px; border-radius: 9px; background: #eef2f7; color: #374151; white-space: nowrap; }
.pill.unregistered { background: #fdecea; color: #9b2c2c; } .pill.autonomous { background: #fff4e5; color: #9c4221; }
.score { display: inline-block; min-width: 30px; text-align: center; font-weight: 700; color: #fff; border-radius: 4px; padding: 1px 4px; }
.score.low { background: #68a67d; } .score.medium { background: #d69e2e; } .score.high { background: #dd6b20; } .score.critical { background: #9b2c2c; }
ul.factors { margin: 0; padding: 0; list-style: none; font-size: 11px; }
ul.factors .pts { display: inline-block; min-width: 28px; font-weight: 600; color: #9b2c2c; }
.ok { color: #2f855a; font-weight: 600; } .bad { color: #c53030; font-weight: 600; }
.slot { border: 1px dashed #9aa5b1; border-radius: 6px; padding: 8px 10px; color: #4b5563; background: #f8fafc; }
footer { margin-top: 22px; padding-top: 8px; border-top: 1px solid #dbe1ea; color: #6b7280; font-size: 10.5px; }
@media print { main { padding: 0; max-width: none; } }
`;

export function renderBriefHtml(b: Brief): string {
  const t = b.totals;
  const days = b.window === '7d' ? 7 : 30;
  const tiles: [string, string, string][] = [
    ['Actions', num(t.actions), ''],
    ['Allowed by policy', pct(t.allowed, t.actions), 'good'],
    ['Sent to a person', `${num(t.held)}`, t.held ? 'warn' : ''],
    ['Denied by policy', num(t.denied), t.denied ? 'bad' : ''],
    ['Median approval time', duration(b.approval_latency.p50_s), ''],
    ['Audit chain', b.chain.ok ? 'Verified' : 'BROKEN', b.chain.ok ? 'good' : 'bad'],
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gatehouse executive brief — ${esc(day(b.since))} to ${esc(day(b.until))}</title>
<style>${CSS}</style></head>
<body><main>
<header><h1>Gatehouse executive brief</h1>
<div class="sub">AI agent governance on this machine · last ${days} days: ${esc(day(b.since))} – ${esc(day(b.until))} (UTC) · generated ${esc(when(b.generated_at))} UTC · Gatehouse ${esc(b.gatehouse.version)}</div></header>
<section><h2>Summary</h2><div class="tiles">${tiles.map(([k, v, cls]) => `<div class="tile ${cls}"><div class="k">${esc(k)}</div><div class="v">${esc(v)}</div></div>`).join('')}</div>
<ul class="points">${keyPoints(b)
    .map((p) => `<li>${p}</li>`)
    .join('')}</ul></section>
${postureSection(b)}
${riskSection(b)}
${decisionsSection(b)}
${riskySection(b)}
${changesSection(b)}
${burstsSection(b)}
${integritySection(b)}
${complianceSection(b)}
<footer>Made by Gatehouse from its local audit log; every number here can be traced to audit records (GET /api/v1/audit). The data behind this page: GET /api/v1/reports/brief?window=${esc(b.window)}&amp;format=json.</footer>
</main></body></html>
`;
}
