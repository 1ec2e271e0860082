import type { EngineInput, Engine } from '../types.js';
import { CompiledEngine } from './engine.js';
import { compileDefinitions } from './validate.js';

/**
 * Validates and compiles policies, risk rules and settings into an engine (SPEC 3). Throws a
 * `PolicyValidationError` listing every problem (`policies[3](prod-db-delete).when.resource.regex`);
 * the engine it returns never throws.
 */
export function compilePolicies(input: EngineInput): Engine {
  return CompiledEngine.build(compileDefinitions(input), input.decisionBudgetMs);
}
