import { useEffect, useMemo, useRef, useState } from 'react';
import type { PendingApproval, Remember } from '../../../src-shared/index.js';
import { shorten } from '../../../src-shared/approvals/headline.js';
import { alsoMatching } from '../../../src-shared/approvals/queue.js';
import { REMEMBER_CHOICES, answerEntry, headlineOf, latestHeldAnswer, rememberPhrase, undoAnswer } from '../../api/approvals.js';
import { CodeBlock } from '../../components/CodeBlock.js';
import { ConfirmDialog } from '../../components/Dialog.js';
import { Icon } from '../../components/Icon.js';
import { Pill } from '../../components/Pill.js';
import { RiskBadge } from '../../components/RiskBadge.js';
import { useHotkeys } from '../../hooks/useHotkeys.js';
import { relativeTime, words } from '../../lib/format.js';
import { maskSecrets } from '../../lib/mask.js';
import { mayAnswer, selectQueue, selectedEntry, type Departed, type Entry } from '../../store/approvals.js';
import { store, useStore } from '../../store/index.js';
import { Countdown } from './Countdown.js';
import { mayAnswerStep, WorkflowSteps } from './WorkflowSteps.js';
import { RememberPicker } from './RememberPicker.js';
import { RiskFactors } from './RiskFactors.js';

const json = (v: unknown) => maskSecrets(JSON.stringify(v, null, 2));

function hasKeys(o: Record<string, unknown> | null | undefined): o is Record<string, unknown> {
  return !!o && Object.keys(o).length > 0;
}

function GroupNote({ entry }: { entry: Entry }) {
  const differ = useMemo(() => new Set(entry.members.map((m) => JSON.stringify(m.action.parameters ?? null))).size > 1, [entry]);
  return (
    <div className="banner info group-note">
      <Icon name="inbox" />
      <div className="banner-body">
        <strong>{entry.count} identical requests</strong> (same agent, action and resource) are waiting. Your answer answers all{' '}
        {entry.count}.
        {differ && (
          <details className="group-members">
            <summary>Their parameters differ — see each</summary>
            <ol>
              {entry.members.map((m) => (
                <li key={m.action_id}>
                  <span className="muted small">
                    {m.action_id} · requested {relativeTime(m.created_at)}
                  </span>
                  <CodeBlock text={json(m.action.parameters ?? {})} label={`Parameters of ${m.action_id}`} />
                </li>
              ))}
            </ol>
          </details>
        )}
      </div>
    </div>
  );
}

