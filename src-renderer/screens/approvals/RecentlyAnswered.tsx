import type { ActionStatus } from '../../../src-shared/index.js';
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
    (['approved', 'rejected', 'expired'] as const).map((status) => api.listActions({ status, limit: SHOWN })),
  );
  return lists
    .flatMap((l) => l.items)
    .filter((a) => a.reviewed_by !== 'policy' && a.reviewed_at)
    .sort((a, b) => Date.parse(b.reviewed_at!) - Date.parse(a.reviewed_at!))
    .slice(0, SHOWN);
}

/** The last few answers (yours and timeouts), below the inbox: proof that an answer landed. */
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
      <div className="table-wrap">
        <table className="table">
          <tbody>
            {data.map((a) => (
              <tr key={a.action_id}>
                <td className="nowrap small muted" title={fullTime(a.reviewed_at)}>
                  {relativeTime(a.reviewed_at, now)}
                </td>
                <td className="nowrap">{a.agent_id}</td>
                <td className="mono small nowrap">{a.action_type}</td>
                <td className="mono small truncate recent-resource" title={a.resource ? maskSecrets(a.resource) : ''}>
                  {a.resource ? maskSecrets(a.resource) : '—'}
                </td>
                <td className="nowrap">
                  <StatusPill status={a.status} />
                </td>
                <td className="small muted nowrap">{a.reviewed_by === 'timeout' ? 'timed out' : 'by you'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
