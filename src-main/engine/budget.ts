/**
 * The per-decision time budget (never fail open, no stall). Every matcher an agent's input meets is
 * linear in the input, but linear is not free: a 1 MiB value tested by thousands of regex policies
 * still adds up. A decision that runs past its budget stops and is held for a person, never allowed.
 *
 * Decisions are synchronous, so the budget of the decision running now is module state: the
 * matchers deep in a condition check it without threading it through every call. Outside a
 * decision (a condition tested by another service) there is no budget and checks cost nothing.
 */

/** Default wall-clock budget of one decision (principle 5: nothing holds the event loop over 50 ms). */
export const DEFAULT_DECISION_BUDGET_MS = 25;

/** Thrown inside a decision that ran past its budget; the engine turns it into a held outcome. */
export class DecisionBudgetExceeded extends Error {
  override readonly name = 'DecisionBudgetExceeded';
  constructor(
    readonly budgetMs: number,
    readonly where: string,
  ) {
    super(`deciding took longer than its ${budgetMs} ms budget (${where})`);
  }
}

/**
 * Work (characters scanned, candidates tested) a decision must have done before its clock counts:
 * a small decision is never held because the machine paused it (a GC, another process), only one
 * that is both slow and large.
 */
export const MIN_WORK_FOR_BUDGET = 256 * 1024;

/** Work one item (a string, a command of a list) counts for besides its characters: many small items add up too. */
export const ITEM_WORK = 64;

interface Running {
  deadline: number;
  budgetMs: number;
  work: number;
}

let running: Running | null = null;

/** Runs `fn` as one decision with `budgetMs` of wall-clock time. Not re-entrant (decisions never nest). */
export function withinBudget<T>(budgetMs: number, fn: () => T): T {
  const outer = running;
  running = { deadline: performance.now() + budgetMs, budgetMs, work: 0 };
  try {
    return fn();
  } finally {
    running = outer;
  }
}

/** Counts work done by the running decision (characters scanned, candidates tested). */
export function chargeWork(units: number): void {
  if (running !== null) running.work += units;
}

/** Throws `DecisionBudgetExceeded` when the running decision has done enough work to count and is past its deadline. */
export function checkBudget(where: string): void {
  if (running !== null && running.work >= MIN_WORK_FOR_BUDGET && performance.now() > running.deadline) {
    throw new DecisionBudgetExceeded(running.budgetMs, where);
  }
}

/** Milliseconds left to the running decision (Infinity outside a decision). */
export function budgetLeftMs(): number {
  return running === null ? Number.POSITIVE_INFINITY : running.deadline - performance.now();
}

/** The running decision's budget, for messages. */
export function budgetOf(): number | null {
  return running?.budgetMs ?? null;
}
