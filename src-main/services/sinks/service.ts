import { SinkCreateSchema, type SinkConfig, type SinkCreate, type SinkStatus, type SinkView } from '../../../src-shared/index.js';
import { canonicalLine } from '../../audit/chain.js';
import type { SinkRecord } from '../../audit/sink-formats.js';
import { iso, type Clock } from '../../core/clock.js';
import { conflict, notFound } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { AuditRow, Store } from '../../storage/types.js';
import { redactString } from '../redact.js';
import { targetOf, transportOf, type Send } from './transports.js';

/**
 * SIEM sinks (SPEC 7.8). Each sink has a cursor, the last seq its receiver acknowledged, persisted
 * in `sinks` after every batch; a runner per sink reads the records after it from the live log, in
 * seq order, sends them as one batch and only then moves the cursor. A failure (an outage, a 503, a
 * refused connection) leaves the cursor where it is and retries the same records with exponential
 * backoff (1 s doubling to 5 min); a restart resumes from the persisted cursor. So every record is
 * delivered at least once, in order, and none is skipped (retention never archives past the
 * slowest sink's cursor: see RetentionService).
 */

const MAX_SINKS = 20;
const DEFAULT_BATCH = 500;
const IDLE_POLL_MS = 200;
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 5 * 60_000;

interface SinkRow {
  id: string;
  type: SinkConfig['type'];
  name: string | null;
  config: string;
  cursor: number;
  delivered: number;
  failures: number;
  created_ms: number;
  last_success_ms: number | null;
  last_error: string | null;
  last_error_ms: number | null;
}

const ROWS = 'SELECT seq, id, ts, type, actor, action_id, data, hash, risk_level FROM audit WHERE seq > ? ORDER BY seq LIMIT ?';

/**
 * `message` with the sink's token replaced by `…`: an error is shown back in the status and the
 * console, and a receiver or proxy may echo the request's Authorization header in its answer.
 * (Credentials in a URL are refused when the sink is made.)
 */
export function scrubSecrets(message: string, c: SinkConfig): string {
  return 'token' in c && c.token ? message.split(c.token).join('…') : message;
}

/** The delivery loop of one sink. */
class SinkRunner {
  cursor: number;
  delivered: number;
  failures: number;
  lastError: string | null;
  lastErrorMs: number | null;
  lastSuccessMs: number | null;
  nextAttemptMs: number | null = null;
  sending = false;
  private prevHash: string | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  readonly done: Promise<void>;

  constructor(
    readonly row: SinkRow,
    readonly config: SinkConfig,
    private readonly send: Send,
    private readonly store: Store,
    private readonly clock: Clock,
  ) {
    this.cursor = row.cursor;
    this.delivered = row.delivered;
    this.failures = row.failures;
    this.lastError = row.last_error;
    this.lastErrorMs = row.last_error_ms;
    this.lastSuccessMs = row.last_success_ms;
    this.done = this.loop();
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    return this.done;
  }

  /** Records after the cursor, in order; the first one's prev_hash comes from the record before it. */
  private batch(): SinkRecord[] {
    const rows = this.store.all<AuditRow & { risk_level: string | null }>(ROWS, [this.cursor, this.config.batch_size ?? DEFAULT_BATCH]);
    if (!rows.length) return [];
    if (rows[0]!.seq !== this.cursor + 1) {
      // The records after the cursor are no longer live (archived before this sink existed, or a
      // sink created on an archived log): it starts from the first live record, and says so.
      this.prevHash = null;
    }
    let prev = this.prevHash ?? this.store.hashBefore(rows[0]!.seq);
    return rows.map((r) => {
      const line = canonicalLine(r, prev);
      prev = r.hash;
      return { seq: r.seq, ts: r.ts, type: r.type, line, riskLevel: r.risk_level };
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        if (this.timer) clearTimeout(this.timer);
        this.wake = null;
        resolve();
      };
      this.timer = setTimeout(() => this.wake?.(), ms);
      this.timer.unref();
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const records = this.store.head().seq > this.cursor ? this.batch() : [];
      if (!records.length) {
        await this.sleep(IDLE_POLL_MS);
        continue;
      }
      this.sending = true;
      try {
        await this.send(records);
      } catch (e) {
        this.sending = false;
        this.failures++;
        // The message can quote the collector's answer, which can echo what it was sent or hold its own secrets:
        // this sink's token first (whatever its form), then everything the catalogue knows.
        this.lastError = redactString(scrubSecrets((e as Error).message, this.config)).slice(0, 500);
        this.lastErrorMs = this.clock.now();
        const wait = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(20, this.failures - 1));
        this.nextAttemptMs = this.clock.now() + wait;
        await this.store
          .commit([
            {
              sql: 'UPDATE sinks SET failures = ?, last_error = ?, last_error_ms = ? WHERE id = ?',
              params: [this.failures, this.lastError, this.lastErrorMs, this.row.id],
            },
          ])
          .catch(() => undefined);
        await this.sleep(wait);
        this.nextAttemptMs = null;
        continue;
      }
      this.sending = false;
      const last = records[records.length - 1]!;
      const now = this.clock.now();
      // The receiver has the batch: move the cursor durably before the next one.
      try {
        await this.store.commit([
          {
            sql: 'UPDATE sinks SET cursor = ?, delivered = delivered + ?, failures = 0, last_success_ms = ? WHERE id = ?',
            params: [last.seq, records.length, now, this.row.id],
          },
        ]);
      } catch {
        // The disk cannot be written: the batch is sent again later (at least once), not skipped.
        await this.sleep(BACKOFF_MIN_MS);
        continue;
      }
      this.cursor = last.seq;
      this.prevHash = JSON.parse(last.line).hash as string;
      this.delivered += records.length;
      this.failures = 0;
      this.lastSuccessMs = now;
    }
  }
}

