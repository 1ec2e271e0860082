// Reference oracle for test/engine/scorer-equivalence.test.ts: src-main/engine/risk/scorer.ts as it was before the
// decision-path speed-up (commit f366126), imports pointed at the unchanged modules. Not used by the product.
import type { NormalizedAction, Risk, RiskFactor, Settings } from '../../../src-shared/index.js';
import { chargeWork, checkBudget, ITEM_WORK } from '../../../src-main/engine/budget.js';
import type { CompiledCondition } from '../../../src-main/engine/conditions/compile.js';
import { numericValue, ownValue } from '../../../src-main/engine/conditions/values.js';
import type { Subject } from '../../../src-main/engine/subject.js';
import type { DecideContext } from '../../../src-main/engine/types.js';
import { destructiveSql } from '../../../src-main/engine/risk/detectors/sql.js';
import { sensitivePath } from '../../../src-main/engine/risk/detectors/paths.js';
import { secretValues } from '../../../src-main/engine/risk/detectors/secrets.js';
import { recursiveFlag } from '../../../src-main/engine/risk/detectors/recursive.js';
import {
  BULK_ROWS,
  DEFAULT_FACTOR_POINTS,
  HIGH_RATE_ACTIONS,
  OFF_HOURS_FROM,
  OFF_HOURS_UNTIL,
  type BuiltinFactorId,
} from '../../../src-main/engine/risk/factors.js';
import { clampScore, riskLevelOf } from '../../../src-main/engine/risk/level.js';
import {
  analyzeShell,
  DANGEROUS_PROGRAMS,
  quoteTolerant,
  type ShellAnalysis,
  type ShellEffect,
} from '../../../src-main/engine/risk/shell/analyze.js';
import { commandTexts, joinedCommands, type JoinedCommand } from './command-text-0.js';
import { clip } from '../../../src-main/engine/risk/shell/paths.js';
import { shellDangerIn } from '../../../src-main/engine/risk/shell/scan.js';
import { baseVerb, EXEC_POINTS, isToolCall, READ_POINTS, WRITE_POINTS, type BaseVerb } from '../../../src-main/engine/risk/verbs.js';
import { scanActionStrings, ValueLocation, type ScanVisitor } from './walk-0.js';

/** A `risk_rules` entry compiled: adds `points` when `condition` holds (SPEC 2.4). */
export interface CompiledRiskRule {
  id: string;
  points: number;
  detail: string;
  condition: CompiledCondition;
}

const PRODUCTION_WORD = /(?:^|[^a-z0-9])prod(?:uction)?(?:$|[^a-z0-9])/i;
const BASE_CACHE_LIMIT = 10_000;

/** Id of the factor that says a request could not be checked in full (it holds the action). */
export const INCOMPLETE_CHECK_FACTOR = 'incomplete-check';

/** The risk, and why the action must be held whatever its score (the request could not be checked in full). */
export interface Scored {
  risk: Risk;
  hold: string | null;
}

const SHELL_BASE: Record<ShellEffect, { points: number; say: string }> = {
  read: { points: READ_POINTS, say: 'read-only shell command' },
  write: { points: WRITE_POINTS, say: 'changes files only inside the working tree' },
  exec: { points: EXEC_POINTS, say: 'runs a command' },
};
const EFFECT_RANK: Record<ShellEffect, number> = { read: 0, write: 1, exec: 2 };
const NO_COMMANDS: ReadonlyMap<string, ShellAnalysis> = new Map();
/** Commands up to this long are remembered, at most SHELL_CACHE_LIMIT of them. */
const SHELL_CACHE_TEXT = 4096;
const SHELL_CACHE_LIMIT = 2000;

/**
 * Deterministic, explainable risk (SPEC 2.4): every point comes from a named factor with a human
 * detail; the sum is clamped to 0–100. Built once per settings/rules change.
 */
export class RiskScorer {
  private readonly baseCache = new Map<string, BaseVerb>();
  /** Analyses of short commands seen before (agents run the same commands again and again); pure functions of the text. */
  private readonly shellCache = new Map<string, ShellAnalysis>();

