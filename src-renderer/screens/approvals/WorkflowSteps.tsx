import { OWNER_APPROVER, type WorkflowProgress } from '../../../src-shared/index.js';
import { Pill } from '../../components/Pill.js';
import { fullTime, relativeTime } from '../../lib/format.js';

const STATE_WORDS: Record<WorkflowProgress['steps'][number]['state'], string> = {
  waiting: 'waiting',
  active: 'now',
  passed: 'passed',
  rejected: 'denied',
  timed_out: 'timed out',
  expired: 'expired',
  withdrawn: 'withdrawn',
};
const STATE_TONE: Record<WorkflowProgress['steps'][number]['state'], string> = {
  waiting: 'muted',
  active: 'pending',
  passed: 'approved',
  rejected: 'denied',
  timed_out: 'expired',
  expired: 'expired',
  withdrawn: 'expired',
};

/**
 * Who a step still needs: `required` approvals less those given, from people answering as one of its
 * approvers (a name is a role several people may carry, so one who answered is still named).
 */
function stillNeeded(s: WorkflowProgress['steps'][number]): { count: number; from: string[] } {
  return { count: Math.max(0, s.required - s.approvals.length), from: s.approvers };
}

/** `team-lead (Dana)`: the approver name an answer counted as, and the key (person) that gave it. */
const whoWords = (a: { approver: string; name: string | null }): string =>
  a.name && a.name !== a.approver ? `${a.approver} (${a.name})` : a.approver;

/** Whether `approver` may answer the workflow's current step (the server refuses anyone else with a 403). */
export function mayAnswerStep(workflow: WorkflowProgress, approver = OWNER_APPROVER): boolean {
  const current = workflow.steps[workflow.step];
  return !!current && current.state === 'active' && current.approvers.includes(approver);
}

/**
 * SPEC 11: the approval workflow of a held request — each step, who answered it and when, who is
 * still needed, and its deadline — and whether the console (which answers as `owner`) can answer
 * the current step at all.
 */
export function WorkflowSteps({ workflow, answerAs = OWNER_APPROVER }: { workflow: WorkflowProgress; answerAs?: string }) {
  const current = workflow.steps[workflow.step];
  const canAnswer = mayAnswerStep(workflow, answerAs);
  return (
    <section className="detail-section workflow" aria-label="Approval workflow" data-testid="workflow-steps">
      <h3 className="label">
        Approval workflow · {workflow.name} · step {Math.min(workflow.step + 1, workflow.steps.length)} of {workflow.steps.length}
      </h3>
      <ol className="workflow-steps">
        {workflow.steps.map((s, i) => {
          const need = stillNeeded(s);
          return (
            <li key={i} className={`workflow-step ${s.state}`} aria-current={i === workflow.step ? 'step' : undefined} data-step={i}>
              <div className="row workflow-step-head">
                <strong>
                  Step {i + 1}
                  {s.escalation ? ' (escalation)' : ''}
                </strong>
                <Pill tone={STATE_TONE[s.state]}>{STATE_WORDS[s.state]}</Pill>
                <span className="muted small">
                  needs {s.required} of: {s.approvers.join(', ')}
                </span>
                {s.deadline && s.state === 'active' && (
                  <span className="muted small" title={fullTime(s.deadline)}>
                    · deadline {relativeTime(s.deadline)}
                  </span>
                )}
              </div>
              {s.approvals.length > 0 && (
                <ul className="workflow-answers small">
                  {s.approvals.map((a, j) => (
                    <li key={j}>
                      Approved by <strong>{whoWords(a)}</strong> <span title={fullTime(a.at)}>{relativeTime(a.at)}</span>
                    </li>
                  ))}
                </ul>
              )}
              {s.rejected_by && (
                <p className="small">
                  Denied by <strong>{whoWords(s.rejected_by)}</strong>{' '}
                  <span title={fullTime(s.rejected_by.at)}>{relativeTime(s.rejected_by.at)}</span>
                </p>
              )}
              {(s.state === 'active' || s.state === 'waiting') && need.count > 0 && (
                <p className="small muted workflow-needed">
                  Still needed: {need.count} approval{need.count === 1 ? '' : 's'} from {need.from.join(' or ')}
                </p>
              )}
            </li>
          );
        })}
      </ol>
      {current && current.state === 'active' && !canAnswer && (
        <p className="small workflow-note" role="note">
          This console answers as <strong>{answerAs}</strong>; step {workflow.step + 1} is answered by {current.approvers.join(' or ')}{' '}
          (with their own admin keys), so Approve and Deny are off here.
        </p>
      )}
    </section>
  );
}