export class SinkService {
  private readonly runners = new Map<string, SinkRunner>();
  private started = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly installId: () => string,
  ) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const row of this.store.all<SinkRow>('SELECT * FROM sinks ORDER BY created_ms')) {
      try {
        this.run(row);
      } catch (e) {
        // A sink this build cannot read does not stop the server; its status says why.
        console.warn(`gatehouse: sink ${row.id} cannot start: ${(e as Error).message}`);
      }
    }
  }

  async stop(): Promise<void> {
    this.started = false;
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    this.runners.clear();
  }

  /** The lowest cursor of all sinks (records after it are not delivered everywhere yet); null without sinks. */
  minCursor(): number | null {
    const row = this.store.get<{ c: number | null }>('SELECT MIN(cursor) AS c FROM sinks');
    return row?.c ?? null;
  }

  list(): SinkView[] {
    return this.store.all<SinkRow>('SELECT * FROM sinks ORDER BY created_ms, id').map((r) => this.view(r));
  }

  async create(input: SinkCreate, actor = 'user'): Promise<SinkView> {
    const config = SinkCreateSchema.parse(input);
    const n = this.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM sinks')!.n;
    if (n >= MAX_SINKS) throw conflict(`at most ${MAX_SINKS} sinks`);
    const now = this.clock.now();
    const id = newId('snk', now);
    // A new sink gets the whole live log, from its first record.
    const first = this.store.get<{ s: number | null }>('SELECT MIN(seq) AS s FROM audit')?.s ?? 1;
    const row: SinkRow = {
      id,
      type: config.type,
      name: config.name == null ? null : redactString(config.name),
      config: JSON.stringify(config),
      cursor: Math.max(0, first - 1),
      delivered: 0,
      failures: 0,
      created_ms: now,
      last_success_ms: null,
      last_error: null,
      last_error_ms: null,
    };
    await this.store.commit(
      [
        {
          sql: 'INSERT INTO sinks (id, type, name, config, cursor, delivered, failures, created_ms) VALUES (?, ?, ?, ?, ?, 0, 0, ?)',
          params: [id, row.type, row.name, row.config, row.cursor, now],
        },
      ],
      // The token is never written to the log: the type and the target only.
      [{ type: 'sink.created', actor, data: { id, type: config.type, name: row.name, target: targetOf(config) } }],
    );
    if (this.started) this.run(row);
    return this.view(row);
  }

  async delete(id: string, actor = 'user'): Promise<{ deleted: string }> {
    const row = this.store.get<SinkRow>('SELECT * FROM sinks WHERE id = ?', [id]);
    if (!row) throw notFound(`sink ${id}`);
    await this.runners.get(id)?.stop();
    this.runners.delete(id);
    await this.store.commit(
      [{ sql: 'DELETE FROM sinks WHERE id = ?', params: [id] }],
      [{ type: 'sink.deleted', actor, data: { id, type: row.type, name: row.name } }],
    );
    return { deleted: id };
  }

  status(id: string): SinkStatus {
    const row = this.store.get<SinkRow>('SELECT * FROM sinks WHERE id = ?', [id]);
    if (!row) throw notFound(`sink ${id}`);
    const r = this.runners.get(id);
    const head = this.store.head().seq;
    const cursor = r?.cursor ?? row.cursor;
    const failures = r?.failures ?? row.failures;
    const lastErrorMs = r?.lastErrorMs ?? row.last_error_ms;
    const lastSuccessMs = r?.lastSuccessMs ?? row.last_success_ms;
    return {
      id,
      type: row.type,
      cursor,
      head,
      lag: Math.max(0, head - cursor),
      state: failures > 0 ? 'retrying' : head > cursor ? 'sending' : 'up_to_date',
      delivered: r?.delivered ?? row.delivered,
      failures,
      last_error: r?.lastError ?? row.last_error,
      last_error_at: lastErrorMs === null ? null : iso(lastErrorMs),
      last_success_at: lastSuccessMs === null ? null : iso(lastSuccessMs),
      next_attempt_at: r?.nextAttemptMs ? iso(r.nextAttemptMs) : null,
    };
  }

  private run(row: SinkRow): void {
    const config = SinkCreateSchema.parse(JSON.parse(row.config));
    this.runners.set(row.id, new SinkRunner(row, config, transportOf(config, { installId: this.installId() }), this.store, this.clock));
  }

  private view(row: SinkRow): SinkView {
    const parsed = SinkCreateSchema.safeParse(JSON.parse(row.config));
    const config = parsed.success ? parsed.data : null;
    const token = config && 'token' in config ? config.token : undefined;
    return {
      id: row.id,
      type: row.type,
      name: row.name,
      target: config ? targetOf(config) : '(a configuration this build cannot read)',
      token_hint: token ? `…${token.length >= 12 ? token.slice(-4) : ''}` : null,
      created_at: iso(row.created_ms),
    };
  }
}
