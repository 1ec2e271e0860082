import fc from 'fast-check';
import { PolicySchema, type NormalizedAction, type Policy } from '../../src-shared/index.js';
import { action, NOON } from './helpers.js';

/**
 * Random policy sets and changes for the tests that compare an engine built change by change with one
 * compiled from scratch (incremental-compile, policy-change): conditions of every kind an index
 * treats differently (exact, wildcard, prefix, regex, combinators, none) and actions that hit them.
 */
const WHENS: Record<string, unknown>[] = [
  { action_type: 'db.delete' },
  { action_type: 'db.*' },
  { action_type: { in: ['db.read', 'file.write'] } },
  { agent_id: 'agent-1', action_type: 'file.*' },
  { agent_id: { starts_with: 'agent-' } },
  { resource: '/srv/*' },
  { resource: '*.env' },
  { resource: '/srv/*/secret-?.txt' },
  { resource: { regex: '^/srv/(a|b)+/x$' } },
  { resource: { starts_with: '/tmp/' } },
  { resource: { ends_with: '.txt' } },
  { resource: { contains: 'prod' } },
  { 'risk.score': { gte: 40 } },
  { any: [{ action_type: 'shell.exec' }, { 'risk.score': { gte: 70 } }] },
  { not: { agent_id: 'agent-2' } },
  { 'context.environment': 'production' },
  { 'parameters.command': { regex: 'rm\\s+-rf' } },
  {},
];
const EFFECTS = ['allow', 'deny', 'require_approval', 'monitor'] as const;

/** A drawn policy over the ids `ids` (few, so that changes hit the same policies again). */
export function policyArbOf(ids: readonly string[]) {
  return fc.record({
    id: fc.constantFrom(...ids),
    priority: fc.constantFrom(0, 10, 50, 100),
    effect: fc.constantFrom(...EFFECTS),
    when: fc.constantFrom(...WHENS),
    enabled: fc.boolean(),
    mode: fc.constantFrom('enforce', 'enforce', 'shadow'),
    expired: fc.boolean(),
  });
}
export type Drawn = ReturnType<typeof policyArbOf> extends fc.Arbitrary<infer T> ? T : never;

export type Change = { kind: 'put'; p: Drawn } | { kind: 'delete'; id: string };
/** A create or update (three in four) or a delete, over the ids `ids`. */
export function changeArbOf(ids: readonly string[]): fc.Arbitrary<Change> {
  return fc.oneof(
    { weight: 3, arbitrary: policyArbOf(ids).map((p) => ({ kind: 'put' as const, p })) },
    { weight: 1, arbitrary: fc.constantFrom(...ids).map((id) => ({ kind: 'delete' as const, id })) },
  );
}

export function toPolicy(p: Drawn): Policy {
  return PolicySchema.parse({
    id: p.id,
    priority: p.priority,
    effect: p.effect,
    when: p.when,
    enabled: p.enabled,
    mode: p.mode,
    expires_at: p.expired ? new Date(NOON.getTime() - 60_000).toISOString() : null,
  });
}

export const ACTIONS: NormalizedAction[] = [
  action({ action_type: 'db.delete', resource: '/srv/a/x' }),
  action({ action_type: 'db.read', resource: '/srv/prod/.env' }),
  action({ action_type: 'file.write', resource: '/srv/app/secret-1.txt' }),
  action({ agent_id: 'agent-2', action_type: 'file.write', resource: '/tmp/x.txt' }),
  action({ action_type: 'shell.exec', resource: 'rm -rf /', parameters: { command: 'rm -rf /' } }),
  action({ agent_id: 'agent-2', action_type: 'thing.do', context: { environment: 'production' } }),
  action({ agent_id: 'bot', action_type: 'http.get', resource: 'https://prod.example.com/' }),
];