/** The selected request, whole: headline, resource, parameters, why it waits, risk, countdown, answer. */
function RequestDetail({ entry, armed }: { entry: Entry; armed: boolean }) {
  const a: PendingApproval = entry.primary;
  const act = a.action;
  const [remember, setRemember] = useState<Remember>('once');
  const [pattern, setPattern] = useState(act.resource ?? '');
  const [comment, setComment] = useState('');
  // Off until the person ticks it: a key press answers what is in view, nothing more (SPEC 10).
  const [alsoPending, setAlsoPending] = useState(false);
  const [confirmForever, setConfirmForever] = useState(false);
  const [expired, setExpired] = useState(false);
  const denyBtn = useRef<HTMLButtonElement>(null);
  const commentRef = useRef<HTMLInputElement>(null);
  const patternRef = useRef<HTMLInputElement>(null);

  const approvals = useStore((s) => s.approvals);
  const heldBy = useStore((s) => s.heldBy);
  const effectivePattern = remember !== 'once' && pattern.trim() && pattern.trim() !== (act.resource ?? '') ? pattern.trim() : null;
  // The other waiting requests (outside this group) the remembered answer would also answer.
  const alsoAnswered = useMemo(() => {
    if (remember === 'once') return [];
    const waiting = Object.values(approvals).filter((x) => heldBy[x.action_id] === undefined);
    const members = new Set(entry.members.map((m) => m.action_id));
    return alsoMatching(a, effectivePattern, waiting).filter((x) => !members.has(x.action_id));
  }, [remember, approvals, heldBy, entry, a, effectivePattern]);
  const others = alsoAnswered.length;

  // The safe default: Deny holds the focus whenever a request is shown.
  useEffect(() => {
    denyBtn.current?.focus({ preventScroll: true });
  }, []);

  useEffect(() => {
    const ms = Date.parse(a.expires_at) - Date.now();
    if (ms <= 0) {
      setExpired(true);
      return;
    }
    const t = setTimeout(() => setExpired(true), ms);
    return () => clearTimeout(t);
  }, [a.expires_at]);

  // SPEC 11: a workflow step this console (the owner) is not named on is answered by its approvers' own keys.
  const notMine = !!act.workflow && !mayAnswerStep(act.workflow);
  const disabled = !armed || expired || notMine;

  function answer(approve: boolean, confirmed = false) {
    // Checked against the store at the moment of the key or click, not against this render: the
    // request must still be the one in the pane, and shown for at least ARM_MS.
    const st = store.getState();
    if (expired || notMine || st.modalDepth > (confirmed ? 1 : 0)) return;
    if (!mayAnswer(st, entry.key)) {
      // Only the beat after a new request appears: say so, or a quick J-then-D reads as answered.
      if (st.selectedKey === entry.key && !st.departed && Date.now() < st.armedAt)
        st.pushToast(
          {
            kind: 'info',
            title: 'Not answered: look first',
            detail: 'A new request can be answered a moment after it appears. Press again.',
          },
          3000,
        );
      return;
    }
    if (approve && remember === 'forever' && !confirmed) {
      setConfirmForever(true);
      return;
    }
    setConfirmForever(false);
    // The entry as it is now (a group may have grown since it was drawn: the count on screen is current).
    const current = selectQueue(store.getState()).find((e) => e.key === entry.key) ?? entry;
    const takeAlong = alsoPending && others > 0;
    answerEntry(current, {
      approve,
      remember,
      pattern: effectivePattern,
      comment,
      applyToPending: takeAlong,
      alsoIds: takeAlong ? alsoAnswered.map((x) => x.action_id) : [],
    });
  }

  useHotkeys({
    a: () => answer(true),
    d: () => answer(false),
    c: () => commentRef.current?.focus(),
    p: () => patternRef.current?.focus(),
    u: () => {
      const id = latestHeldAnswer();
      if (id !== null) undoAnswer(id);
    },
    ...Object.fromEntries(REMEMBER_CHOICES.map((c, i) => [String(i + 1), () => setRemember(c.value)])),
  });

  const policy = act.policy;
  const suffix = remember !== 'once' ? ` ${rememberPhrase(remember)}` : '';
  // The buttons count every request an answer answers, the ticked "waiting like it" ones included.
  const along = alsoPending && others > 0 ? others : 0;
  const n = entry.count + along > 1 ? ` ${entry.count + along}` : '';
  return (
    <>
      <div className="detail-scroll" data-action-id={a.action_id}>
        <header className="detail-head">
          <RiskBadge score={act.risk.score} level={act.risk.level} />
          <div className="grow">
            <h2 className="detail-headline" id="request-headline">
              {headlineOf(a)}
              {entry.count > 1 && <span className="q-count"> ×{entry.count}</span>}
            </h2>
            <div className="detail-meta muted small">
              <span className="mono">{act.action_type}</span>
              {act.environment && (
                <>
                  {' '}
                  <Pill tone={/prod/i.test(act.environment) ? 'critical' : undefined}>{act.environment}</Pill>
                </>
              )}
              <span>
                {' '}
                · requested {relativeTime(act.created_at)}
                {act.tool_name && <> · tool {act.tool_name}</>}
                {act.target_system && <> · {act.target_system}</>}
                {act.mcp && (
                  <>
                    {' '}
                    · MCP {act.mcp.server_id}
                    {act.mcp.tool ? `/${act.mcp.tool}` : ''}
                  </>
                )}
              </span>
            </div>
          </div>
          <Countdown createdAt={a.created_at} expiresAt={a.expires_at} timeoutAction={a.timeout_action} />
        </header>

        {entry.count > 1 && <GroupNote entry={entry} />}

        {act.resource && (
          <section className="detail-section">
            <h3 className="label">Resource</h3>
            <CodeBlock text={maskSecrets(act.resource)} label="Resource" />
          </section>
        )}
        {act.description && <p className="detail-desc">{maskSecrets(act.description)}</p>}

        <div className="detail-grid">
          <section className="detail-section">
            <h3 className="label">Parameters</h3>
            {hasKeys(act.parameters) ? (
              <CodeBlock text={json(act.parameters)} label="Parameters" />
            ) : (
              <p className="muted small">No parameters.</p>
            )}
            {hasKeys(act.context) && (
              <details className="context-details">
                <summary>Context</summary>
                <CodeBlock text={json(act.context)} label="Context" />
              </details>
            )}
          </section>
          <section className="detail-section">
            <h3 className="label">Why it is waiting for you</h3>
            <p className="why">
              {policy ? (
                <>
                  Policy <strong className="mono">{policy.id}</strong> <Pill tone={policy.effect}>{words(policy.effect)}</Pill>
                  <span className="muted small block">{policy.name}</span>
                </>
              ) : (
                <span>{act.reason}</span>
              )}
            </p>
            <h3 className="label">
              Risk {act.risk.score}/100 ({act.risk.level})
            </h3>
            <RiskFactors risk={act.risk} />
          </section>
        </div>

        {act.workflow && <WorkflowSteps workflow={act.workflow} />}

        <section className="detail-section answer-options" aria-label="Answer options">
          <div className="answer-row">
            <span className="label inline">Remember</span>
            <RememberPicker value={remember} onChange={setRemember} name={`remember-${a.action_id}`} />
          </div>
          {remember !== 'once' && (
            <>
              <div className="answer-row">
                <label className="label inline" htmlFor="answer-pattern">
                  Applies to
                </label>
                <input
                  id="answer-pattern"
                  ref={patternRef}
                  className="input code grow"
                  value={pattern}
                  onChange={(e) => setPattern(e.target.value)}
                  placeholder="resource pattern, e.g. git push *"
                  aria-describedby="answer-pattern-hint"
                />
              </div>
              <p id="answer-pattern-hint" className="muted small">
                For {act.agent_id} · {act.action_type}; use <code>*</code> to widen.
                {act.workflow && ' Remembered only if every approver of the workflow chooses to remember (the shortest choice wins).'}
              </p>
              {others > 0 && (
                <label className="check-row">
                  <input type="checkbox" checked={alsoPending} onChange={(e) => setAlsoPending(e.target.checked)} />
                  <span>
                    Also answer the {others} waiting like it
                    <span className="muted small">
                      {' '}
                      (same agent and action{effectivePattern ? ', matching the pattern' : ', same resource'})
                    </span>
                  </span>
                </label>
              )}
              {others > 0 && <AlsoAnsweredList items={alsoAnswered} />}
            </>
          )}
          <div className="answer-row">
            <label className="label inline" htmlFor="answer-comment">
              Comment
            </label>
            <input
              id="answer-comment"
              ref={commentRef}
              className="input grow"
              value={comment}
              onChange={(e) => setComment(e.target.value)}
              placeholder="Optional — recorded in the audit log and returned to the agent"
              maxLength={4096}
              onKeyDown={(e) => {
                if (e.key === 'Escape') (e.target as HTMLInputElement).blur();
              }}
            />
          </div>
        </section>
      </div>

      <div className="answer-bar">
        <span className="muted small grow answer-summary">
          {expired
            ? 'This request has expired.'
            : remember === 'once'
              ? entry.count > 1
                ? `Answers these ${entry.count} requests only.`
                : 'Answers this request only.'
              : `Creates a ${remember === 'until_restart' ? 'temporary' : remember === 'forever' ? 'permanent' : 'timed'} policy${along ? ` and answers ${along} more waiting like it` : ''}.`}
        </span>
        <button
          type="button"
          ref={denyBtn}
          className="btn deny lg"
          onClick={() => answer(false)}
          aria-disabled={disabled}
          disabled={expired}
          aria-keyshortcuts="D"
        >
          <Icon name="x" />
          Deny{n}
          {suffix}
          <span className="kbd-hint">D</span>
        </button>
        <button
          type="button"
          className="btn approve lg"
          onClick={() => answer(true)}
          aria-disabled={disabled}
          disabled={expired}
          aria-keyshortcuts="A"
        >
          <Icon name="check" />
          Approve{n}
          {suffix}
          <span className="kbd-hint">A</span>
        </button>
      </div>

      {confirmForever && (
        <ConfirmDialog
          title="Allow this forever?"
          confirmLabel="Allow forever"
          onCancel={() => setConfirmForever(false)}
          onConfirm={() => answer(true, true)}
        >
          <p>
            This creates a permanent <strong>allow</strong> policy: <strong>{act.agent_id}</strong> may run <code>{act.action_type}</code>{' '}
            on <code>{effectivePattern ?? act.resource ?? '(no resource)'}</code> without asking you again.
          </p>
          <p style={{ marginTop: 8 }}>You can disable or delete it any time in Policies.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

const DEPARTED_WORDS: Record<Departed['outcome'], string> = {
  withdrawn: 'The agent stopped waiting',
  expired: 'This request expired',
  approved: 'This request was approved elsewhere',
  rejected: 'This request was denied elsewhere',
  left: 'This request is no longer waiting',
};

/** The selected request left without your answer: say so, never swap another request in its place. */
function DepartedNote({ d }: { d: Departed }) {
  const moveSelection = useStore((s) => s.moveSelection);
  const hasNext = useStore((s) => selectQueue(s).length > 0);
  const next = useRef<HTMLButtonElement>(null);
  useEffect(() => next.current?.focus({ preventScroll: true }), []);
  return (
    <div className="detail-scroll departed" data-action-id={d.item.action_id}>
      <header className="detail-head">
        <RiskBadge score={d.item.action.risk.score} level={d.item.action.risk.level} />
        <div className="grow">
          <h2 className="detail-headline" id="request-headline">
            {headlineOf(d.item)}
          </h2>
        </div>
      </header>
      <div className="banner warn" role="status">
        <Icon name="info" />
        <div className="banner-body">
          <strong>{DEPARTED_WORDS[d.outcome]}</strong>
          {d.outcome === 'withdrawn'
            ? ' — the action never runs and can no longer be answered.'
            : d.outcome === 'expired'
              ? ` — ${d.item.timeout_action === 'allow' ? 'allowed' : 'denied'} by timeout.`
              : '.'}{' '}
          It has left the queue.
        </div>
      </div>
      <div className="row" style={{ marginTop: 16 }}>
        <button type="button" className="btn" ref={next} disabled={!hasNext} onClick={() => moveSelection(1)}>
          {hasNext ? 'Show the next request (J)' : 'Nothing else is waiting'}
        </button>
      </div>
    </div>
  );
}

/** The detail pane: always the selected request, shown from its top; the answer keys act only on it. */
export function RequestPane() {
  const entry = useStore(selectedEntry);
  const departed = useStore((s) => s.departed);
  const paneSeq = useStore((s) => s.paneSeq);
  const ref = useRef<HTMLElement>(null);
  // Armed for the pane's current content only: derived at render, so it is false in the very
  // commit that shows another request, never a beat later.
  const [armedSeq, setArmedSeq] = useState(-1);
  const armed = armedSeq === paneSeq;

  useEffect(() => {
    // A new request in the pane: from its top, and answers re-armed after a beat.
    const el = ref.current;
    if (el) {
      el.querySelector('.detail-scroll')?.scrollTo({ top: 0 });
      // Where the page scrolls as one (narrow windows), bring the pane's top into view.
      const scroller = el.closest('.content');
      if (scroller && scroller.scrollHeight > scroller.clientHeight) {
        const top = el.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
        // Only when its header is out of sight (read past, or below the fold): the queue stays put otherwise.
        if (top < 0 || top > scroller.clientHeight - 160) scroller.scrollTop += top;
      }
    }
    const wait = Math.max(0, store.getState().armedAt - Date.now());
    const t = setTimeout(() => setArmedSeq(paneSeq), wait);
    return () => clearTimeout(t);
  }, [paneSeq, entry?.key]);

  return (
    <section ref={ref} className="detail" role="region" aria-label="Request" data-armed={armed && !!entry} data-key={entry?.key ?? ''}>
      {entry ? (
        <RequestDetail key={entry.key} entry={entry} armed={armed} />
      ) : departed ? (
        <DepartedNote key={departed.key} d={departed} />
      ) : (
        <div className="detail-scroll muted">Select a request on the left.</div>
      )}
    </section>
  );
}

const ALSO_SHOWN = 5;

/** Which waiting requests "also answer the N waiting like it" would answer: nothing answered unseen. */
function AlsoAnsweredList({ items }: { items: PendingApproval[] }) {
  return (
    <ul className="also-list small" aria-label="Also answered">
      {items.slice(0, ALSO_SHOWN).map((x) => (
        <li key={x.action_id} data-action-id={x.action_id}>
          <code title={x.action.resource ?? ''}>{shorten(x.action.resource ?? x.action.action_type)}</code>
        </li>
      ))}
      {items.length > ALSO_SHOWN && <li className="muted">and {items.length - ALSO_SHOWN} more</li>}
    </ul>
  );
}
