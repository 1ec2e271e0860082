import { timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '../audit/chain.js';
import {
  DEFAULT_ADMIN_KEY_ID,
  DEFAULT_AGENT_KEY_ID,
  OWNER_APPROVER,
  type Credentials,
  type KeyCreate,
  type KeyCreated,
  type KeyScope,
  type KeyView,
} from '../../src-shared/index.js';
import { newKeySecret } from '../config/credentials.js';
import { isoOrNull, iso, type Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import { conflict } from '../core/errors.js';
import type { Principal } from './principal.js';
import type { Store } from '../storage/types.js';
import { redactString } from './redact.js';

interface KeyRow {
  id: string;
  name: string;
  scope: KeyScope;
  agent_id: string | null;
  prefix: string;
  hash: string;
  created_ms: number;
  last_used_ms: number | null;
  revoked_ms: number | null;
}

const hashKey = (secret: string): string => sha256Hex(secret);

const toView = (r: KeyRow, approver: string | null): KeyView => ({
  id: r.id,
  name: r.name,
  scope: r.scope,
  agent_id: r.agent_id,
  approver,
  prefix: r.prefix,
  created_at: iso(r.created_ms),
  last_used_at: isoOrNull(r.last_used_ms),
  revoked_at: isoOrNull(r.revoked_ms),
});

/** The public prefix of a key (`gk_agent_abcd…`), as shown in the key list. */
const prefixOf = (secret: string): string => `${secret.slice(0, secret.indexOf('_', 3) + 5)}…`;

/**
 * API keys (SPEC 5): stored as SHA-256 hashes only. A presented key is looked up by its public
 * prefix (shown in the key list anyway), then its hash is compared with each candidate's in
 * constant time, so the time an answer takes says nothing about the secret part. Revocation
 * takes effect on the next request. `last_used_at` is kept in memory and persisted lazily so that
 * authenticating never costs a disk write.
 */
export class KeyRing {
  /** Active keys by their public prefix (several keys may share one). */
  private readonly active = new Map<string, KeyRow[]>();
  private readonly lastUsed = new Map<string, number>();
  private readonly revocations = new Map<string, AbortController>();
  /** Approver names by key id (the `key_approvers` table). */
  private readonly approvers = new Map<string, string>();
  private static readonly NEVER = new AbortController().signal;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {
    for (const r of store.all<KeyRow>('SELECT * FROM api_keys WHERE revoked_ms IS NULL')) this.activate(r);
    for (const r of store.all<{ key_id: string; approver: string }>('SELECT key_id, approver FROM key_approvers'))
      this.approvers.set(r.key_id, r.approver);
  }

  /** The approver key `id` answers workflow steps as, or null (admin keys only). */
  approverOf(id: string, scope: KeyScope): string | null {
    if (scope !== 'admin') return null;
    return this.approvers.get(id) ?? (id === DEFAULT_ADMIN_KEY_ID ? OWNER_APPROVER : null);
  }

  /**
   * Makes sure the default keys of credentials.json exist (first start, or a fresh database) and
   * are the ones it holds. A credentials.json that was lost and written again with new secrets
   * (the server or `hook install` makes one when there is none) would otherwise lock the CLI, the
   * hooks and `gatehouse open` out for good: the default key then takes the file's new secret, and
   * the old one stops working, both audited. A default key the user revoked stays revoked, and a
   * secret that is another key's (copied in by hand) changes nothing.
   */
  async ensureDefaults(creds: Credentials): Promise<void> {
    const wanted: [string, KeyScope, string][] = [
      [DEFAULT_AGENT_KEY_ID, 'agent', creds.agent_key],
      [DEFAULT_ADMIN_KEY_ID, 'admin', creds.admin_key],
    ];
    for (const [id, scope, secret] of wanted) {
      const row = this.store.get<KeyRow>('SELECT * FROM api_keys WHERE id = ?', [id]);
      if (!row) await this.insert({ id, name: `default ${scope} key`, scope, agent_id: null }, secret, false);
      else if (row.revoked_ms === null && !this.store.get('SELECT 1 FROM api_keys WHERE hash = ?', [hashKey(secret)]))
        await this.replaceSecret(row, secret);
    }
  }

  private async replaceSecret(row: KeyRow, secret: string): Promise<void> {
    const next: KeyRow = { ...row, prefix: prefixOf(secret), hash: hashKey(secret), created_ms: this.clock.now(), last_used_ms: null };
    const reason = 'credentials.json was written again with a new secret';
    const about = { key_id: row.id, name: row.name, scope: row.scope, agent_id: row.agent_id };
    await this.store.commit(
      [
        {
          sql: 'UPDATE api_keys SET prefix = ?, hash = ?, created_ms = ?, last_used_ms = NULL WHERE id = ?',
          params: [next.prefix, next.hash, next.created_ms, row.id],
        },
      ],
      [
        { type: 'key.revoked', actor: 'system', data: { ...about, prefix: row.prefix, reason } },
        { type: 'key.created', actor: 'system', data: { ...about, prefix: next.prefix, reason } },
      ],
    );
    this.retire(row);
    this.activate(next);
  }

  byKey(secret: string): Principal | null {
    if (!secret.startsWith('gk_') || secret.length > 200) return null;
    const presented = Buffer.from(hashKey(secret), 'hex');
    let row: KeyRow | null = null;
    for (const candidate of this.active.get(prefixOf(secret)) ?? []) {
      if (timingSafeEqual(Buffer.from(candidate.hash, 'hex'), presented)) row = candidate;
    }
    if (!row) return null;
    this.lastUsed.set(row.id, this.clock.now());
    return {
      id: row.id,
      scope: row.scope,
      agentId: row.agent_id,
      kind: 'key',
      name: row.name,
      approver: this.approverOf(row.id, row.scope),
    };
  }

  private activate(r: KeyRow): void {
    const list = this.active.get(r.prefix) ?? [];
    list.push(r);
    this.active.set(r.prefix, list);
  }

  /** The secret of `r` no longer authenticates: its event streams and long-polls end now. */
  private retire(r: KeyRow): void {
    const list = (this.active.get(r.prefix) ?? []).filter((x) => x.id !== r.id);
    if (list.length) this.active.set(r.prefix, list);
    else this.active.delete(r.prefix);
    this.revocations.get(r.id)?.abort();
    this.revocations.delete(r.id);
  }

  /**
   * A signal aborted when key `id` is revoked: what a request holds open with the key (an event
   * stream, a long-poll) ends then, instead of outliving the key. Ids that are not keys (the
   * console session) get a signal that never aborts.
   */
  revocation(id: string): AbortSignal {
    if (![...this.active.values()].some((list) => list.some((r) => r.id === id))) return KeyRing.NEVER;
    let ctrl = this.revocations.get(id);
    if (!ctrl) this.revocations.set(id, (ctrl = new AbortController()));
    return ctrl.signal;
  }

  list(): KeyView[] {
    return this.store
      .all<KeyRow>('SELECT * FROM api_keys ORDER BY created_ms DESC')
      .map((r) => toView({ ...r, last_used_ms: this.lastUsed.get(r.id) ?? r.last_used_ms }, this.approverOf(r.id, r.scope)));
  }

  async create(body: KeyCreate): Promise<KeyCreated> {
    const secret = newKeySecret(body.scope);
    const row = await this.insert(
      { id: newId('key'), name: redactString(body.name), scope: body.scope, agent_id: body.agent_id ?? null },
      secret,
      true,
      body.scope === 'admin' ? (body.approver ?? null) : null,
    );
    return { ...toView(row, this.approverOf(row.id, row.scope)), key: secret };
  }

  async revoke(id: string): Promise<KeyView | null> {
    const row = this.store.get<KeyRow>('SELECT * FROM api_keys WHERE id = ?', [id]);
    if (!row) return null;
    if (row.revoked_ms != null) return toView(row, this.approverOf(row.id, row.scope));
    // Revoked, it would lock the owner out for good: the CLI, `gatehouse open` (the console's login)
    // and hook install all reach the server with it, and a revoked default key stays revoked.
    if (id === DEFAULT_ADMIN_KEY_ID)
      throw conflict(
        'The default admin key is how the CLI and `gatehouse open` (the console login) reach this server, so it cannot be revoked. To give it a new secret, stop Gatehouse, delete credentials.json in the data dir and start it again.',
      );
    const now = this.clock.now();
    await this.store.commit(
      [{ sql: 'UPDATE api_keys SET revoked_ms = ? WHERE id = ?', params: [now, id] }],
      [{ type: 'key.revoked', actor: 'user', data: { key_id: id, name: row.name, scope: row.scope } }],
    );
    this.retire(row);
    return toView({ ...row, revoked_ms: now }, this.approverOf(row.id, row.scope));
  }

  /** Persists last-used times gathered in memory (called periodically and on close). */
  async flushLastUsed(): Promise<void> {
    if (this.lastUsed.size === 0) return;
    const ops = [...this.lastUsed].map(([id, ms]) => ({ sql: 'UPDATE api_keys SET last_used_ms = ? WHERE id = ?', params: [ms, id] }));
    this.lastUsed.clear();
    await this.store.commit(ops);
  }

  private async insert(
    k: Pick<KeyRow, 'id' | 'name' | 'scope' | 'agent_id'>,
    secret: string,
    audit: boolean,
    approver: string | null = null,
  ): Promise<KeyRow> {
    const row: KeyRow = {
      ...k,
      prefix: prefixOf(secret),
      hash: hashKey(secret),
      created_ms: this.clock.now(),
      last_used_ms: null,
      revoked_ms: null,
    };
    await this.store.commit(
      [
        {
          sql: 'INSERT INTO api_keys (id, name, scope, agent_id, prefix, hash, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)',
          params: [row.id, row.name, row.scope, row.agent_id, row.prefix, row.hash, row.created_ms],
        },
        ...(approver ? [{ sql: 'INSERT INTO key_approvers (key_id, approver) VALUES (?, ?)', params: [row.id, approver] }] : []),
      ],
      [
        {
          type: 'key.created',
          actor: audit ? 'user' : 'system',
          data: {
            key_id: row.id,
            name: row.name,
            scope: row.scope,
            agent_id: row.agent_id,
            prefix: row.prefix,
            ...(approver ? { approver } : {}),
          },
        },
      ],
    );
    if (approver) this.approvers.set(row.id, approver);
    this.activate(row);
    return row;
  }
}
