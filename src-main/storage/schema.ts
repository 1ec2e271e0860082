import { REVIEW_ADD, ROLLUP_FLOOR, TALLIES, tallyAdd } from './rollup.js';

/**
 * The SQLite schema of `gatehouse.sqlite` (release 0.2, node:sqlite, on disk). Every table the
 * core reads lives here so that all modules agree on it. Times are epoch milliseconds (`*_ms`) for
 * range queries and rendered as ISO at the edge.
 *
 * The tables and their columns are those of release 0.1 (the 0.1 journal's SQL is replayed against
 * them by the upgrade); 0.2 adds `agent_counts` (kept by triggers, so start-up needs no scan of
 * `actions`), FTS5 in place of FTS4, and list indexes that end in `seq` so every ORDER BY of the
 * console and the API is an index walk.
 *
 * Deduplication matters at a million records: the full action request, risk factors and decision
 * live once, in the `action.decided` audit record (`audit.data`); `actions` keeps only the columns
 * that lists filter and sort on, plus the seq of that record.
 *
 * Schema 5 moved the two indexes keyed by agent (`audit_agent_filters`, `actions_agent`) out of this
 * file into the derived `audit_agent` table beside the full-text index (FTS_SCHEMA_SQL), written by
 * the indexer thread in steps of hundreds of records: every other index here gains its rows at one
 * end (seq, time) or under a handful of values, but an agent-keyed one gains a row under each agent
 * that acted, so with 64 agents a transaction of 32 commits wrote ~45 more 2 KiB pages per index
 * (224 → 132 pages per transaction without both, measured with the bench's records), and the
 * writer's time per record went with them: 96–98 → 62–79 µs, ingest +12–38 % (alternated runs of
 * 100,000 records on this machine; the indexer does that work now, in steps, for ~15 µs more).
 *
 * Schema 6 adds the Dashboard's counts per half hour (`action_slot_*`, `action_reviews`; see
 * storage/rollup.ts), kept by triggers like `agent_counts`.
 */
export const SCHEMA_VERSION = 6;

/** `PRAGMA application_id` of a Gatehouse 0.2 database ("GH02"); 0.1's sql.js snapshots have 0. */
export const APPLICATION_ID = 0x47483032;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  ts TEXT NOT NULL,
  ts_ms INTEGER NOT NULL,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  action_id TEXT,
  agent_id TEXT,
  decision TEXT,
  status TEXT,
  risk_level TEXT,
  data TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_ts ON audit(ts_ms, seq);
CREATE INDEX IF NOT EXISTS audit_type ON audit(type, seq);
-- An agent's records: fts.audit_agent (FTS_SCHEMA_SQL), kept by the indexer thread.
CREATE INDEX IF NOT EXISTS audit_action ON audit(action_id, seq) WHERE action_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_decision ON audit(decision, seq) WHERE decision IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_risk ON audit(risk_level, seq) WHERE risk_level IS NOT NULL;

