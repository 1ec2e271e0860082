// Importing a policy file (SPEC 3.4): reading and validating the whole file, checking it against
// the current state, and applying its policies, workflows, risk rules and settings in one commit.
import { isDeepStrictEqual } from 'node:util';
import type { ErrorDetail, Policy, PolicyImportResult } from '../../src-shared/index.js';
import { GatehouseError } from '../core/errors.js';
import { PolicyValidationError, type ParsedPolicyFile } from '../engine/index.js';
import type { Op } from '../storage/types.js';
import { madeWorkflowIssue, testableIssue, workflowIssue, type PolicyUse } from './policy-change-checks.js';
import { policyError } from './policy-error.js';
import { readPolicyFileOffLoop } from './policy-file-read.js';
import { effective, upsertPolicyOp, type PolicyChangeDeps, type PolicySet } from './policy-set.js';
import { runInSlices } from './slices.js';
import { upsertWorkflowOp, workflowRow } from './workflow-rows.js';

/**
 * SPEC 3.4: validate the whole file, then apply policies, workflows, risk rules and settings
 * atomically (one commit). SPEC 8: nothing of it holds the event loop for long — a big file is
 * read on a thread of its own and the new set compiled once, in slices, before the commit; that
 * engine is the one installed after it (reconciled with any change that landed meanwhile).
 */
export async function importPolicyText(
  deps: PolicyChangeDeps,
  uses: () => ReadonlyMap<string, PolicyUse>,
  text: string,
  opts: { actor?: string; defaultSource?: Policy['source'] } = {},
): Promise<PolicyImportResult> {
  // One answer lists every problem found (SPEC 3.4: the whole file is validated first): the
  // file's own (its schema, its conditions, text no JSON can hold), then those of the parts that did parse.
  const current = deps.settings.get();
  const read = await readPolicyFileOffLoop(text, {
    defaultSource: opts.defaultSource ?? 'import',
    approval: { approval_timeout_s: current.approval_timeout_s, timeout_action: current.timeout_action },
  });
  const issues: ErrorDetail[] = read.issues;
  let total = read.issueCount ?? issues.length;
  if (read.file) {
    const fileWorkflows = new Set((read.file.workflows ?? []).map((w) => w.id));
    read.file.policies.forEach((p, i) => {
      const issue = workflowIssue(deps.store, p, `${read.policyPaths[i]!}.`, fileWorkflows);
      if (issue) {
        issues.push(issue);
        total++;
      }
    });
  }
  if (total > 0 || !read.file) throw policyError(new PolicyValidationError(issues, total));
  const file = read.file;
  checkImportable(deps, uses, file, read.policyPaths);
  const workflows = file.workflows ?? [];
  // The set the new engine is compiled from: the entries now, with the file's policies (by object:
  // what install compares the entries with once the commit is done).
  const builtFrom = new Map<string, Policy>();
  for (const [id, e] of deps.set.entries) {
    const p = effective(e);
    if (p) builtFrom.set(id, p);
  }
  let created = 0;
  for (const p of file.policies) {
    if (!deps.set.entries.has(p.id)) created++;
    builtFrom.set(p.id, p);
  }
  // A policy the file holds exactly as it stands is written all the same (one commit), but counted
  // apart, in the slices below: importing an unchanged export says so instead of "all updated".
  let unchanged = 0;
  const riskRules = file.risk_rules ?? deps.set.riskRules;
  const settings = file.settings ? deps.settings.merged(file.settings, 'settings') : deps.settings.get();
  const engine = await deps.set.compileSliced([...builtFrom.values()], settings, riskRules);
  const now = deps.clock.now();
  // Workflows first: the policies of the same commit name them.
  const ops: Op[] = workflows.map((w) => upsertWorkflowOp(w, workflowRow(deps.store, w.id)?.created_ms ?? now, now));
  // Each policy's row is its JSON (10,000 of them: tens of ms), written in slices too.
  await runInSlices(
    (function* (set: PolicySet) {
      for (const p of file.policies) {
        yield;
        const old = set.entries.get(p.id);
        if (old && !old.ephemeral && isDeepStrictEqual(old.policy, p)) unchanged++;
        ops.push(upsertPolicyOp(p, old?.created_ms ?? now, now));
      }
    })(deps.set),
  );
  // The loop ran while the set compiled: what the file is checked against may have changed (an A/B
  // test started, a workflow deleted). Checked again after the last slice, with nothing in between
  // but the commit; a refusal still changes nothing.
  if (file.policies.some((p) => p.approval?.workflow !== undefined)) {
    const fileWorkflows = new Set(workflows.map((w) => w.id));
    const gone = file.policies.flatMap((p, i) => workflowIssue(deps.store, p, `${read.policyPaths[i]!}.`, fileWorkflows) ?? []);
    if (gone.length > 0) throw policyError(new PolicyValidationError(gone));
  }
  checkImportable(deps, uses, file, read.policyPaths);
  const updated = Math.max(0, file.policies.length - created - unchanged);
  // The file's settings are part of the same commit (all or nothing), audited as a settings change too.
  const settingsChange = file.settings ? deps.settings.prepare(file.settings, opts.actor ?? 'user') : null;
  if (settingsChange) ops.push(...settingsChange.ops);
  if (file.risk_rules) {
    ops.push({ sql: 'DELETE FROM risk_rules' });
    for (const r of file.risk_rules)
      ops.push({ sql: 'INSERT INTO risk_rules (id, body) VALUES (?, ?)', params: [r.id, JSON.stringify(r)] });
  }
  const [imported] = await deps.store.commit(ops, [
    {
      type: 'policy.imported',
      actor: opts.actor ?? 'user',
      data: {
        policy_ids: file.policies.map((p) => p.id),
        workflow_ids: workflows.map((w) => w.id),
        created,
        updated,
        unchanged,
        risk_rules: file.risk_rules?.length ?? null,
        settings: file.settings ?? null,
      },
    },
    ...(settingsChange?.audit ?? []),
  ]);
  // Only the file's policies change: a policy the file does not name keeps whatever a change that
  // landed meanwhile made of it.
  for (const p of file.policies) {
    const old = deps.set.entries.get(p.id);
    deps.set.entries.set(p.id, {
      policy: p,
      created_ms: old?.created_ms ?? now,
      updated_ms: now,
      hits: old?.hits ?? 0,
      last_hit_ms: old?.last_hit_ms ?? null,
      ephemeral: false,
    });
  }
  deps.set.riskRules = riskRules;
  settingsChange?.apply();
  deps.set.installBuilt(engine, builtFrom, riskRules);
  const settingsChanged = settingsChange !== null;
  deps.bus.publish('policy.changed', { change: 'imported', policy_ids: file.policies.map((p) => p.id) }, { seq: imported!.seq });
  return {
    imported: file.policies.length,
    created,
    updated,
    unchanged,
    risk_rules: file.risk_rules?.length ?? 0,
    workflows: workflows.length,
    settings_changed: settingsChanged,
  };
}

