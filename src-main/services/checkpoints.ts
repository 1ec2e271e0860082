import { randomBytes } from 'node:crypto';
import type { AuditProof, ConsistencyProof, PublicKeyView } from '../../src-shared/index.js';
import { loadOrCreateAuditKey, verifierKey, writePublicKeyFile, type AuditKey } from '../audit/audit-key.js';
import { keyIdOf, parseCheckpoint, signCheckpoint, type SignedCheckpoint } from '../audit/checkpoint.js';
import { consistencyProof, inclusionProof, leafHashOfHex, treeRoot } from '../audit/merkle.js';
import type { Clock } from '../core/clock.js';
import { GatehouseError } from '../core/errors.js';
import type { EventBus } from '../events/bus.js';
import { MerkleUnavailableError } from '../storage/merkle-store.js';
import type { Store } from '../storage/types.js';

export interface CheckpointOptions {
  /** Sign once this many records were added since the last checkpoint (default 1,000). */
  everyRecords?: number;
  /** Sign after this long when anything changed (default 10 minutes). */
  everyMs?: number;
  /** How often the thresholds are looked at (default 1 s): a read of the in-memory head, nothing more. */
  pollMs?: number;
}

/**
 * Signed checkpoints of the audit log (SPEC 7.6). The install's origin is `gatehouse.local/<install
 * id>`, the install id a random value kept in the database (`meta`), so it survives a lost key file.
 *
 * A checkpoint is signed every `everyRecords` records, or after `everyMs` when anything changed, and
 * on clean stop; each is appended as a `checkpoint.signed` record (its note text, size and root), so
 * it reaches every sink and the `checkpoint.signed` webhook event, copies outside the writer's reach.
 * Signing costs O(log n) node lookups, ≤ 255 leaf reads and one Ed25519 signature, on a timer: the
 * submit path does nothing extra.
 */
export class CheckpointService {
  private latestCp: SignedCheckpoint | null = null;
  /** Seq of the last `checkpoint.signed` record (a change after it is a reason to sign). */
  private latestRecordSeq = 0;
  private lastSignedAt: number;
  private timer: NodeJS.Timeout | null = null;
  private signing: Promise<SignedCheckpoint | null> | null = null;
  private readonly opts: Required<CheckpointOptions>;

