import type { Store } from '../../storage/types.js';
import { HOOK_AGENTS, type HookAgent } from './types.js';

const KEY = 'hook_last_calls';
/** A call is written at most this long after it (the hot path never waits for it). */
const SAVE_AFTER_MS = 30_000;

/**
 * When each agent's hook last called Gatehouse (SPEC 9.4 `hook status`, the Integrations page),
 * kept across restarts in `meta.hook_last_calls`. Only a hook call counts: an action that an SDK
 * or a script sent under the same agent id says nothing about the hook being wired. Calls are noted
 * in memory and written within SAVE_AFTER_MS, or on close.
 */
export class HookCallLog {
  private readonly calls = new Map<HookAgent, number>();
  private unsaved = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly store: Store) {
    const row = store.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [KEY]);
    let saved: unknown = null;
    try {
      saved = row ? JSON.parse(row.value) : null;
    } catch {
      saved = null; // a damaged row only loses the "last call" times
    }
    if (saved && typeof saved === 'object')
      for (const agent of HOOK_AGENTS) {
        const ms = (saved as Record<string, unknown>)[agent];
        if (typeof ms === 'number' && Number.isFinite(ms)) this.calls.set(agent, ms);
      }
  }

  note(agent: HookAgent, ms: number): void {
    this.calls.set(agent, Math.max(ms, this.calls.get(agent) ?? 0));
    this.unsaved = true;
    if (!this.timer) {
      this.timer = setTimeout(() => void this.save().catch(() => undefined), SAVE_AFTER_MS);
      this.timer.unref();
    }
  }

  all(): ReadonlyMap<HookAgent, number> {
    return this.calls;
  }

  /** Writes the noted calls (also on close). */
  async save(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.unsaved) return;
    this.unsaved = false;
    await this.store.commit([
      { sql: 'INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', params: [KEY, JSON.stringify(Object.fromEntries(this.calls))] },
    ]);
  }
}