  constructor(
    private readonly settings: Settings,
    private readonly rules: readonly CompiledRiskRule[],
  ) {}

  score(subject: Subject, ctx: DecideContext): Scored {
    const { action } = subject;
    const factors: RiskFactor[] = [];
    let hold: string | null = null;

    // A shell command is scored by what it does (SPEC 2.4): read, write inside the working tree, or exec.
    let base = this.base(action);
    // Command lines made of lists (`["rm", "-rf", "/"]`): read for the base and scanned below.
    const joined = joinedCommands(action);
    const commands = base.kind === 'exec' ? new Map<string, ShellAnalysis>() : NO_COMMANDS;
    if (base.kind === 'exec') {
      const shell = shellBase(action, joined, commands as Map<string, ShellAnalysis>, this.shellCache);
      if (shell) {
        base = shell.base;
        hold = shell.unreadable;
      }
    }
    const baseWeight = this.settings.risk_weights.base;
    const basePoints = baseWeight ?? base.points;
    if (basePoints !== 0)
      factors.push({
        id: 'base',
        points: basePoints,
        detail: baseWeight === undefined ? base.detail : `${base.detail} (base set to ${baseWeight} in settings)`,
      });

    const rows = estimatedRowsDetail(action);
    const scanned = new ScanFindings(rows !== null, commands);
    const stopped = scanActionStrings(action, scanned);
    for (const j of joined) scanned.text(j.text, new ValueLocation(j.from));
    hold ??= stopped ?? scanned.unreadable;
    this.add(factors, 'destructive-sql', scanned.sql);
    this.add(factors, 'dangerous-shell', scanned.shell);
    this.add(factors, 'sensitive-path', scanned.path);
    this.add(factors, 'production', productionDetail(action));
    this.add(factors, 'bulk', rows ?? scanned.bulk);
    this.add(factors, 'secrets', scanned.secrets);
    if (ownValue(action.context, 'has_backup') === true) this.add(factors, 'has-backup', 'context.has_backup is true');
    if (!ctx.agentRegistered) this.add(factors, 'unregistered-agent', `agent '${action.agent_id}' is not registered`);
    if (ctx.recentAgentActions >= HIGH_RATE_ACTIONS) {
      this.add(
        factors,
        'high-rate',
        `${ctx.recentAgentActions} earlier actions from '${action.agent_id}' in the last minute (≥ ${HIGH_RATE_ACTIONS})`,
      );
    }
    const { hour, minute } = subject.time;
    if (hour >= OFF_HOURS_FROM || hour < OFF_HOURS_UNTIL) {
      this.add(
        factors,
        'off-hours',
        `local time ${pad(hour)}:${pad(minute)} is between ${OFF_HOURS_FROM}:00 and ${pad(OFF_HOURS_UNTIL)}:00`,
      );
    }

    for (const rule of this.rules) {
      if (rule.points !== 0 && rule.condition.test(subject)) factors.push({ id: rule.id, points: rule.points, detail: rule.detail });
    }

    let total = 0;
    for (const f of factors) total += f.points;
    if (hold !== null) {
      // Held whatever the score; the points bring the score to the approval threshold so that it reads as such.
      const points = Math.max(0, this.settings.require_approval_at - total);
      factors.push({ id: INCOMPLETE_CHECK_FACTOR, points, detail: `could not check the whole request (${hold}): held for a person` });
      total += points;
    }
    const score = clampScore(total);
    return { risk: { score, level: riskLevelOf(score), factors }, hold };
  }

  /** A built-in factor at its configured points; a factor weighted 0 is left out. */
  private add(factors: RiskFactor[], id: Exclude<BuiltinFactorId, 'base'>, detail: string | null): void {
    if (detail === null) return;
    const points = this.settings.risk_weights[id] ?? DEFAULT_FACTOR_POINTS[id];
    if (points !== 0) factors.push({ id, points, detail });
  }

  private base(action: NormalizedAction): BaseVerb {
    const key = isToolCall(action)
      ? `${action.action_type}\u0000${action.mcp?.tool ?? ''}\u0000${action.tool_name ?? ''}`
      : action.action_type;
    let found = this.baseCache.get(key);
    if (!found) {
      if (this.baseCache.size >= BASE_CACHE_LIMIT) this.baseCache.clear();
      found = baseVerb(action);
      this.baseCache.set(key, found);
    }
    return found;
  }
}

