import type { EngineInput, Engine } from '../types.js';
import { CompiledEngine } from './engine.js';
import { compileDefinitionsSteps, runToEnd } from './validate.js';

/**
 * Validates and compiles policies, risk rules and settings into an engine (SPEC 3). Throws a
 * `PolicyValidationError` listing every problem (`policies[3](prod-db-delete).when.resource.regex`);
 * the engine it returns never throws.
 */
export function compilePolicies(input: EngineInput): Engine {
  return runToEnd(compilePolicySteps(input));
}

/**
 * `compilePolicies` as steps: the generator pauses after each policy compiled or indexed, so a
 * caller can run a whole set's compile in slices with the event loop running between them (a set of
 * 10,000 policies takes hundreds of ms). The same engine and the same errors as `compilePolicies`.
 */
export function* compilePolicySteps(input: EngineInput): Generator<void, Engine> {
  const definitions = yield* compileDefinitionsSteps(input);
  return yield* CompiledEngine.buildSteps(definitions, input.decisionBudgetMs);
}
