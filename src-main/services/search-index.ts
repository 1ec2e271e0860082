import { GatehouseError } from '../core/errors.js';
import type { Store } from '../storage/types.js';

/** How long a request for free text or an agent's records waits for the indexer by default. */
export const SEARCH_INDEX_WAIT_MS = 5_000;
/** What a refused request is told to wait before it asks again. */
const RETRY_AFTER_S = 2;

/**
 * Free text and the agent filter read indexes that the indexer thread keeps a step behind the log,
 * and a request waits for that step so that it finds every acknowledged record. Normally the step
 * is milliseconds. After an upgrade or a rebuild of the index the backlog can be the whole log (a
 * minute or more at a million records): a request held that long would outlast its client's
 * timeout (the console's is 30 s) and say nothing meanwhile. So it waits a few seconds at most, then
 * is refused with a 503 that says how far the index has got and when to ask again.
 */
export class SearchIndexGate {
  constructor(
    private readonly store: Pick<Store, 'fullTextWithin'>,
    private readonly waitMs = SEARCH_INDEX_WAIT_MS,
  ) {}

  /** Resolves once `field` (`q` or `agent_id`) can be answered in full; throws `unavailable` otherwise. */
  async ready(field: 'q' | 'agent_id'): Promise<void> {
    const behind = await this.store.fullTextWithin(this.waitMs);
    if (!behind) return;
    const n = (x: number) => x.toLocaleString('en-US');
    const pct = Math.floor((behind.indexed / Math.max(1, behind.head)) * 100);
    const what = field === 'q' ? 'Free-text search' : 'The agent filter';
    throw new GatehouseError(
      'unavailable',
      `The search index is catching up with the log: ${n(behind.indexed)} of ${n(behind.head)} records indexed (${pct} %). ` +
        `${what} answers once it has; try again in a moment.`,
      [{ path: field, message: `The search index is being built: ${n(behind.indexed)} of ${n(behind.head)} records indexed (${pct} %)` }],
      RETRY_AFTER_S,
    );
  }
}