CREATE TABLE IF NOT EXISTS actions (
  action_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  agent_id TEXT NOT NULL,
  action_type TEXT NOT NULL,
  resource TEXT,
  decision TEXT NOT NULL,
  status TEXT NOT NULL,
  risk_score INTEGER NOT NULL,
  risk_level TEXT NOT NULL,
  policy_id TEXT,
  approval_id TEXT,
  expires_ms INTEGER,
  timeout_action TEXT,
  approved INTEGER,
  reviewed_by TEXT,
  reviewed_ms INTEGER,
  comment TEXT,
  completed_ms INTEGER,
  result TEXT,
  error TEXT,
  duration_ms REAL,
  idempotency_key TEXT,
  key_id TEXT
);
CREATE INDEX IF NOT EXISTS actions_created ON actions(created_ms, seq);
CREATE INDEX IF NOT EXISTS actions_key ON actions(key_id, created_ms, seq);
CREATE INDEX IF NOT EXISTS actions_status ON actions(status, created_ms, seq);
CREATE INDEX IF NOT EXISTS actions_decision ON actions(decision, created_ms, seq);
CREATE INDEX IF NOT EXISTS actions_type ON actions(action_type, created_ms, seq);
CREATE INDEX IF NOT EXISTS actions_risk ON actions(risk_level, created_ms, seq);
CREATE INDEX IF NOT EXISTS actions_seq ON actions(seq);
CREATE UNIQUE INDEX IF NOT EXISTS actions_approval ON actions(approval_id) WHERE approval_id IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS actions_idem ON actions(agent_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- Per-agent action counts by status, kept in the same transaction as the rows they count.
CREATE TABLE IF NOT EXISTS agent_counts (
  agent_id TEXT NOT NULL,
  status TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (agent_id, status)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS actions_count_insert AFTER INSERT ON actions BEGIN
  INSERT INTO agent_counts (agent_id, status, n) VALUES (NEW.agent_id, NEW.status, 1)
    ON CONFLICT (agent_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS actions_count_update AFTER UPDATE OF status, agent_id ON actions
  WHEN OLD.status IS NOT NEW.status OR OLD.agent_id IS NOT NEW.agent_id BEGIN
  UPDATE agent_counts SET n = n - 1 WHERE agent_id = OLD.agent_id AND status = OLD.status;
  INSERT INTO agent_counts (agent_id, status, n) VALUES (NEW.agent_id, NEW.status, 1)
    ON CONFLICT (agent_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS actions_count_delete AFTER DELETE ON actions BEGIN
  UPDATE agent_counts SET n = n - 1 WHERE agent_id = OLD.agent_id AND status = OLD.status;
END;

-- The Dashboard's counts (services/stats.ts, storage/rollup.ts): actions by the half hour they were
-- created in and, each in a table of its own, their current status with risk level and verdict at
-- submit ('held' for approval, else the decision), their agent, their type; and the human answers'
-- latencies. Keyed by the half hour first, so a transaction's counts land on the few pages of the
-- current one. Actions below meta 'rollup_floor' (a database of an earlier schema, counted in the
-- background) are left to that count.
CREATE TABLE IF NOT EXISTS action_slot_status (
  slot INTEGER NOT NULL,
  status TEXT NOT NULL,
  risk_level TEXT NOT NULL,
  verdict TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (slot, status, risk_level, verdict)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS action_slot_agents (
  slot INTEGER NOT NULL,
  agent_id TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (slot, agent_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS action_slot_types (
  slot INTEGER NOT NULL,
  action_type TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (slot, action_type)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS action_reviews (
  created_ms INTEGER NOT NULL,
  action_id TEXT NOT NULL,
  latency_ms INTEGER NOT NULL,
  PRIMARY KEY (created_ms, action_id)
) WITHOUT ROWID;
-- (A new action's seq is above the floor: the floor is never above the log's head. An action is
-- inserted already answered only by the upgrade from 0.1, into a new database.)
CREATE TRIGGER IF NOT EXISTS actions_rollup_insert AFTER INSERT ON actions BEGIN
  ${tallyAdd(TALLIES.status, 'NEW', 1)}
  ${tallyAdd(TALLIES.agents, 'NEW', 1)}
  ${tallyAdd(TALLIES.types, 'NEW', 1)}
END;
CREATE TRIGGER IF NOT EXISTS actions_review_insert AFTER INSERT ON actions
  WHEN NEW.reviewed_by = 'user' AND NEW.reviewed_ms IS NOT NULL BEGIN
  ${REVIEW_ADD}
END;
CREATE TRIGGER IF NOT EXISTS actions_rollup_status AFTER UPDATE OF created_ms, status, risk_level, decision, approval_id ON actions
  WHEN NEW.seq >= ${ROLLUP_FLOOR} AND (OLD.created_ms IS NOT NEW.created_ms OR OLD.status IS NOT NEW.status
    OR OLD.risk_level IS NOT NEW.risk_level OR OLD.decision IS NOT NEW.decision OR OLD.approval_id IS NOT NEW.approval_id) BEGIN
  ${tallyAdd(TALLIES.status, 'OLD', -1)}
  ${tallyAdd(TALLIES.status, 'NEW', 1)}
END;
CREATE TRIGGER IF NOT EXISTS actions_rollup_names AFTER UPDATE OF created_ms, agent_id, action_type ON actions
  WHEN NEW.seq >= ${ROLLUP_FLOOR} AND (OLD.created_ms IS NOT NEW.created_ms OR OLD.agent_id IS NOT NEW.agent_id
    OR OLD.action_type IS NOT NEW.action_type) BEGIN
  ${tallyAdd(TALLIES.agents, 'OLD', -1)}
  ${tallyAdd(TALLIES.agents, 'NEW', 1)}
  ${tallyAdd(TALLIES.types, 'OLD', -1)}
  ${tallyAdd(TALLIES.types, 'NEW', 1)}
END;
CREATE TRIGGER IF NOT EXISTS actions_review_update AFTER UPDATE OF created_ms, reviewed_by, reviewed_ms ON actions
  WHEN NEW.seq >= ${ROLLUP_FLOOR} BEGIN
  DELETE FROM action_reviews WHERE created_ms = OLD.created_ms AND action_id = OLD.action_id;
  ${REVIEW_ADD}
END;
CREATE TRIGGER IF NOT EXISTS actions_rollup_delete AFTER DELETE ON actions
  WHEN OLD.seq >= ${ROLLUP_FLOOR} BEGIN
  ${tallyAdd(TALLIES.status, 'OLD', -1)}
  ${tallyAdd(TALLIES.agents, 'OLD', -1)}
  ${tallyAdd(TALLIES.types, 'OLD', -1)}
  DELETE FROM action_reviews WHERE created_ms = OLD.created_ms AND action_id = OLD.action_id;
END;

CREATE TABLE IF NOT EXISTS agents (
  agent_id TEXT PRIMARY KEY,
  name TEXT,
  agent_type TEXT,
  capabilities TEXT NOT NULL DEFAULT '[]',
  metadata TEXT NOT NULL DEFAULT '{}',
  registered INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  last_seen_ms INTEGER
);

CREATE TABLE IF NOT EXISTS policies (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  hits INTEGER NOT NULL DEFAULT 0,
  last_hit_ms INTEGER
);

CREATE TABLE IF NOT EXISTS risk_rules (id TEXT PRIMARY KEY, body TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  scope TEXT NOT NULL,
  agent_id TEXT,
  prefix TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  created_ms INTEGER NOT NULL,
  last_used_ms INTEGER,
  revoked_ms INTEGER
);

CREATE TABLE IF NOT EXISTS webhooks (
  id TEXT PRIMARY KEY,
  name TEXT,
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  secret TEXT,
  format TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  created_ms INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY,
  webhook_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_ms INTEGER,
  created_ms INTEGER NOT NULL,
  delivered_ms INTEGER,
  attempt_log TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS deliveries_webhook ON deliveries(webhook_id, created_ms, id);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(status, next_ms);
-- SPEC 7.4 (a restart does not lose a delivery): which webhook has its delivery of which event of
-- which audit record (or had it dropped as over its backlog), for the records after meta
-- 'webhook_seq', the point up to which every record's events are known to be queued. Rows at or
-- below it are pruned (events/webhook-recovery.ts).
CREATE TABLE IF NOT EXISTS delivery_sources (
  webhook_id TEXT NOT NULL,
  audit_seq INTEGER NOT NULL,
  event TEXT NOT NULL,
  PRIMARY KEY (webhook_id, audit_seq, event)
) WITHOUT ROWID;
-- Events not queued for a webhook because its backlog was full: how many, and when the last was;
-- overflowing is 1 from a drop (whose overflow has had its alert) until a delivery is queued for it
-- again (events/webhooks.ts), so that a restart mid-overflow does not alert again.
CREATE TABLE IF NOT EXISTS webhook_drops (
  webhook_id TEXT PRIMARY KEY,
  dropped INTEGER NOT NULL,
  last_ms INTEGER NOT NULL,
  overflowing INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS mcp_servers (
  server_id TEXT PRIMARY KEY,
  name TEXT,
  command TEXT,
  tools TEXT NOT NULL DEFAULT '[]',
  tools_hash TEXT,
  tools_changed_ms INTEGER,
  created_ms INTEGER NOT NULL,
  last_seen_ms INTEGER,
  calls INTEGER NOT NULL DEFAULT 0
);

-- 0.2, issue 15 (MCP tool pinning, SPEC 9.2): one row per tool ever seen on a server. sha256 is the
-- SHA-256 of the JCS of the approved tool definition; pending_* is a changed definition waiting to be
-- accepted (its calls are blocked meanwhile). A new table, so data dirs of 0.1 need no migration.
CREATE TABLE IF NOT EXISTS mcp_tool_pins (
  server_id TEXT NOT NULL,
  tool TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  definition TEXT NOT NULL,
  pinned_ms INTEGER NOT NULL,
  pending_sha256 TEXT,
  pending_definition TEXT,
  pending_ms INTEGER,
  calls INTEGER NOT NULL DEFAULT 0,
  last_call_ms INTEGER,
  PRIMARY KEY (server_id, tool)
);

-- 0.2, issue 19 (SPEC 11): approval workflows (body = the workflow document as JSON), and the
-- progress of each action a workflow governs: state = its steps, answers and deadlines as JSON (a
-- snapshot of the workflow taken when the action was held, so editing the workflow never changes a
-- request in flight), deadline_ms = the current step's deadline (the expiry timer reads it on start).
-- New tables, so earlier data dirs need no migration.
CREATE TABLE IF NOT EXISTS workflows (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS approval_workflows (
  action_id TEXT PRIMARY KEY,
  workflow_id TEXT NOT NULL,
  state TEXT NOT NULL,
  deadline_ms INTEGER,
  updated_ms INTEGER NOT NULL
);
-- The approver name an admin key answers workflow steps as (keys made before 0.2 have none).
CREATE TABLE IF NOT EXISTS key_approvers (key_id TEXT PRIMARY KEY, approver TEXT NOT NULL);

-- 0.2, issue 19 (SPEC 12): A/B tests of policies, and the arm of every action decided in one
-- (written in the action's own commit), with what the other arm would have decided.
CREATE TABLE IF NOT EXISTS ab_tests (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT,
  control_policy TEXT NOT NULL,
  test_policy TEXT NOT NULL,
  traffic_split REAL NOT NULL,
  duration_days REAL NOT NULL,
  started_ms INTEGER NOT NULL,
  ends_ms INTEGER NOT NULL,
  stopped_ms INTEGER
);
CREATE TABLE IF NOT EXISTS ab_test_actions (
  test_id TEXT NOT NULL,
  action_id TEXT NOT NULL,
  arm TEXT NOT NULL,
  decision TEXT NOT NULL,
  other_decision TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (test_id, action_id)
) WITHOUT ROWID;

-- 0.2, issue 18 (SPEC 7.6): the audit log's RFC 6962 Merkle tree. One row per aligned perfect subtree
-- of 2^level leaves (level >= 8, i.e. 256 leaves and up) whose leaves all exist: node idx covers
-- leaves [idx * 2^level, (idx + 1) * 2^level), leaf i being the record of seq i + 1. Written by the
-- writer in the same transaction as the records that complete it (merkle-store.ts); smaller
-- subtrees are computed from the records' hashes on demand. A new table: an older log gets it
-- built in slices after start.
CREATE TABLE IF NOT EXISTS merkle_nodes (
  level INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  hash BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
-- Record hashes of archived records (SPEC 7.7) that the tree of the live log still needs: those of
-- the last, incomplete 256-leaf block before the first live record.
CREATE TABLE IF NOT EXISTS merkle_kept_leaves (seq INTEGER PRIMARY KEY, hash TEXT NOT NULL);

-- 0.2, issue 18 (SPEC 7.8): SIEM sinks. config is the validated create body (the token with it:
-- it is sent with every batch; never shown back, never in the audit log). cursor = the last seq the
-- receiver acknowledged, moved after each delivered batch.
CREATE TABLE IF NOT EXISTS sinks (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  name TEXT,
  config TEXT NOT NULL,
  cursor INTEGER NOT NULL DEFAULT 0,
  delivered INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  last_success_ms INTEGER,
  last_error TEXT,
  last_error_ms INTEGER
);
`;

/**
 * The full-text index, in a database file of its own beside the live one (`gatehouse-fts.sqlite`,
 * attached to every reading connection as `fts`, so queries name `audit_fts` as if it were in the
 * live database). It is derived data, indexed from the `audit` table, and rebuilt from it when it is
 * missing, behind, or of another log (fts-tail.ts). In a file of its own it has its own write lock, so
 * it is written on a thread of its own while the writer commits: FTS5's flushes and merges (tens of
 * ms at a million records) no longer hold an acknowledged transaction back.
 *
 * Free text (SPEC 8): contentless FTS5, rowid = audit.seq. The search box matches prefixes ('prod'
 * finds 'production'); FTS5 answers a prefix query either from a prefix index of exactly that
 * length (a doclist read newest-first, a fraction of a millisecond) or by merging the doclists of
 * every matching term in memory (tens of ms for a common prefix at a million records). Prefix
 * indexes of 3 to 8 characters cover what the query builder sends (audit/query.ts: at most 8),
 * for ~7 µs more per record written, measured here. The agent column holds one token naming the
 * record's agent (audit-index.ts agentToken), so a search within one agent's records is one FTS5
 * AND instead of a table row fetched for every match of the text.
 *
 * `audit_agent`: one row per record that names an agent, the index of "this agent's records, newest
 * first" (audit lists, an agent's actions through their `action.decided` records), with the other
 * filter columns in the row, so a second filter (agent and risk, agent and decision, ...) is tested
 * on the index entry, not on a record fetched for it. Written in the same transaction as the
 * record's full-text row, so both reach `fts_seq`; a reader takes the records past it from the live
 * table (audit/agent-records.ts). Rows of records that retention archived stay (a few dozen bytes
 * each): readers never look below the live log's first record.
 *
 * `agent_types`: how many actions each agent submitted of each action type (their `action.decided`
 * records), counted by the same step, for the Agents screen's "top action types". Reading an
 * agent's latest 5,000 actions for it took 30-150 ms an agent on the bench's 1M log, and the agents
 * list did it for every agent (1.8-2.9 s for 64). Like `audit_agent`, it keeps what retention archived.
 */
export const FTS_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS fts_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS audit_fts USING fts5(body, agent, content='', contentless_delete=1, tokenize='unicode61', prefix='3 4 5 6 7 8');
CREATE TABLE IF NOT EXISTS audit_agent (
  agent_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  risk_level TEXT,
  decision TEXT,
  status TEXT,
  PRIMARY KEY (agent_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS agent_types (
  agent_id TEXT NOT NULL,
  action_type TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (agent_id, action_type)
) WITHOUT ROWID;
`;

/**
 * What the full-text file holds, in `fts_meta.format`: a file without it (or with another) is built
 * again from the live log. 2: `audit_agent` beside `audit_fts` (schema 5). 3: `agent_types`.
 * 4: the string values of `parameters`, `context` and `mcp`, `flags`, `environment`,
 * `target_system` and `error` are indexed too.
 */
export const FTS_FORMAT = '4';

/** The tables a 0.1 snapshot holds that carry data (copied as they are by the upgrade). */
export const DATA_TABLES = ['actions', 'agents', 'policies', 'risk_rules', 'api_keys', 'webhooks', 'deliveries', 'mcp_servers'] as const;
