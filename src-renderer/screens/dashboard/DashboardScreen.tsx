import type { ReactNode } from 'react';
import type { Stats } from '../../../src-shared/index.js';
import { api } from '../../api/client.js';
import { ErrorBanner } from '../../components/Banner.js';
import { EmptyState } from '../../components/EmptyState.js';
import { Header } from '../../components/Header.js';
import { Icon } from '../../components/Icon.js';
import { Link } from '../../components/Link.js';
import { Loading } from '../../components/Loading.js';
import { Segmented } from '../../components/Segmented.js';
import { useAsync } from '../../hooks/useAsync.js';
import { useDebounced } from '../../hooks/useDebounced.js';
import { useThemeColors } from '../../hooks/useThemeColors.js';
import { humanDuration, num } from '../../lib/format.js';
import { useStore } from '../../store/index.js';
import { axisFor } from './axis.js';
import { RiskChart, TimelineChart, TopChart } from './charts.js';
import { DownloadBrief } from './DownloadBrief.js';

type Window = '1h' | '6h' | '24h' | '7d' | '30d';
const WINDOWS: Window[] = ['1h', '6h', '24h', '7d', '30d'];

function Panel({ title, children, className }: { title: string; children: ReactNode; className?: string }) {
  return (
    <section className={`panel chart-panel ${className ?? ''}`}>
      <div className="panel-head">
        <h2>{title}</h2>
      </div>
      {children}
    </section>
  );
}

/** The window in words: "this week" for 7d, as a person would say it. */
export const WINDOW_WORDS: Record<Window, string> = {
  '1h': 'in the last hour',
  '6h': 'in the last 6 hours',
  '24h': 'in the last 24 hours',
  '7d': 'this week',
  '30d': 'in the last 30 days',
};

/** Requests held for a person in the window (the timeline's `pending` is "held at submit"). */
const heldIn = (s: Stats) => s.timeline.reduce((n, b) => n + b.pending, 0);

/**
 * Requests nobody answered, called out: expired (no answer before the timeout) and withdrawn (the
 * agent stopped waiting). Often most denials are these, not a person saying no.
 */
function Unanswered({ s, window }: { s: Stats; window: Window }) {
  const t = s.totals;
  const n = t.expired + t.withdrawn;
  if (n === 0) return null;
  const held = heldIn(s);
  // Expired ones whose timeout allows them ran: nobody answered them, but they are not refusals.
  const ran = s.expired_allowed;
  const denials = t.denied + t.rejected + t.expired - ran + t.withdrawn;
  const shares = [
    held > 0 ? `That is ${Math.round((n / held) * 100)}% of the ${num(held)} held for you` : null,
    // Counted against everything that did not run (the Denied and Unanswered tiles together), named so.
    denials > 0 && n > ran
      ? `${Math.round(((n - ran) / denials) * 100)}% of the ${num(denials)} that did not run were requests nobody answered`
      : null,
  ].filter(Boolean);
  const parts = [
    t.expired > 0 ? `${num(t.expired)} request${t.expired === 1 ? '' : 's'} expired with nobody answering` : null,
    t.withdrawn > 0 ? `${num(t.withdrawn)} ${t.withdrawn === 1 ? 'was' : 'were'} withdrawn because the agent stopped waiting` : null,
  ].filter(Boolean);
  return (
    <div className="banner warn unanswered" role="status" data-testid="unanswered">
      <Icon name="alert" />
      <div className="banner-body">
        <strong>
          {parts.join(' and ')} {WINDOW_WORDS[window]}.
        </strong>{' '}
        {ran > 0 &&
          `${ran === n ? (n === 1 ? 'It' : 'All of them') : `${num(ran)} of them`} ran anyway: their timeout allows what nobody answers. `}
        {shares.length > 0 && `${shares.join('; ')}.`}
        <div className="small">
          <Link to={`/activity?status=${t.expired >= t.withdrawn ? 'expired' : 'withdrawn'}&range=${window}`}>See them in Activity →</Link>{' '}
          · A longer approval timeout, notifications or a policy for what you always allow answers them in time.
        </div>
      </div>
    </div>
  );
}