  private constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly bus: EventBus,
    private readonly key: AuditKey,
    readonly origin: string,
    opts: CheckpointOptions,
  ) {
    this.opts = { everyRecords: 1000, everyMs: 10 * 60_000, pollMs: 1000, ...opts };
    this.lastSignedAt = clock.now();
    const row = store.get<{ seq: number; data: string }>(
      "SELECT seq, data FROM audit WHERE type = 'checkpoint.signed' ORDER BY seq DESC LIMIT 1",
    );
    if (row) {
      try {
        this.latestCp = parseCheckpoint((JSON.parse(row.data) as { note: string }).note);
        this.latestRecordSeq = row.seq;
      } catch {
        // an unreadable record: the next checkpoint replaces it
      }
    }
  }

  /** Loads (or makes, on first start) the key and the install id; writes `audit-key.pub`. */
  static async open(store: Store, clock: Clock, bus: EventBus, opts: CheckpointOptions = {}): Promise<CheckpointService> {
    let installId = store.get<{ value: string }>("SELECT value FROM meta WHERE key = 'install_id'")?.value;
    if (!installId) {
      const id = randomBytes(8).toString('hex');
      await store.commit([{ sql: "INSERT OR IGNORE INTO meta (key, value) VALUES ('install_id', ?)", params: [id] }]);
      installId = store.get<{ value: string }>("SELECT value FROM meta WHERE key = 'install_id'")!.value;
    }
    const origin = `gatehouse.local/${installId}`;
    const key = loadOrCreateAuditKey(store.dataDir, clock.now());
    writePublicKeyFile(store.dataDir, origin, key.publicRaw);
    const s = new CheckpointService(store, clock, bus, key, origin, opts);
    if (key.created) {
      // The log records which key signs it from here on (a replaced key file shows as a new record).
      await store.commit(
        [],
        [{ type: 'audit.key_created', actor: 'system', data: { origin, key_id: s.keyId, public_key: key.publicRaw.toString('base64') } }],
      );
    }
    return s;
  }

  get keyId(): string {
    return keyIdOf(this.origin, this.key.publicRaw).toString('hex');
  }

  publicKey(): PublicKeyView {
    return {
      key_id: this.keyId,
      public_key: this.key.publicRaw.toString('base64'),
      origin: this.origin,
      verifier_key: verifierKey(this.origin, this.key.publicRaw),
    };
  }

  latest(): SignedCheckpoint | null {
    return this.latestCp;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.opts.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** True when records were added after the last checkpoint record. */
  get changed(): boolean {
    return this.store.head().seq > this.latestRecordSeq;
  }

  private async tick(): Promise<void> {
    if (this.signing || !this.store.writable) return;
    const head = this.store.head().seq;
    const since = head - (this.latestCp?.size ?? 0);
    const due = since >= this.opts.everyRecords || (this.changed && this.clock.now() - this.lastSignedAt >= this.opts.everyMs);
    if (due) await this.sign().catch(() => undefined);
  }

  /**
   * Signs the tree of the durable log as it is now and appends the `checkpoint.signed` record.
   * Null when there is nothing new or the tree is still being built.
   */
  sign(): Promise<SignedCheckpoint | null> {
    this.signing ??= this.signNow().finally(() => {
      this.signing = null;
    });
    return this.signing;
  }

  private async signNow(): Promise<SignedCheckpoint | null> {
    if (!this.changed || !this.store.merkleReady) return null;
    const size = this.store.head().seq;
    const root = treeRoot(this.store.merkle(), size);
    const cp = signCheckpoint({ origin: this.origin, size, root }, this.key.privateKey, this.key.publicRaw);
    const data = {
      origin: this.origin,
      size,
      root: root.toString('base64'),
      root_hex: root.toString('hex'),
      key_id: this.keyId,
      note: cp.text,
    };
    const [rec] = await this.store.commit([], [{ type: 'checkpoint.signed', actor: 'system', data }]);
    this.latestCp = cp;
    this.latestRecordSeq = rec!.seq;
    this.lastSignedAt = this.clock.now();
    this.bus.publish('checkpoint.signed', { seq: rec!.seq, ...data }, { seq: rec!.seq, now: this.clock.now() });
    return cp;
  }

  /** Inclusion proof of record `seq` in the tree of `size` records (default: the latest checkpoint). */
  proof(seq: number, size?: number): AuditProof {
    const n = size ?? this.latestCp?.size;
    if (n === undefined) throw new GatehouseError('not_found', 'no checkpoint has been signed yet: pass size');
    this.checkSize(n, 'size');
    if (seq < 1 || seq > n)
      throw new GatehouseError('invalid_request', `seq ${seq} is not in a tree of ${n} records`, [
        { path: 'seq', message: `must be 1..${n}` },
      ]);
    const src = this.store.merkle();
    const leafRow = this.store.get<{ hash: string }>('SELECT hash FROM audit WHERE seq = ?', [seq]);
    if (!leafRow) throw new GatehouseError('not_found', `record ${seq} is not in the live log (archived?)`);
    const proof = this.withTree(() => inclusionProof(src, seq - 1, n));
    return { seq, size: n, leaf_hash: leafHashOfHex(leafRow.hash).toString('hex'), proof: proof.map((h) => h.toString('hex')) };
  }

  /** Consistency proof between the trees of `from` and `to` records (default: the latest checkpoint), with both roots. */
  consistency(from: number, toSize?: number): ConsistencyProof {
    const to = toSize ?? this.latestCp?.size;
    if (to === undefined) throw new GatehouseError('not_found', 'no checkpoint has been signed yet: pass to');
    this.checkSize(to, 'to');
    if (from < 1 || from > to)
      throw new GatehouseError('invalid_request', `from must be 1..${to}`, [{ path: 'from', message: `must be 1..${to}` }]);
    const src = this.store.merkle();
    return this.withTree(() => ({
      from,
      to,
      from_root: treeRoot(src, from).toString('hex'),
      to_root: treeRoot(src, to).toString('hex'),
      proof: consistencyProof(src, from, to).map((h) => h.toString('hex')),
    }));
  }

  private checkSize(n: number, field: string): void {
    const head = this.store.head().seq;
    if (n < 1 || n > head)
      throw new GatehouseError('invalid_request', `${field} must be 1..${head} (the log's size)`, [
        { path: field, message: `must be 1..${head}` },
      ]);
  }

  private withTree<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof MerkleUnavailableError)) throw e;
      // Retention moved those records out (their leaf hashes with them): no wait makes the proof
      // possible, so it is not a 503 (a store that cannot answer now); the archives prove them.
      const archived = this.store.archiveHead().seq;
      if (e.leaves && e.leaves.first < archived)
        throw new GatehouseError(
          'not_found',
          `records ${e.leaves.first + 1}..${Math.min(e.leaves.last + 1, archived)} are archived, and this proof needs their hashes: ` +
            `ask from a size of ${archived} or more, or check the archives with \`gatehouse audit verify --archive\``,
        );
      throw new GatehouseError('unavailable', `the audit Merkle tree cannot answer yet: ${e.message}`);
    }
  }
}
