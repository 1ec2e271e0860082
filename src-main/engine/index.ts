/** The decision engine (SPEC 2.4, 3): risk scoring, the compiled policy engine, policy files. */
export type { DecideContext, Engine, EngineInput, Outcome } from './types.js';
export { runningThroughout } from './policy/ab-arm.js';
export { compilePolicies, compilePolicySteps } from './policy/compile.js';
export { checkPolicy } from './policy/validate.js';
export { conditionSizeIssues } from './policy/size.js';
export { failClosedStandIn, type UnusablePolicy } from './policy/fail-closed.js';
export { compileActionCondition, type ActionCondition } from './conditions/action-condition.js';
export { PolicyValidationError, type ValidationDetail } from './errors.js';
export { normalizeAction, MissingAgentError } from './normalize.js';
export {
  parsePolicyFile,
  parsePolicyDocument,
  readPolicyFile,
  exportPolicyFile,
  type MadeWorkflow,
  type ParsedPolicyFile,
  type ParseOptions,
  type PolicyFileContent,
  type PolicyFileFormat,
} from './policy-file.js';
export {
  seedToPolicy,
  policyFromSeed,
  isSeedForm,
  slugify,
  approversWorkflowId,
  type SeedApprovalTerms,
  type SeedMapping,
} from './seed-policy.js';
export { riskLevelOf } from './risk/level.js';
export { compareForEvaluation } from './policy/compiled-policy.js';
export { DECISION_BUDGET_FACTOR, HELD_UNCHECKED_FLAG } from './policy/engine.js';
export { MEDIUM_RISK_FLAG, WOULD_DENY_FLAG, WOULD_REQUIRE_APPROVAL_FLAG, monitorFlag } from './policy/verdict.js';
