import { useMemo, useState } from 'react';
import type { ActionStatus, PolicyInput, PolicyView } from '../../../src-shared/index.js';
import { api, errorMessage } from '../../api/client.js';
import { Banner } from '../../components/Banner.js';
import { Icon } from '../../components/Icon.js';
import { useAsync } from '../../hooks/useAsync.js';
import { maskSecrets } from '../../lib/mask.js';
import { useStore } from '../../store/index.js';
import { shortHash, slug } from './model.js';

const MIN_REPEATS = 3;
const DISMISSED_KEY = 'gatehouse.suggestions.dismissed';

interface Suggestion {
  key: string;
  id: string;
  effect: 'allow' | 'deny';
  agent_id: string;
  action_type: string;
  resource: string | null;
  count: number;
}

function group(items: ActionStatus[], effect: 'allow' | 'deny'): Suggestion[] {
  const m = new Map<string, Suggestion>();
  for (const a of items) {
    if (a.reviewed_by !== 'user') continue;
    const key = `${effect}|${a.agent_id}|${a.action_type}|${a.resource ?? ''}`;
    const s = m.get(key);
    if (s) s.count++;
    else {
      const id = `always-${effect}-${slug(`${a.action_type}-${a.resource ?? ''}`).slice(0, 30)}-${shortHash(key)}`
        .replace(/-+/g, '-')
        .slice(0, 64);
      m.set(key, { key, id, effect, agent_id: a.agent_id, action_type: a.action_type, resource: a.resource, count: 1 });
    }
  }
  return [...m.values()].filter((s) => s.count >= MIN_REPEATS);
}

function readDismissed(): string[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(DISMISSED_KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function policyFor(s: Suggestion): PolicyInput {
  const verb = s.effect === 'allow' ? 'Always allow' : 'Always deny';
  return {
    id: s.id,
    name: `${verb} ${s.action_type} ${s.resource ?? ''} for ${s.agent_id}`.replace(/\s+/g, ' ').trim().slice(0, 200),
    description: `Suggested by the console after you ${s.effect === 'allow' ? 'approved' : 'denied'} this ${s.count} times.`,
    effect: s.effect,
    priority: 800,
    when: {
      agent_id: { eq: s.agent_id },
      action_type: { eq: s.action_type },
      resource: s.resource == null ? { exists: false } : { eq: s.resource },
    },
    source: 'user',
  };
}

/** "You approved X 12 times — allow it always?" from the answers already given. */
export function Suggestions({ policies, onCreated }: { policies: PolicyView[]; onCreated: () => void }) {
  const approved = useAsync(() => api.listActions({ status: 'approved', limit: 1000 }), []);
  const rejected = useAsync(() => api.listActions({ status: 'rejected', limit: 1000 }), []);
  const [dismissed, setDismissed] = useState(readDismissed);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const pushToast = useStore((s) => s.pushToast);

  const list = useMemo(() => {
    const existing = new Set(policies.map((p) => p.id));
    return [...group(approved.data?.items ?? [], 'allow'), ...group(rejected.data?.items ?? [], 'deny')]
      .filter((s) => !existing.has(s.id) && !dismissed.includes(s.key))
      .sort((a, b) => b.count - a.count)
      .slice(0, 4);
  }, [approved.data, rejected.data, policies, dismissed]);

  if (list.length === 0 && !error) return null;

  const dismiss = (key: string) => {
    const next = [...dismissed, key];
    localStorage.setItem(DISMISSED_KEY, JSON.stringify(next));
    setDismissed(next);
  };

  return (
    <section className="suggestions" aria-label="Suggestions">
      {error && <Banner kind="error">{error}</Banner>}
      {list.map((s) => (
        <div key={s.key} className={`suggestion ${s.effect}`}>
          <Icon name="bulb" />
          <div className="grow">
            You {s.effect === 'allow' ? 'approved' : 'denied'} <code>{s.action_type}</code>
            {s.resource && (
              <>
                {' '}
                <code className="truncate suggestion-resource">{maskSecrets(s.resource)}</code>
              </>
            )}{' '}
            from <strong>{s.agent_id}</strong> {s.count} times — {s.effect === 'allow' ? 'allow' : 'deny'} it always?
          </div>
          <button
            type="button"
            className={`btn sm ${s.effect === 'allow' ? 'approve' : 'deny'}`}
            disabled={busy === s.key}
            onClick={async () => {
              setBusy(s.key);
              setError(null);
              try {
                const p = await api.createPolicy(policyFor(s));
                pushToast({
                  kind: s.effect === 'allow' ? 'allowed' : 'denied',
                  title: `Created policy ${p.id}`,
                  detail: p.name ?? undefined,
                });
                onCreated();
              } catch (e) {
                setError(errorMessage(e));
              } finally {
                setBusy(null);
              }
            }}
          >
            {s.effect === 'allow' ? 'Always allow' : 'Always deny'}
          </button>
          <button type="button" className="btn sm ghost" onClick={() => dismiss(s.key)}>
            Dismiss
          </button>
        </div>
      ))}
    </section>
  );
}
