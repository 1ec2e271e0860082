import type { ActionStatus, AuditRecord } from '../../../src-shared/index.js';
import { subjectOf } from '../../../src-shared/approvals/headline.js';
import type { Column } from '../../components/VirtualTable.js';
import { StatusPill } from '../../components/Pill.js';
import { RiskBadge } from '../../components/RiskBadge.js';
import { MiddleEllipsis } from '../../components/MiddleEllipsis.js';
import { shortTime } from '../../lib/format.js';
import { maskSecrets } from '../../lib/mask.js';
import { viewOf } from './record.js';

const none = <span className="muted">—</span>;

/** Where an action type's last part starts (`aws.s3.delete_bucket`: `.delete_bucket`). */
const ACTION_PARTS = /[.:/]/;

/** One row per action: when, who, what, on what, and where it stands now. */
export const ACTION_COLUMNS: Column<ActionStatus>[] = [
  { header: 'Time', width: '150px', className: 'mono small', cell: (a) => shortTime(a.created_at), title: (a) => a.created_at },
  { header: 'Agent', width: 'minmax(100px, 0.8fr)', className: 'truncate', cell: (a) => a.agent_id, title: (a) => a.agent_id },
  {
    header: 'Action',
    width: 'minmax(140px, 1.4fr)',
    className: 'truncate mono small',
    // Cut in the middle: the verb at the end (`aws.cloudformation….delete_stack_instances`) always shows.
    cell: (a) => <MiddleEllipsis text={a.action_type} separator={ACTION_PARTS} className="end-shrinks" />,
    title: (a) => a.action_type,
  },
  {
    header: 'Resource',
    width: 'minmax(160px, 2.1fr)',
    className: 'truncate mono small',
    cell: (a) => {
      const subject = subjectOf(a);
      if (!subject) return none;
      // Cut in the middle, start and end kept: two resources that differ only at their end
      // (…/customers, …/orders) must not read alike. The whole one is the cell's title.
      // No resource: what the parameters name (a shell command, a path), muted so it reads as such.
      return <MiddleEllipsis text={maskSecrets(subject.text)} className={subject.from === 'resource' ? undefined : 'muted'} />;
    },
    title: (a) => {
      const subject = subjectOf(a);
      return subject ? `${subject.from === 'resource' ? '' : `${subject.from}: `}${maskSecrets(subject.text)}` : undefined;
    },
  },
  { header: 'Decision', width: '92px', cell: (a) => <span className={`decision-text ${a.decision}`}>{a.decision}</span> },
  { header: 'Status', width: '104px', cell: (a) => <StatusPill status={a.status} /> },
  { header: 'Risk', width: '64px', cell: (a) => <RiskBadge score={a.risk.score} level={a.risk.level} compact /> },
];

/** One row per audit record (the raw event stream). */
export const EVENT_COLUMNS: Column<AuditRecord>[] = [
  { header: 'Time', width: '150px', className: 'mono small', cell: (r) => shortTime(r.ts), title: (r) => r.ts },
  { header: 'Type', width: '158px', cell: (r) => <span className="type-chip">{r.type}</span> },
  {
    header: 'Actor / agent',
    width: 'minmax(130px, 1.1fr)',
    className: 'truncate',
    cell: (r) => viewOf(r).who,
    title: (r) => viewOf(r).who,
  },
  {
    header: 'Action',
    width: 'minmax(140px, 1.3fr)',
    className: 'truncate mono small',
    cell: (r) => {
      const action = viewOf(r).action;
      return action ? <MiddleEllipsis text={action} separator={ACTION_PARTS} className="end-shrinks" /> : none;
    },
    title: (r) => viewOf(r).action ?? undefined,
  },
  {
    header: 'Resource',
    width: 'minmax(160px, 1.9fr)',
    className: 'truncate mono small',
    cell: (r) => {
      const res = viewOf(r).resource;
      return res ? <MiddleEllipsis text={maskSecrets(res)} /> : none;
    },
    title: (r) => {
      const res = viewOf(r).resource;
      return res ? maskSecrets(res) : undefined;
    },
  },
  { header: 'Outcome', width: '118px', cell: (r) => <StatusPill status={viewOf(r).outcome} /> },
  {
    header: 'Risk',
    width: '64px',
    cell: (r) => {
      const risk = viewOf(r).risk;
      return risk ? <RiskBadge score={risk.score} level={risk.level} compact /> : none;
    },
  },
];