/**
 * What the text detectors found in one walk over the resource and parameters (each factor once,
 * with where it was found). Stops the walk once everything has been found.
 */
class ScanFindings implements ScanVisitor {
  sql: string | null = null;
  shell: string | null = null;
  path: string | null = null;
  secrets: string | null = null;
  bulk: string | null = null;
  /** A string worth reading as shell could not be read in full. */
  unreadable: string | null = null;
  /** The text scanned just before. */
  private last: string | null = null;

  constructor(
    private readonly bulkAlreadyFound: boolean,
    private readonly commands: ReadonlyMap<string, ShellAnalysis>,
  ) {}

  text(value: string, where: ValueLocation): boolean {
    chargeWork(value.length);
    // The detectors are pure functions of the text and the first find of each is kept: the same
    // text again (a list of identical items, padding) can add nothing.
    if (value === this.last) return true;
    this.last = value;
    // One cheap test decides whether the SQL, shell and path detectors need to look at all.
    const known = this.commands.get(value);
    if (known !== undefined || mayHoldSqlShellOrPath(value)) {
      if (this.sql === null) this.sql = located(destructiveSql.detect(value), where);
      if (this.shell === null) this.shell = located(this.shellDanger(value, known), where);
      if (this.path === null) this.path = located(sensitivePath.detect(value), where);
    }
    if (this.secrets === null) this.secrets = located(secretValues.detect(value), where);
    if (this.bulk === null && !this.bulkAlreadyFound) {
      // In a command the action runs, flags are read from the commands (not from quoted text); elsewhere, from the text.
      const recursive = known ? (known.recursive === null ? null : `recursive flag ${known.recursive}`) : recursiveFlag.detect(value);
      this.bulk = located(recursive, where);
    }
    return (
      this.sql === null ||
      this.shell === null ||
      this.path === null ||
      this.secrets === null ||
      (this.bulk === null && !this.bulkAlreadyFound)
    );
  }

  flag(key: string, value: boolean, where: ValueLocation): void {
    if (value && this.bulk === null && !this.bulkAlreadyFound && key.toLowerCase() === 'recursive')
      this.bulk = `${where.describe()} is true`;
  }

  /** A command the action runs was read whole already; any other string is searched for dangerous shell. */
  private shellDanger(value: string, known: ShellAnalysis | undefined): string | null {
    if (known) return known.dangers[0] ?? null;
    const scan = shellDangerIn(value);
    this.unreadable ??= scan.unreadable;
    return scan.danger;
  }
}

/**
 * The base of a shell action by what its command does, the command(s) found where shell actions
 * carry them; `null` when the action carries no command text.
 */
function shellBase(
  action: NormalizedAction,
  joined: readonly JoinedCommand[],
  analyses: Map<string, ShellAnalysis>,
  cache: Map<string, ShellAnalysis>,
): { base: BaseVerb; unreadable: string | null } | null {
  let worst: ShellAnalysis | null = null;
  let unreadable: string | null = null;
  let read = 0;
  for (const text of commandTexts(action, joined)) {
    // A long list of commands is read one by one: past the decision's budget, the action is held
    // (the clock is looked at every 64 commands, cheaper than the command it guards).
    chargeWork(text.length + ITEM_WORK);
    if (++read % 64 === 0) checkBudget('reading shell commands');
    let analysis = analyses.get(text);
    if (!analysis) {
      const cacheable = text.length <= SHELL_CACHE_TEXT;
      analysis = cacheable ? cache.get(text) : undefined;
      if (!analysis) {
        analysis = analyzeShell(text);
        if (cacheable) {
          if (cache.size >= SHELL_CACHE_LIMIT) cache.clear();
          cache.set(text, analysis);
        }
      }
      analyses.set(text, analysis);
    }
    unreadable ??= analysis.unreadable;
    if (!worst || EFFECT_RANK[analysis.effect] > EFFECT_RANK[worst.effect]) worst = analysis;
  }
  if (!worst) return null;
  const { points, say } = SHELL_BASE[worst.effect];
  return { base: { kind: 'exec', points, detail: `${say}: ${clip(worst.decidedBy)}` }, unreadable };
}

