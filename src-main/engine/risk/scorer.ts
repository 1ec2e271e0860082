import type { NormalizedAction, Risk, RiskFactor, Settings } from '../../../src-shared/index.js';
import type { CompiledCondition } from '../conditions/compile.js';
import { numericValue, ownValue } from '../conditions/values.js';
import type { Subject } from '../subject.js';
import type { DecideContext } from '../types.js';
import { destructiveSql } from './detectors/sql.js';
import { dangerousShell } from './detectors/shell.js';
import { sensitivePath } from './detectors/paths.js';
import { secretValues } from './detectors/secrets.js';
import { recursiveFlag } from './detectors/recursive.js';
import type { TextDetector } from './detectors/types.js';
import { BULK_ROWS, DEFAULT_FACTOR_POINTS, HIGH_RATE_ACTIONS, OFF_HOURS_FROM, OFF_HOURS_UNTIL, type BuiltinFactorId } from './factors.js';
import { clampScore, riskLevelOf } from './level.js';
import { baseVerb, isToolCall, type BaseVerb } from './verbs.js';
import { scanActionStrings, type ScanVisitor, type ValueLocation } from './walk.js';

/** A `risk_rules` entry compiled: adds `points` when `condition` holds (SPEC 2.4). */
export interface CompiledRiskRule {
  id: string;
  points: number;
  detail: string;
  condition: CompiledCondition;
}

type ScannedFactor = TextDetector['factor'];
const DETECTORS: readonly TextDetector[] = [destructiveSql, dangerousShell, sensitivePath, secretValues, recursiveFlag];

const PRODUCTION_WORD = /(?:^|[^a-z0-9])prod(?:uction)?(?:$|[^a-z0-9])/i;
const BASE_CACHE_LIMIT = 10_000;

/**
 * Deterministic, explainable risk (SPEC 2.4): every point comes from a named factor with a human
 * detail; the sum is clamped to 0–100. Built once per settings/rules change.
 */
export class RiskScorer {
  private readonly baseCache = new Map<string, BaseVerb>();

  constructor(
    private readonly settings: Settings,
    private readonly rules: readonly CompiledRiskRule[],
  ) {}

  score(subject: Subject, ctx: DecideContext): Risk {
    const { action } = subject;
    const factors: RiskFactor[] = [];
    const add = (id: Exclude<BuiltinFactorId, 'base'>, detail: string): void => {
      const points = this.settings.risk_weights[id] ?? DEFAULT_FACTOR_POINTS[id];
      if (points !== 0) factors.push({ id, points, detail });
    };

    const base = this.base(action);
    const baseWeight = this.settings.risk_weights.base;
    const basePoints = baseWeight ?? base.points;
    if (basePoints !== 0) factors.push({ id: 'base', points: basePoints, detail: baseWeight === undefined ? base.detail : `${base.detail} (base set to ${baseWeight} in settings)` });

    const rows = estimatedRowsDetail(action);
    const scanned = scanFindings(action, rows !== null);
    for (const id of ['destructive-sql', 'dangerous-shell', 'sensitive-path'] as const) {
      const detail = scanned.get(id);
      if (detail) add(id, detail);
    }
    const production = productionDetail(action);
    if (production) add('production', production);
    const bulk = rows ?? scanned.get('bulk');
    if (bulk) add('bulk', bulk);
    const secrets = scanned.get('secrets');
    if (secrets) add('secrets', secrets);
    if (ownValue(action.context, 'has_backup') === true) add('has-backup', 'context.has_backup is true');
    if (!ctx.agentRegistered) add('unregistered-agent', `agent '${action.agent_id}' is not registered`);
    if (ctx.recentAgentActions >= HIGH_RATE_ACTIONS) {
      add('high-rate', `${ctx.recentAgentActions} earlier actions from '${action.agent_id}' in the last minute (≥ ${HIGH_RATE_ACTIONS})`);
    }
    const { hour, minute } = subject.time;
    if (hour >= OFF_HOURS_FROM || hour < OFF_HOURS_UNTIL) {
      add('off-hours', `local time ${pad(hour)}:${pad(minute)} is between ${OFF_HOURS_FROM}:00 and ${pad(OFF_HOURS_UNTIL)}:00`);
    }

    for (const rule of this.rules) {
      if (rule.points !== 0 && rule.condition.test(subject)) factors.push({ id: rule.id, points: rule.points, detail: rule.detail });
    }

    let total = 0;
    for (const f of factors) total += f.points;
    const score = clampScore(total);
    return { score, level: riskLevelOf(score), factors };
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

/** Runs every text detector over the resource and parameters in one walk; each factor counts once. */
function scanFindings(action: NormalizedAction, bulkAlreadyFound: boolean): Map<ScannedFactor, string> {
  const found = new Map<ScannedFactor, string>();
  let remaining = DETECTORS.length - (bulkAlreadyFound ? 1 : 0);
  const visitor: ScanVisitor = {
    text(value: string, where: ValueLocation): boolean {
      for (const detector of DETECTORS) {
        if (found.has(detector.factor) || (bulkAlreadyFound && detector.factor === 'bulk')) continue;
        const detail = detector.detect(value);
        if (detail !== null) {
          found.set(detector.factor, `${detail} in ${where.describe()}`);
          remaining--;
        }
      }
      return remaining > 0;
    },
    flag(key: string, value: boolean, where: ValueLocation): void {
      if (value && !bulkAlreadyFound && !found.has('bulk') && key.toLowerCase() === 'recursive') {
        found.set('bulk', `${where.describe()} is true`);
        remaining--;
      }
    },
  };
  scanActionStrings(action, visitor);
  return found;
}

function estimatedRowsDetail(action: NormalizedAction): string | null {
  const rows = numericValue(ownValue(action.context, 'estimated_rows'));
  return rows >= BULK_ROWS ? `context.estimated_rows ${rows} ≥ ${BULK_ROWS}` : null;
}

function productionDetail(action: NormalizedAction): string | null {
  if (ownValue(action.context, 'is_production') === true) return 'context.is_production is true';
  const named: [string, unknown][] = [
    ['environment', action.environment],
    ['context.environment', ownValue(action.context, 'environment')],
    ['resource', action.resource],
    ['target_system', action.target_system],
  ];
  for (const [where, value] of named) {
    if (typeof value !== 'string') continue;
    const m = PRODUCTION_WORD.exec(value.length > 4_096 ? value.slice(0, 4_096) : value);
    if (m) return where.startsWith('environment') || where.startsWith('context') ? `${where} '${value}'` : `${where} names '${m[0].replace(/[^a-z]/gi, '')}'`;
  }
  return null;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
