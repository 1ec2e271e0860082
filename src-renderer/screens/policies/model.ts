import { conditionSizeProblem } from '../../../src-shared/condition-size.js';
import { PolicySchema, type ActionRequest, type PolicyInput, type PolicyView } from '../../../src-shared/index.js';

/** The editable part of a listed policy (drops the bookkeeping the API adds). */
export function toInput(p: PolicyView): PolicyInput {
  const { hits: _h, last_hit_at: _l, created_at: _c, updated_at: _u, ephemeral: _e, unusable: _x, ...rest } = p;
  const out: PolicyInput = { ...rest };
  if (out.approval === undefined) delete out.approval;
  if (out.description === undefined) delete out.description;
  if (out.name === undefined) delete out.name;
  return out;
}

/** The stored set with `draft` in place of the policy of the same id (or of `replacing`), or added. */
export function mergeDraft(list: PolicyView[], draft: unknown, replacing: string | null): unknown[] {
  const id = typeof draft === 'object' && draft && 'id' in draft ? (draft as { id: unknown }).id : null;
  const out: unknown[] = [];
  let placed = false;
  for (const p of list) {
    if (p.ephemeral) continue; // in-memory "until restart" policies are not part of the editable set
    if (p.id === replacing || p.id === id) {
      if (!placed) out.push(draft);
      placed = true;
    } else out.push(toInput(p));
  }
  if (!placed) out.push(draft);
  return out;
}

/**
 * The four wildcard fields the form edits; anything else in `when` is kept and edited as YAML. Each
 * holds one value (with `*` and `?`): the placeholders show one example each, since a comma list
 * typed here would be one literal value that matches nothing (a list of values is YAML's `[a, b]`).
 */
export const SIMPLE_CONDITIONS = [
  { key: 'action_type', label: 'Action type', placeholder: 'e.g. database.*' },
  { key: 'agent_id', label: 'Agent', placeholder: 'e.g. claude-code' },
  { key: 'resource', label: 'Resource', placeholder: 'e.g. postgres://prod/*' },
  { key: 'environment', label: 'Environment', placeholder: 'e.g. production' },
] as const;

export type SimpleKey = (typeof SIMPLE_CONDITIONS)[number]['key'];

/**
 * A condition value the form can show as text, as it would write it back: a plain string, or
 * {eq}/{glob} of a string. Not `{eq: "*"}`: in the text field a `*` or `?` reads (and is saved) as
 * a wildcard, while `eq` compares it literally.
 */
export function simpleValue(v: unknown): string | null {
  if (v === undefined) return '';
  // An empty text field means "no condition"; `""` is one (equal to the empty string).
  if (typeof v === 'string') return v === '' ? null : v;
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    const text = o[keys[0] ?? ''];
    if (keys.length !== 1 || typeof text !== 'string') return null;
    if (keys[0] === 'glob' || (keys[0] === 'eq' && !/[*?]/.test(text))) return text;
  }
  return null;
}

export type FieldIssues = Record<string, string[]>;

/** zod issues of the draft, by dotted path ("when.resource", "approval.timeout_s"). */
export function localIssues(draft: unknown): FieldIssues {
  const r = PolicySchema.safeParse(draft);
  if (r.success) {
    // The server refuses conditions past its size limit when the policy is saved: say so as it is typed.
    const tooBig = conditionSizeProblem(r.data.when);
    return tooBig ? { when: [tooBig] } : {};
  }
  const out: FieldIssues = {};
  for (const i of r.error.issues) {
    const path = i.path.map(String).join('.') || '(policy)';
    // An empty text field reads as the API says it: "Required", not zod's "Too small: … >=1 characters".
    const empty = i.code === 'too_small' && i.origin === 'string' && i.minimum === 1;
    (out[path] ??= []).push(empty ? 'Required' : i.message);
  }
  return out;
}

/** Server details ("policies[0](id).when.resource", "when.resource") by the same dotted paths. */
export function serverIssues(details: { path: string; message: string }[]): FieldIssues {
  const out: FieldIssues = {};
  for (const d of details) {
    const path = d.path.replace(/^policies\[\d+\](\([^)]*\))?\.?/, '').replace(/\[(\d+)\]/g, '.$1') || '(policy)';
    (out[path] ??= []).push(d.message);
  }
  return out;
}

/** Messages for a field and everything under it (the resource field shows "when.resource.regex" too). */
export function issuesFor(all: FieldIssues, path: string): string[] {
  return Object.entries(all)
    .filter(([p]) => p === path || p.startsWith(`${path}.`))
    .flatMap(([, m]) => m);
}

export const EMPTY_POLICY: PolicyInput = {
  id: '',
  name: '',
  enabled: true,
  priority: 500,
  effect: 'require_approval',
  mode: 'enforce',
  when: {},
};

/**
 * Whether a `when` matches every action (the form says so): only one without any condition. A key
 * the form shows empty is absent — the form deletes a field it empties — never `""`, which the
 * engine compares as a value (it matches nothing where the field is never empty).
 */
export function matchesEverything(when: Record<string, unknown>): boolean {
  return Object.keys(when).length === 0;
}

/** Ready-made actions for the "Test an action" panel. */
export const PRESETS: { label: string; action: ActionRequest }[] = [
  {
    label: 'rm -rf',
    action: {
      agent_id: 'claude-code',
      action_type: 'shell.exec',
      resource: 'rm -rf ~/projects/app',
      parameters: { command: 'rm -rf ~/projects/app' },
    },
  },
  {
    label: 'Force push',
    action: {
      agent_id: 'claude-code',
      action_type: 'shell.exec',
      resource: 'git push --force origin main',
      parameters: { command: 'git push --force origin main' },
    },
  },
  {
    label: '.env read',
    action: { agent_id: 'claude-code', action_type: 'file.read', resource: '/home/me/app/.env', tool_name: 'Read' },
  },
  {
    label: 'Prod DB delete',
    action: {
      agent_id: 'data-analyst',
      action_type: 'database.delete',
      resource: 'postgres://prod/users',
      environment: 'production',
      parameters: { sql: "DELETE FROM users WHERE last_login < now() - interval '2 years'" },
      context: { is_production: true, estimated_rows: 12000, has_backup: true },
    },
  },
  {
    label: 'npm test',
    action: { agent_id: 'claude-code', action_type: 'shell.exec', resource: 'npm test', parameters: { command: 'npm test' } },
  },
];

export function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
}

/** A short stable hash (for ids made from text). */
export function shortHash(s: string): string {
  let h = 5381;
  for (let i = 0; i < s.length; i++) h = ((h << 5) + h + s.charCodeAt(i)) >>> 0;
  return h.toString(36);
}
