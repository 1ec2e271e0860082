// Following the shipped defaults at start: unedited default policies of an earlier release are
// replaced by this release's, or deleted when it no longer ships them (see shipped-defaults.ts).
import type { Policy } from '../../src-shared/index.js';
import type { AuditDraft, Op } from '../storage/types.js';
import { effective, upsertPolicyOp, type PolicyChangeDeps } from './policy-set.js';
import { retiredDefaults, supersededDefaults } from './shipped-defaults.js';

/**
 * Replaces stored policies that are unedited defaults of an earlier release by the current
 * defaults, and deletes those this release no longer ships (see shipped-defaults.ts), in one
 * commit, each change audited as the system's. Returns the ids replaced or deleted.
 */
export async function followShippedDefaults(deps: PolicyChangeDeps, current: Policy[]): Promise<string[]> {
  const stored = [...deps.set.entries.values()].filter((e) => !e.ephemeral).map((e) => e.policy);
  const pairs = supersededDefaults(stored, current);
  const retired = retiredDefaults(stored);
  if (pairs.length === 0 && retired.length === 0) return [];
  const before = new Map(deps.set.entries);
  const merged = new Map(before);
  const now = deps.clock.now();
  const ops: Op[] = [];
  const audit: AuditDraft[] = [];
  const reason = "an unedited default policy of an earlier release, replaced by this release's default";
  for (const { previous, why } of retired) {
    merged.delete(previous.id);
    ops.push({ sql: 'DELETE FROM policies WHERE id = ?', params: [previous.id] });
    audit.push({ type: 'policy.deleted', actor: 'system', data: { policy_id: previous.id, policy: previous, reason: why } });
  }
  for (const { previous, next } of pairs) {
    const old = merged.get(previous.id)!;
    if (next.id !== previous.id) {
      merged.delete(previous.id);
      ops.push({ sql: 'DELETE FROM policies WHERE id = ?', params: [previous.id] });
      audit.push({
        type: 'policy.deleted',
        actor: 'system',
        data: { policy_id: previous.id, policy: previous, replaced_by: next.id, reason },
      });
      if (merged.has(next.id)) continue; // the user already has a policy of that id: theirs stays
    }
    const kept = merged.get(next.id);
    merged.set(next.id, { ...(kept ?? old), policy: next, updated_ms: now, ephemeral: false, unusable: undefined });
    ops.push(upsertPolicyOp(next, kept?.created_ms ?? now, now));
    audit.push(
      kept
        ? { type: 'policy.updated', actor: 'system', data: { policy: next, previous, reason } }
        : { type: 'policy.created', actor: 'system', data: { policy: next, replaces: previous.id, reason } },
    );
  }
  // Compiled once (in slices), before the commit: the engine installed after it.
  const builtFrom = new Map<string, Policy>();
  for (const [id, e] of merged) {
    const p = effective(e);
    if (p) builtFrom.set(id, p);
  }
  const engine = await deps.set.compileSliced([...builtFrom.values()], deps.settings.get(), deps.set.riskRules);
  const records = await deps.store.commit(ops, audit);
  // Only what this change made (deletes, then replacements): not what a change meanwhile did.
  for (const id of before.keys()) if (!merged.has(id)) deps.set.entries.delete(id);
  for (const [id, e] of merged) if (before.get(id) !== e) deps.set.entries.set(id, e);
  deps.set.installBuilt(engine, builtFrom, deps.set.riskRules);
  // One event per record (record-events.ts makes the same from the log).
  for (const rec of records) {
    const d = rec.data as { policy_id?: string; policy?: Policy };
    if (rec.type === 'policy.deleted') deps.bus.publish('policy.changed', { change: 'deleted', policy_id: d.policy_id! }, { seq: rec.seq });
    else {
      const change = rec.type === 'policy.created' ? 'created' : 'updated';
      deps.bus.publish('policy.changed', { change, policy_id: d.policy!.id, policy: d.policy! }, { seq: rec.seq });
    }
  }
  return [...retired.map((r) => r.previous.id), ...pairs.map((p) => p.previous.id)];
}
