import { SettingsSchema, type Settings, type SettingsPatch } from '../../src-shared/index.js';
import { GatehouseError } from '../core/errors.js';
import type { AuditDraft, Op, Store } from '../storage/types.js';

/** SPEC 3.5 settings, persisted in `meta` and audited on change. */
export class SettingsService {
  private current: Settings;
  private readonly listeners = new Set<(s: Settings) => void>();

  constructor(private readonly store: Store) {
    const row = store.get<{ value: string }>("SELECT value FROM meta WHERE key = 'settings'");
    const parsed = row ? SettingsSchema.safeParse(JSON.parse(row.value)) : null;
    this.current = parsed?.success ? parsed.data : SettingsSchema.parse({});
  }

  get(): Settings {
    return this.current;
  }

  onChange(fn: (s: Settings) => void): void {
    this.listeners.add(fn);
  }

  /**
   * Validates the merged result first; nothing changes when it is invalid. Errors name the field
   * under `base` where the patch sits in a larger body (`settings` of a policy file or a draft test).
   */
  merged(patch: SettingsPatch, base = ''): Settings {
    const at = (path: string) => (base ? `${base}.${path}` : path);
    const next = SettingsSchema.safeParse({ ...this.current, ...patch });
    if (!next.success)
      throw new GatehouseError(
        'invalid_request',
        'Settings are invalid',
        next.error.issues.map((i) => ({ path: at(i.path.join('.')), message: i.message })),
      );
    const s = next.data;
    if (s.auto_allow_below > s.require_approval_at) {
      throw new GatehouseError('invalid_request', 'auto_allow_below must not exceed require_approval_at', [
        { path: at('auto_allow_below'), message: `must be ≤ require_approval_at (${s.require_approval_at})` },
      ]);
    }
    if (s.deny_at !== null && s.deny_at < s.auto_allow_below) {
      throw new GatehouseError('invalid_request', 'deny_at must not be below auto_allow_below', [
        { path: at('deny_at'), message: `must be ≥ auto_allow_below (${s.auto_allow_below})` },
      ]);
    }
    return s;
  }

  async update(patch: SettingsPatch, actor = 'user'): Promise<Settings> {
    const change = this.prepare(patch, actor);
    if (!change) return this.current;
    await this.store.commit(change.ops, change.audit);
    change.apply();
    return this.current;
  }

  /**
   * A validated change as the writes and the `settings.changed` record of a commit, for a caller
   * that puts them in a commit of its own (a policy file's import: all or nothing); `apply` makes
   * it current once that commit is done. Null when the patch changes nothing.
   */
  prepare(patch: SettingsPatch, actor = 'user'): { ops: Op[]; audit: AuditDraft[]; apply: () => void } | null {
    const next = this.merged(patch);
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const k of Object.keys(next) as (keyof Settings)[]) {
      if (JSON.stringify(next[k]) !== JSON.stringify(this.current[k])) changes[k] = { from: this.current[k], to: next[k] };
    }
    if (Object.keys(changes).length === 0) return null;
    return {
      ops: [{ sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('settings', ?)", params: [JSON.stringify(next)] }],
      audit: [{ type: 'settings.changed', actor, data: { changes } }],
      apply: () => {
        this.current = next;
        for (const fn of this.listeners) fn(next);
      },
    };
  }
}
