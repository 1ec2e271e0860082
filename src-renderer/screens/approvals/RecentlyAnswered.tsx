import type { ActionStatus } from '../../../src-shared/index.js';
import { actionPhrase } from '../../../src-shared/approvals/headline.js';
import { api } from '../../api/client.js';
import { Link } from '../../components/Link.js';
import { StatusPill } from '../../components/Pill.js';
import { useAsync } from '../../hooks/useAsync.js';
import { useDebounced } from '../../hooks/useDebounced.js';
import { useNow } from '../../lib/clock.js';
import { fullTime, relativeTime } from '../../lib/format.js';
import { maskSecrets } from '../../lib/mask.js';
import { useStore } from '../../store/index.js';

const SHOWN = 6;

async function load(): Promise<ActionStatus[]> {
  const lists = await Promise.all(
    (['approved', 'rejected', 'expired', 'withdrawn'] as const).map((status) => api.listActions({ status, limit: SHOWN })),
  );
  return lists
    .flatMap((l) => l.items)
    .filter((a) => a.reviewed_by !== 'policy' && a.reviewed_at)
    .sort((a, b) => Date.parse(b.reviewed_at!) - Date.parse(a.reviewed_at!))
    .slice(0, SHOWN);
}

const by = (a: ActionStatus) =>
  a.status === 'withdrawn' ? 'the agent stopped waiting' : a.reviewed_by === 'timeout' ? 'timed out' : 'by you';

/** The last few answers (yours, timeouts, agents that gave up): proof that an answer landed. */
export function RecentlyAnswered() {
  const eventSeq = useStore((s) => s.eventSeq);
  const live = useDebounced(eventSeq, 800);
  const { data } = useAsync(load, [live]);
  const now = useNow();
  if (!data || data.length === 0) return null;
  return (
    <section className="recent" aria-label="Recently answered">
      <div className="row">
        <h2 className="section-title grow">Recently answered</h2>
        <Link to="/activity?type=approval.resolved" className="small">
          All answers →
        </Link>
      </div>
      <ul className="recent-list">
        {data.map((a) => (
          <li key={a.action_id}>
            <StatusPill status={a.status} />
            <span className="recent-what truncate" title={a.resource ? maskSecrets(a.resource) : undefined}>
              <strong>{a.agent_id}</strong> {maskSecrets(actionPhrase(a))}
            </span>
            <span className="small muted nowrap" title={fullTime(a.reviewed_at)}>
              {by(a)} · {relativeTime(a.reviewed_at, now)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