/**
 * What refuses a valid file as it meets the current state (409): a policy of a running A/B test
 * it would unmake, a workflow made from a seed policy's approvers that another policy names.
 */
function checkImportable(
  deps: PolicyChangeDeps,
  uses: () => ReadonlyMap<string, PolicyUse>,
  file: ParsedPolicyFile,
  policyPaths: readonly string[],
): void {
  const inUse = uses();
  const untestable = file.policies.flatMap((p, i) => testableIssue(p.id, p, `${policyPaths[i]!}.`, inUse) ?? []);
  if (untestable.length > 0)
    throw new GatehouseError(
      'conflict',
      untestable.length === 1 ? untestable[0]!.summary : `${untestable.length} policies are part of running A/B tests; stop them first`,
      untestable.map((u) => u.detail),
    );
  if (!file.madeWorkflows?.length) return;
  // A workflow made from a seed policy's approvers never replaces one another policy names.
  const set = new Map<string, Policy>();
  for (const [id, e] of deps.set.entries) set.set(id, e.policy);
  for (const p of file.policies) set.set(p.id, p);
  const clashes = file.madeWorkflows.flatMap((m) => madeWorkflowIssue(deps.store, m, set.values()) ?? []);
  if (clashes.length > 0)
    throw new GatehouseError(
      'conflict',
      clashes.length === 1
        ? `${clashes[0]!.path} ${clashes[0]!.message}`
        : `${clashes.length} policies' approvers would replace workflows other policies name`,
      clashes,
    );
}