function Tiles({ s, window }: { s: Stats; window: Window }) {
  const t = s.totals;
  const go = t.allowed + t.approved + t.completed + t.failed;
  const no = t.denied + t.rejected;
  const gone = t.expired + t.withdrawn;
  // Rejected without a person: a workflow step past its timeout with `deny` (SPEC 11).
  const stepTimeouts = Math.max(0, t.rejected - s.answers.rejected);
  const pct = (n: number) => (t.total ? `${Math.round((n / t.total) * 100)}%` : '—');
  return (
    <div className="stat-tiles">
      <div className="stat">
        <div className="stat-label">Actions</div>
        <div className="stat-value">{num(t.total)}</div>
        <div className="muted small">{WINDOW_WORDS[window]}</div>
      </div>
      <div className="stat allowed">
        <div className="stat-label">Allowed</div>
        <div className="stat-value">{num(go)}</div>
        <div className="muted small">
          {pct(go)} · {num(s.answers.approved)} by you
        </div>
      </div>
      <div className="stat denied">
        <div className="stat-label">Denied</div>
        <div className="stat-value">{num(no)}</div>
        <div className="muted small">
          {pct(no)} · {num(s.answers.rejected)} by you, {num(t.denied)} by policy or risk
          {stepTimeouts > 0 && `, ${num(stepTimeouts)} by a workflow step's timeout`}
        </div>
      </div>
      <div className={`stat${gone > 0 ? ' pending' : ''}`} data-testid="tile-unanswered">
        <div className="stat-label">Unanswered</div>
        <div className="stat-value">{num(gone)}</div>
        <div className="muted small">
          {num(t.expired)} expired · {num(t.withdrawn)} withdrawn
          {s.expired_allowed > 0 && ` · ${num(s.expired_allowed)} ran on timeout`}
        </div>
      </div>
      <div className="stat pending">
        <div className="stat-label">Waiting now</div>
        <div className="stat-value">{num(s.pending_approvals)}</div>
        <div className="small">
          {s.pending_approvals > 0 ? <Link to="/approvals">Answer them →</Link> : <span className="muted">inbox clear</span>}
        </div>
      </div>
      <div className="stat">
        <div className="stat-label">Approval latency</div>
        {s.approval_latency.count === 0 ? (
          <>
            <div className="stat-value muted">—</div>
            <div className="muted small">no approvals answered yet</div>
          </>
        ) : (
          <>
            <div className="stat-value latency">
              {humanDuration(s.approval_latency.p50_s)}
              <span className="muted small"> median</span>
            </div>
            <div className="muted small">
              {/* Each figure on one line with its unit: "max 0.3 / s" split across lines read wrong. */}
              <span className="nowrap">p90 {humanDuration(s.approval_latency.p90_s)}</span> ·{' '}
              <span className="nowrap">max {humanDuration(s.approval_latency.max_s)}</span> ·{' '}
              <span className="nowrap">{num(s.approval_latency.count)} answered</span>
            </div>
          </>
        )}
      </div>
    </div>
  );
}

export function DashboardScreen() {
  const search = useStore((s) => s.search);
  const navigate = useStore((s) => s.navigate);
  const eventSeq = useStore((s) => s.eventSeq);
  const raw = new URLSearchParams(search).get('window');
  const window: Window = WINDOWS.includes(raw as Window) ? (raw as Window) : '24h';
  const live = useDebounced(eventSeq, 1500);
  const { data: s, error, loading, reload } = useAsync(() => api.stats(window), [window, live]);
  const c = useThemeColors();

  return (
    <>
      <Header
        title="Dashboard"
        subtitle={s ? `${new Date(s.since).toLocaleString()} – now` : undefined}
        actions={
          <>
            <Segmented
              label="Time window"
              value={window}
              onChange={(w) => navigate(w === '24h' ? '/dashboard' : `/dashboard?window=${w}`, { replace: true })}
              options={WINDOWS.map((w) => ({ value: w, label: w }))}
            />
            <DownloadBrief dashboardWindow={window} />
          </>
        }
      />
      <div className="content">
        <div className="page stack">
          <ErrorBanner error={error} onRetry={reload} />
          {loading && !s ? (
            <Loading label="Loading statistics…" />
          ) : s ? (
            <>
              <Unanswered s={s} window={window} />
              <Tiles s={s} window={window} />
              {s.totals.total === 0 ? (
                <EmptyState icon="chart" title={`No actions in the last ${window}`}>
                  <p>Charts fill in as agents submit actions. Try a longer window, or connect an agent from Settings → Integrations.</p>
                </EmptyState>
              ) : (
                <>
                  <Panel title={`Actions over time · one bar per ${axisFor(s.window, s.timeline, s.bucket_s).unit}`}>
                    {/* The decision on arrival: "held for you" whatever the answer later was (the tiles count that). */}
                    <div className="legend small">
                      <span className="key allowed">allowed</span>
                      <span className="key pending">held for you</span>
                      <span className="key denied">denied</span>
                      <span className="muted">as decided on arrival</span>
                    </div>
                    <TimelineChart stats={s} c={c} />
                  </Panel>
                  <div className="chart-grid">
                    <Panel title="Risk distribution">
                      <RiskChart stats={s} c={c} />
                    </Panel>
                    <Panel title="Top agents">
                      <TopChart data={s.by_agent.map((a) => ({ name: a.agent_id, count: a.count }))} c={c} label="actions" />
                    </Panel>
                    <Panel title="Top action types">
                      <TopChart data={s.by_action_type.map((a) => ({ name: a.action_type, count: a.count }))} c={c} label="actions" />
                    </Panel>
                  </div>
                </>
              )}
            </>
          ) : null}
        </div>
      </div>
    </>
  );
}
