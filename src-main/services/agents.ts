import { zeroCounts, type Agent, type AgentRegister, type ActionStatusValue, type DecisionCounts } from '../../src-shared/index.js';
import { iso, isoOrNull, type Clock } from '../core/clock.js';
import type { Op, Store } from '../storage/types.js';
import { countsByAgentAndStatus, topActionTypes } from './action-rows.js';
import { decodeListCursor, encodeListCursor } from './list-cursor.js';
import { redactOrNull } from './redact.js';
import { aroundScans, type SecretScanner } from './secret-scans.js';

interface AgentRow {
  agent_id: string;
  name: string | null;
  agent_type: 'supervised' | 'autonomous' | null;
  capabilities: string;
  metadata: string;
  registered: number;
  created_ms: number;
  last_seen_ms: number | null;
}

const RATE_WINDOW_MS = 60_000;
const LAST_SEEN_PERSIST_MS = 5_000;

/**
 * Agents (SPEC 2.5): registered ones and those first seen through an action. Keeps in memory what
 * the hot path needs (registered?, actions in the last minute, counts by status) so a decision
 * never has to query for them.
 */
export class AgentService {
  private readonly known = new Map<string, { registered: boolean; lastSeen: number; persistedSeen: number }>();
  private readonly recent = new Map<string, number[]>();
  private readonly counts = new Map<string, DecisionCounts>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly secretScans?: SecretScanner,
  ) {
    for (const r of store.all<AgentRow>('SELECT agent_id, registered, last_seen_ms FROM agents')) {
      this.known.set(r.agent_id, { registered: !!r.registered, lastSeen: r.last_seen_ms ?? 0, persistedSeen: r.last_seen_ms ?? 0 });
    }
    for (const r of countsByAgentAndStatus(store)) {
      const c = this.countsOf(r.agent_id);
      c[r.status] += r.n;
      c.total += r.n;
    }
  }

  isRegistered(agentId: string): boolean {
    return this.known.get(agentId)?.registered ?? false;
  }

  /** Actions from this agent in the last minute (not counting the one being decided). */
  recentCount(agentId: string, now = this.clock.now()): number {
    const list = this.recent.get(agentId);
    if (!list) return 0;
    while (list.length && list[0]! <= now - RATE_WINDOW_MS) list.shift();
    return list.length;
  }

  /** Ops recording that the agent acted now (creates it, unregistered, on first sight). */
  seenOps(agentId: string, now: number): Op[] {
    const k = this.known.get(agentId);
    if (!k) {
      return [
        {
          sql: 'INSERT OR IGNORE INTO agents (agent_id, registered, created_ms, last_seen_ms) VALUES (?, 0, ?, ?)',
          params: [agentId, now, now],
        },
      ];
    }
    if (now - k.persistedSeen < LAST_SEEN_PERSIST_MS) return [];
    return [{ sql: 'UPDATE agents SET last_seen_ms = ? WHERE agent_id = ?', params: [now, agentId] }];
  }

  /** Called once the action is durable. */
  noteAction(agentId: string, status: ActionStatusValue, now: number, persisted: boolean): void {
    const k = this.known.get(agentId) ?? { registered: false, lastSeen: now, persistedSeen: now };
    k.lastSeen = now;
    if (persisted) k.persistedSeen = now;
    this.known.set(agentId, k);
    const list = this.recent.get(agentId) ?? [];
    list.push(now);
    if (list.length > 1000) list.splice(0, list.length - 1000);
    this.recent.set(agentId, list);
    const c = this.countsOf(agentId);
    c.total++;
    c[status]++;
  }

  /** Moves one action of the agent from one status to another in the counters. */
  noteTransition(agentId: string, from: ActionStatusValue, to: ActionStatusValue): void {
    const c = this.countsOf(agentId);
    c[from] = Math.max(0, c[from] - 1);
    c[to]++;
  }

  /**
   * Registers (trusts) an agent. Only the agent registering itself counts as it being seen: a
   * person registering it from the console says nothing of when it last called.
   */
  async register(input: AgentRegister & { agent_type: 'supervised' | 'autonomous' }, actor: string, byAgent: boolean): Promise<Agent> {
    const now = this.clock.now();
    const seen = byAgent ? now : null;
    const body = await aroundScans(this.secretScans, [input], () => ({
      ...input,
      name: redactOrNull(input.name),
      capabilities: redactOrNull(input.capabilities),
      metadata: redactOrNull(input.metadata),
    }));
    await this.store.commit(
      [
        {
          sql: `INSERT INTO agents (agent_id, name, agent_type, capabilities, metadata, registered, created_ms, last_seen_ms)
                VALUES (?, ?, ?, ?, ?, 1, ?, ?)
                ON CONFLICT(agent_id) DO UPDATE SET name = excluded.name, agent_type = excluded.agent_type,
                  capabilities = excluded.capabilities, metadata = excluded.metadata, registered = 1,
                  last_seen_ms = COALESCE(excluded.last_seen_ms, agents.last_seen_ms)`,
          params: [
            body.agent_id,
            body.name ?? null,
            body.agent_type,
            JSON.stringify(body.capabilities ?? []),
            JSON.stringify(body.metadata ?? {}),
            now,
            seen,
          ],
        },
      ],
      [
        {
          type: 'agent.registered',
          actor,
          data: { agent_id: body.agent_id, name: body.name ?? null, agent_type: body.agent_type, capabilities: body.capabilities ?? [] },
        },
      ],
    );
    const k = this.known.get(body.agent_id);
    this.known.set(body.agent_id, {
      registered: true,
      lastSeen: seen ?? k?.lastSeen ?? 0,
      persistedSeen: seen ?? k?.persistedSeen ?? 0,
    });
    return this.get(body.agent_id)!;
  }

  get(agentId: string): Agent | null {
    const r = this.store.get<AgentRow>('SELECT * FROM agents WHERE agent_id = ?', [agentId]);
    return r ? this.toAgent(r) : null;
  }

  /**
   * A page of agents, most recently seen first (the agent id breaks ties), from `cursor` (a
   * `next_cursor` this gave) on. An agent seen while a client walks the pages moves to the front:
   * that walk may miss it, and the next one finds it first.
   */
  page(limit: number, cursor: string | null): { items: Agent[]; next_cursor: string | null } {
    const after = cursor === null ? null : decodeListCursor('agents', cursor);
    const rows = this.store.all<AgentRow>(
      `SELECT * FROM agents${after ? ' WHERE COALESCE(last_seen_ms, created_ms) < ? OR (COALESCE(last_seen_ms, created_ms) = ? AND agent_id > ?)' : ''}
       ORDER BY COALESCE(last_seen_ms, created_ms) DESC, agent_id ASC LIMIT ?`,
      after ? [after[0], after[0], after[1], limit + 1] : [limit + 1],
    );
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return {
      items: page.map((r) => this.toAgent(r)),
      next_cursor: more && last ? encodeListCursor('agents', last.last_seen_ms ?? last.created_ms, last.agent_id) : null,
    };
  }

  private toAgent(r: AgentRow): Agent {
    const top = topActionTypes(this.store, r.agent_id);
    const seen = Math.max(r.last_seen_ms ?? 0, this.known.get(r.agent_id)?.lastSeen ?? 0);
    return {
      agent_id: r.agent_id,
      name: r.name,
      agent_type: r.agent_type,
      capabilities: JSON.parse(r.capabilities) as string[],
      metadata: JSON.parse(r.metadata) as Record<string, unknown>,
      registered: !!r.registered,
      created_at: iso(r.created_ms),
      last_seen_at: isoOrNull(seen || null),
      counts: { ...this.countsOf(r.agent_id) },
      top_action_types: top,
    };
  }

  private countsOf(agentId: string): DecisionCounts {
    let c = this.counts.get(agentId);
    if (!c) this.counts.set(agentId, (c = zeroCounts()));
    return c;
  }
}
