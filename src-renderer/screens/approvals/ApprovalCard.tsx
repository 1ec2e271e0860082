import { memo, useEffect, useRef, useState } from 'react';
import type { PendingApproval, Remember } from '../../../src-shared/index.js';
import { ApiError, errorMessage } from '../../api/client.js';
import { REMEMBER_CHOICES, refreshPending, rememberPhrase, resolveApproval, retireApproval } from '../../api/approvals.js';
import { CodeBlock } from '../../components/CodeBlock.js';
import { ConfirmDialog } from '../../components/Dialog.js';
import { Icon } from '../../components/Icon.js';
import { Pill } from '../../components/Pill.js';
import { RiskBadge } from '../../components/RiskBadge.js';
import { useHotkeys } from '../../hooks/useHotkeys.js';
import { relativeTime, words } from '../../lib/format.js';
import { useStore } from '../../store/index.js';
import { Countdown } from './Countdown.js';
import { RememberPicker } from './RememberPicker.js';
import { RiskFactors } from './RiskFactors.js';

function hasParams(a: PendingApproval): boolean {
  return !!a.action.parameters && Object.keys(a.action.parameters).length > 0;
}

/** One approval: what, who, why it was held, and the answer controls (Deny is the safe default). */
export const ApprovalCard = memo(function ApprovalCard({ id }: { id: string }) {
  const a = useStore((s) => s.approvals[id]);
  const leaving = useStore((s) => s.leaving[id]);
  const selected = useStore((s) => s.selectedApprovalId === id);
  const select = useStore((s) => s.selectApproval);
  const pushToast = useStore((s) => s.pushToast);

  const [remember, setRemember] = useState<Remember>('once');
  const [pattern, setPattern] = useState(a?.action.resource ?? '');
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState<null | 'approve' | 'deny'>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirmForever, setConfirmForever] = useState(false);
  const [expired, setExpired] = useState(false);

  const root = useRef<HTMLElement>(null);
  const denyBtn = useRef<HTMLButtonElement>(null);
  const commentRef = useRef<HTMLInputElement>(null);
  const patternRef = useRef<HTMLInputElement>(null);

  // The selected card comes into view with its safe default (Deny) focused.
  useEffect(() => {
    if (!selected || leaving) return;
    root.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    const active = document.activeElement;
    if (!active || active === document.body || !root.current?.contains(active) || active.tagName === 'BUTTON')
      denyBtn.current?.focus({ preventScroll: true });
  }, [selected, leaving]);

  useEffect(() => {
    if (!a) return;
    const ms = Date.parse(a.expires_at) - Date.now();
    if (ms <= 0) {
      setExpired(true);
      return;
    }
    const t = setTimeout(() => setExpired(true), ms);
    return () => clearTimeout(t);
  }, [a]);

  const disabled = !!busy || !!leaving || expired;

  async function answer(approve: boolean, confirmed = false) {
    if (!a || disabled) return;
    if (approve && remember === 'forever' && !confirmed) {
      setConfirmForever(true);
      return;
    }
    setConfirmForever(false);
    setBusy(approve ? 'approve' : 'deny');
    setError(null);
    const resource = a.action.resource ?? '';
    try {
      const { policyId } = await resolveApproval({
        actionId: a.action_id,
        approve,
        remember,
        pattern: pattern.trim() && pattern.trim() !== resource ? pattern.trim() : null,
        comment,
      });
      retireApproval(a.action_id, approve ? 'approved' : 'rejected');
      const verb = approve ? 'Allowed' : 'Denied';
      pushToast({
        kind: approve ? 'allowed' : 'denied',
        title: `${verb} ${rememberPhrase(remember)}${policyId ? ` — created policy ${policyId}` : ''}`,
        detail: `${a.action.agent_id} · ${a.action.action_type}${resource ? ` · ${resource.slice(0, 80)}` : ''}`,
      });
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        pushToast({ kind: 'info', title: 'Already answered', detail: 'This approval was resolved elsewhere (CLI, tray or timeout).' });
        void refreshPending();
      } else {
        setError(errorMessage(e));
      }
      setBusy(null);
    }
  }

  useHotkeys(
    {
      a: () => void answer(true),
      d: () => void answer(false),
      c: () => commentRef.current?.focus(),
      p: () => patternRef.current?.focus(),
      ...Object.fromEntries(REMEMBER_CHOICES.map((c, i) => [String(i + 1), () => setRemember(c.value)])),
    },
    selected && !leaving,
  );

  if (!a) return null;
  const act = a.action;
  const matchedPolicy = act.policy;

  return (
    <article
      ref={root}
      className={`approval-card card${selected ? ' selected' : ''}${leaving ? ` leaving ${leaving}` : ''}`}
      aria-label={`Approval: ${act.agent_id} wants ${act.action_type}`}
      aria-current={selected ? 'true' : undefined}
      data-action-id={a.action_id}
      onMouseDown={() => !selected && select(a.action_id)}
      onFocus={() => !selected && select(a.action_id)}
    >
      <header className="approval-head">
        <RiskBadge score={act.risk.score} level={act.risk.level} />
        <div className="grow">
          <div className="approval-title">
            <span className="agent">{act.agent_id}</span>
            <span className="muted"> wants </span>
            <span className="action-type mono">{act.action_type}</span>
            {act.environment && <Pill tone={/prod/i.test(act.environment) ? 'critical' : undefined}>{act.environment}</Pill>}
          </div>
          <div className="muted small">
            Requested {relativeTime(act.created_at)}
            {act.tool_name && <> · tool {act.tool_name}</>}
            {act.target_system && <> · {act.target_system}</>}
            {act.mcp && (
              <>
                {' '}
                · MCP {act.mcp.server_id}
                {act.mcp.tool ? `/${act.mcp.tool}` : ''}
              </>
            )}
          </div>
        </div>
        <Countdown createdAt={a.created_at} expiresAt={a.expires_at} timeoutAction={a.timeout_action} />
      </header>

      {act.resource && (
        <div className="approval-resource">
          <div className="label">Resource</div>
          <CodeBlock text={act.resource} label="Resource" />
        </div>
      )}
      {act.description && <p className="approval-desc">{act.description}</p>}

      <div className="approval-grid">
        <section>
          <div className="label">Parameters</div>
          {hasParams(a) ? (
            <CodeBlock text={JSON.stringify(act.parameters, null, 2)} label="Parameters" />
          ) : (
            <p className="muted small">No parameters.</p>
          )}
          {act.context && Object.keys(act.context).length > 0 && (
            <details className="context-details">
              <summary>Context</summary>
              <CodeBlock text={JSON.stringify(act.context, null, 2)} label="Context" />
            </details>
          )}
        </section>
        <section>
          <div className="label">Why it is waiting for you</div>
          <p className="why">
            {matchedPolicy ? (
              <>
                Policy <strong className="mono">{matchedPolicy.id}</strong>{' '}
                <Pill tone={matchedPolicy.effect}>{words(matchedPolicy.effect)}</Pill>
                <span className="muted small block">{matchedPolicy.name}</span>
              </>
            ) : (
              <span>{act.reason}</span>
            )}
          </p>
          <div className="label">Risk factors</div>
          <RiskFactors risk={act.risk} />
        </section>
      </div>

      <div className="approval-answer">
        <div className="answer-row">
          <span className="label inline">Remember</span>
          <RememberPicker value={remember} onChange={setRemember} name={`remember-${a.action_id}`} />
        </div>
        {remember !== 'once' && (
          <div className="answer-row">
            <label className="label inline" htmlFor={`pattern-${a.action_id}`}>
              Applies to
            </label>
            <input
              id={`pattern-${a.action_id}`}
              ref={patternRef}
              className="input code grow"
              value={pattern}
              onChange={(e) => setPattern(e.target.value)}
              placeholder="resource pattern, e.g. git push *"
              aria-describedby={`pattern-hint-${a.action_id}`}
            />
            <span id={`pattern-hint-${a.action_id}`} className="muted small nowrap">
              for {act.agent_id} · {act.action_type} · use <code>*</code> to widen
            </span>
          </div>
        )}
        <div className="answer-row">
          <label className="label inline" htmlFor={`comment-${a.action_id}`}>
            Comment
          </label>
          <input
            id={`comment-${a.action_id}`}
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
        {error && (
          <div className="banner error" role="alert">
            <Icon name="alert" />
            <div className="banner-body">{error}</div>
          </div>
        )}
        <div className="answer-buttons">
          <span className="muted small grow">
            {remember === 'once'
              ? 'Answers this request only.'
              : `Creates a ${remember === 'until_restart' ? 'temporary' : remember === 'forever' ? 'permanent' : 'timed'} policy (${REMEMBER_CHOICES.find((c) => c.value === remember)?.label.toLowerCase()}).`}
          </span>
          <button
            type="button"
            ref={denyBtn}
            className="btn deny lg"
            onClick={() => void answer(false)}
            disabled={disabled}
            aria-keyshortcuts="D"
          >
            {busy === 'deny' ? <span className="spinner" aria-hidden="true" /> : <Icon name="x" />}
            Deny{remember !== 'once' ? ` ${rememberPhrase(remember)}` : ''}
            <span className="kbd-hint">D</span>
          </button>
          <button type="button" className="btn approve lg" onClick={() => void answer(true)} disabled={disabled} aria-keyshortcuts="A">
            {busy === 'approve' ? <span className="spinner" aria-hidden="true" /> : <Icon name="check" />}
            Approve{remember !== 'once' ? ` ${rememberPhrase(remember)}` : ''}
            <span className="kbd-hint">A</span>
          </button>
        </div>
      </div>

      {confirmForever && (
        <ConfirmDialog
          title="Allow this forever?"
          confirmLabel="Allow forever"
          onCancel={() => setConfirmForever(false)}
          onConfirm={() => void answer(true, true)}
        >
          <p>
            This creates a permanent <strong>allow</strong> policy: <strong>{act.agent_id}</strong> may run <code>{act.action_type}</code>{' '}
            on <code>{pattern.trim() || act.resource || '(no resource)'}</code> without asking you again.
          </p>
          <p style={{ marginTop: 8 }}>You can disable or delete it any time in Policies.</p>
        </ConfirmDialog>
      )}
    </article>
  );
});