/** What the SQL, shell and path detectors start from, besides the program names: their keywords, `(` for fork bombs, sensitive path parts. */
const SQL_SHELL_OR_PATH_WORDS = [
  'drop',
  'truncate',
  'delete',
  'update',
  '\\(',
  'function',
  '\\.ssh',
  'id_',
  '\\.env',
  '\\.aws',
  '/etc/',
  'secrets',
  'credentials',
];

/**
 * A superset of what the SQL, shell and path detectors start from (their keywords, dangerous program
 * names with quotes allowed inside, `(` for fork bombs, sensitive path parts), in one linear test:
 * most strings of a request (ids, names, prose, numbers as text) need nothing more.
 */
const SQL_SHELL_OR_PATH_HINT = new RegExp([...SQL_SHELL_OR_PATH_WORDS, ...DANGEROUS_PROGRAMS.map(quoteTolerant)].join('|'), 'i');
/**
 * The same words as plain lowercase literals. A case-sensitive alternation of literals lets V8 skip
 * through text that holds none of them (no work at most positions), where the case-insensitive one
 * with quotes inside names visits every character (~4 ms per MiB): long values are lowercased and
 * tested with this, and only text with quotes or backslashes (where `r''m` can hide) gets the full test.
 */
const PLAIN_HINT = new RegExp([...SQL_SHELL_OR_PATH_WORDS, ...DANGEROUS_PROGRAMS].join('|'));
const QUOTING_CHAR = /['"\\]/;
const ASCII_CAPITAL = /[A-Z]/;
/** Below this length the one full test is cheaper than lowercasing. */
const LOWERCASE_ABOVE = 1024;

function mayHoldSqlShellOrPath(value: string): boolean {
  if (value.length < LOWERCASE_ABOVE) return SQL_SHELL_OR_PATH_HINT.test(value);
  if (PLAIN_HINT.test(value)) return true;
  // Lowercasing keeps every ASCII word where it was (a superset of what the `i` flag matches). Without
  // an ASCII capital there is nothing it could add (without the `u` flag, `i` never matches a non-ASCII
  // character to an ASCII one), and no 1 MiB copy is made.
  if (ASCII_CAPITAL.test(value) && PLAIN_HINT.test(value.toLowerCase())) return true;
  return QUOTING_CHAR.test(value) && SQL_SHELL_OR_PATH_HINT.test(value);
}

function located(detail: string | null, where: ValueLocation): string | null {
  return detail === null ? null : `${detail} in ${where.describe()}`;
}

function estimatedRowsDetail(action: NormalizedAction): string | null {
  const rows = numericValue(ownValue(action.context, 'estimated_rows'));
  return rows >= BULK_ROWS ? `context.estimated_rows ${rows} ≥ ${BULK_ROWS}` : null;
}

function productionDetail(action: NormalizedAction): string | null {
  // `"true"` counts too (some agents send every context value as text); raising the risk on it is the safe reading.
  const isProduction = ownValue(action.context, 'is_production');
  if (isProduction === true || (typeof isProduction === 'string' && isProduction.trim().toLowerCase() === 'true'))
    return 'context.is_production is true';
  const env = productionWord(action.environment);
  if (env) return `environment '${action.environment as string}'`;
  const contextEnv = ownValue(action.context, 'environment');
  if (productionWord(contextEnv)) return `context.environment '${contextEnv as string}'`;
  const inResource = productionWord(action.resource);
  if (inResource) return `resource names '${inResource}'`;
  const inTarget = productionWord(action.target_system);
  if (inTarget) return `target_system names '${inTarget}'`;
  return null;
}

/** `prod` or `production` when the value names it as a word (`postgres://prod/x`, `production_db`). */
function productionWord(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0) return null;
  const m = PRODUCTION_WORD.exec(value);
  return m ? m[0].replace(/[^a-z]/gi, '') : null;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
