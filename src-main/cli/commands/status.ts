import type { PendingApproval, Remember } from '../../../src-shared/index.js';
import { subjectOf } from '../../../src-shared/approvals/headline.js';
import { CliError, connect, connectEndpoint, printJson } from '../context.js';
import { openInBrowser } from '../open-browser.js';

interface Flags {
  dataDir?: string;
  json?: boolean;
}

const left = (iso: string) => {
  const s = Math.max(0, Math.round((Date.parse(iso) - Date.now()) / 1000));
  return s < 120 ? `${s}s` : `${Math.round(s / 60)}m`;
};

function approvalLine(a: PendingApproval): string {
  const x = a.action;
  // What it acts on: the resource, else what its parameters name (a command sent as parameters), as Activity shows it.
  return `${x.action_id}  ${x.agent_id}  ${x.action_type}  ${(subjectOf(x)?.text ?? '').slice(0, 60)}  risk ${x.risk.score} (${x.risk.level})  expires in ${left(a.expires_at)}`;
}

/** `gatehouse status` */
export async function runStatus(f: Flags): Promise<void> {
  const { api, url, dataDir } = connectEndpoint(f);
  const [health, info, stats, pending] = await Promise.all([api.health(), api.deploymentInfo(), api.stats('24h'), api.pendingApprovals()]);
  if (f.json)
    return printJson({
      // Where it is: with `--port 0` (or another data dir) the address is written nowhere else the user sees.
      server: { url, data_dir: dataDir },
      health,
      info,
      stats: { totals: stats.totals, by_risk_level: stats.by_risk_level, pending_approvals: stats.pending_approvals },
      pending: pending.items,
    });
  const t = stats.totals;
  const shown = pending.items.slice(0, 10);
  const lines = [
    `Gatehouse ${health.version} (${info.mode}) at ${url} — up ${health.uptime_s}s, storage ${info.storage.writable ? 'writable' : 'NOT WRITABLE'}`,
    `Data directory: ${dataDir}`,
    // Every status (SPEC 2.3), so the parts add up to the total.
    `Last 24h: ${t.total} actions — ${t.allowed} allowed, ${t.denied} denied, ${t.pending} waiting, ${t.approved} approved, ${t.rejected} rejected, ${t.expired} expired, ${t.withdrawn} withdrawn, ${t.completed} completed, ${t.failed} failed`,
    // The count from the server: the list is one page (at most 1,000), and a runaway agent makes more.
    `Pending approvals: ${stats.pending_approvals}`,
    ...shown.map((a) => `  ${approvalLine(a)}`),
    ...(stats.pending_approvals > shown.length ? [`  … and ${stats.pending_approvals - shown.length} more: gatehouse approvals`] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** `gatehouse approvals` */
export async function runApprovals(f: Flags): Promise<void> {
  // Every one: the pages followed to the end (one page stopped at 1,000).
  const { items } = await connect(f).allPendingApprovals();
  if (f.json) return printJson(items);
  if (items.length === 0) return void process.stdout.write('No pending approvals.\n');
  process.stdout.write(`${items.map(approvalLine).join('\n')}\n`);
}

/** `gatehouse approve|deny ID` */
export async function runResolve(
  verb: 'approve' | 'deny',
  id: string,
  f: Flags & { remember?: string; pattern?: string; comment?: string; applyToPending?: boolean },
): Promise<void> {
  const remember = (f.remember ?? 'once') as Remember;
  // The server refuses these too (400 naming the field); said here in the flags' own words.
  if (f.applyToPending && remember === 'once')
    throw new CliError(
      '--apply-to-pending needs --remember other than once (the remembered rule decides which waiting requests it answers)',
    );
  const api = connect(f);
  const body = {
    remember,
    ...(f.pattern !== undefined ? { pattern: f.pattern } : {}),
    ...(f.comment !== undefined ? { comment: f.comment } : {}),
    ...(f.applyToPending ? { apply_to_pending: true } : {}),
  };
  const s = verb === 'approve' ? await api.approve(id, body) : await api.deny(id, body);
  if (f.json) return printJson(s);
  const lines = [`${s.action_id}: ${s.status}${remember !== 'once' ? ` (remembered: ${remember})` : ''}`];
  if (f.applyToPending)
    lines.push(
      s.also_resolved.length === 0
        ? 'No other waiting request matched the rule.'
        : `Also ${verb === 'approve' ? 'approved' : 'denied'} ${s.also_resolved.length} waiting like it: ${s.also_resolved.join(' ')}`,
    );
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * `gatehouse open`: a fresh one-time login link, printed; on a terminal the browser is also opened,
 * with a link of its own, since opening a link spends it.
 */
export async function runOpen(f: Flags & { browser?: boolean }): Promise<void> {
  const api = connect(f);
  const fresh = async () => (await api.request<{ url: string }>('POST', '/api/v1/console/login-url', {})).url;
  process.stdout.write(`${await fresh()}\n`);
  if (f.browser !== false && process.stdout.isTTY) openInBrowser(await fresh());
}
