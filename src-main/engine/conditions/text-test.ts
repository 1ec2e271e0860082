import type { NormalizedAction } from '../../../src-shared/index.js';
import type { Subject } from '../subject.js';

/**
 * A test on a string, as data: the hot path builds one closure per kind reading the action field
 * directly (a single small closure per condition instead of a chain of them — at thousands of
 * policies, evaluation cost is mostly memory traffic).
 */
export type TextTest =
  | { kind: 'equals'; text: string }
  | { kind: 'prefix'; text: string }
  | { kind: 'suffix'; text: string }
  | { kind: 'contains'; text: string }
  | { kind: 'affixes'; prefix: string; suffix: string }
  /** A linear-time matcher over the whole value: a regex (RE2) or a wildcard pattern. */
  | { kind: 'matcher'; test: (text: string) => boolean }
  | { kind: 'one-of'; set: ReadonlySet<string> }
  | { kind: 'always' };

export function textTestFunction(t: TextTest): (text: string) => boolean {
  switch (t.kind) {
    case 'equals': {
      const { text: expected } = t;
      return (text) => text === expected;
    }
    case 'prefix': {
      const { text: prefix } = t;
      return (text) => text.startsWith(prefix);
    }
    case 'suffix': {
      const { text: suffix } = t;
      return (text) => text.endsWith(suffix);
    }
    case 'contains': {
      const { text: needle } = t;
      return (text) => text.includes(needle);
    }
    case 'affixes': {
      const { prefix, suffix } = t;
      const minLength = prefix.length + suffix.length;
      return (text) => text.length >= minLength && text.startsWith(prefix) && text.endsWith(suffix);
    }
    case 'matcher':
      return t.test;
    case 'one-of': {
      const { set } = t;
      return (text) => set.has(text);
    }
    case 'always':
      return () => true;
  }
}

/** The top-level string fields of an action a condition can name. */
export type ActionTextKey =
  'action_type' | 'agent_id' | 'resource' | 'tool_name' | 'target_system' | 'description' | 'environment' | 'session_id';

/**
 * `action[key]`, each field read by name: `action[key]` with a key that varies is a megamorphic
 * lookup, paid for nearly every candidate policy of every decision (conditions and the policy index).
 */
export function actionField(action: NormalizedAction, key: ActionTextKey): unknown {
  switch (key) {
    case 'action_type':
      return action.action_type;
    case 'agent_id':
      return action.agent_id;
    case 'resource':
      return action.resource;
    case 'tool_name':
      return action.tool_name;
    case 'target_system':
      return action.target_system;
    case 'description':
      return action.description;
    case 'environment':
      return action.environment;
    case 'session_id':
      return action.session_id;
  }
}

/**
 * The field as string operators see it (`textValue`): a string as it is, a number or boolean in
 * string form, anything else absent. Top-level fields are strings by schema; the rest is defence.
 */
function actionText(s: Subject, key: ActionTextKey): string | undefined {
  const v = actionField(s.action, key);
  if (typeof v === 'string') return v;
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

/** `t` applied to `action[key]` in one closure; a missing field fails, as in SPEC 3.2. */
export function actionFieldTest(key: ActionTextKey, t: TextTest): (s: Subject) => boolean {
  switch (t.kind) {
    case 'equals': {
      const { text: expected } = t;
      return (s) => actionText(s, key) === expected;
    }
    case 'prefix': {
      const { text: prefix } = t;
      return (s) => actionText(s, key)?.startsWith(prefix) ?? false;
    }
    case 'suffix': {
      const { text: suffix } = t;
      return (s) => actionText(s, key)?.endsWith(suffix) ?? false;
    }
    case 'contains': {
      const { text: needle } = t;
      return (s) => actionText(s, key)?.includes(needle) ?? false;
    }
    case 'one-of': {
      const { set } = t;
      return (s) => {
        const v = actionText(s, key);
        return v !== undefined && set.has(v);
      };
    }
    default: {
      const test = textTestFunction(t);
      return (s) => {
        const v = actionText(s, key);
        return v !== undefined && test(v);
      };
    }
  }
}
