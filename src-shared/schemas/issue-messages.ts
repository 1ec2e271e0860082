import { z } from 'zod';

/**
 * Plain-English messages for zod's own issues, each saying what is expected: `must be one of
 * action.submitted, action.allowed, …` rather than `Invalid input`, `expected a string, got a
 * number` rather than `Invalid input: expected string, received number`. Installed once as zod's
 * `customError` (below), so every parse — the API's details, policy files, settings, the console's
 * forms — says the same. A message a schema sets itself (`.regex(re, 'must be …')`, a refine's)
 * still wins: zod asks `customError` only for issues without one.
 *
 * Never quotes a value the client sent (it may be a secret), only the schema's own words: allowed
 * values, bounds, formats, field names.
 */

type Schema = z.core.$ZodType;
type Primitive = string | number | bigint | boolean | null | undefined | symbol;

const A_TYPE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  bigint: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  map: 'an object',
  array: 'an array',
  tuple: 'an array',
  set: 'an array',
  null: 'null',
  undefined: 'nothing',
  date: 'a date',
};

const aType = (type: string) => A_TYPE[type] ?? `a ${type}`;

/** What a JSON value is, in words (never the value itself). */
function kindOf(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  if (typeof input === 'number' && !Number.isFinite(input)) return String(input);
  return aType(typeof input);
}

/** A value the schema allows, as a client writes it (`*`, `1h`, `true`; `""` for the empty string). */
function shown(v: Primitive): string {
  if (typeof v === 'string') return v === '' ? '""' : v;
  return String(v);
}

/** `a, b or c` */
function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

const MAX_NAMES = 30;
const names = (list: string[]) => (list.length > MAX_NAMES ? `${list.slice(0, MAX_NAMES).join(', ')}, …` : list.join(', '));

const oneOf = (values: Primitive[]) => (values.length === 1 ? `must be ${shown(values[0])}` : `must be one of ${names(values.map(shown))}`);

interface Alternatives {
  values: Primitive[];
  kinds: string[];
}

/** The alternatives a union accepts, in words: its enum and literal values, and the kinds of the rest. */
function alternativesOf(schema: Schema, acc: Alternatives = { values: [], kinds: [] }): Alternatives {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  const kind = (k: string) => {
    if (!acc.kinds.includes(k)) acc.kinds.push(k);
  };
  switch (def.type) {
    case 'enum':
      acc.values.push(...(Object.values(def.entries as Record<string, Primitive>) as Primitive[]));
      break;
    case 'literal':
      acc.values.push(...(def.values as Primitive[]));
      break;
    case 'nullable':
      acc.values.push(null);
      alternativesOf(def.innerType as Schema, acc);
      break;
    case 'optional':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      alternativesOf(def.innerType as Schema, acc);
      break;
    case 'pipe':
      alternativesOf(def.in as Schema, acc);
      break;
    case 'union':
      if (def.discriminator !== undefined) kind(`an object with ${String(def.discriminator)}`);
      else for (const option of def.options as Schema[]) alternativesOf(option, acc);
      break;
    case 'object': {
      // Tell object alternatives apart by the fields they need (`an object with content`).
      const shape = def.shape as Record<string, Schema>;
      const required = Object.keys(shape).filter((k) => shape[k]!._zod.optin !== 'optional');
      kind(required.length ? `an object with ${names(required)}` : 'an object');
      break;
    }
    default:
      kind(aType(def.type));
  }
  return acc;
}

function unionMessage(issue: z.core.$ZodRawIssue<z.core.$ZodIssueInvalidUnion>): string | undefined {
  if (issue.inclusive === false) return 'matches more than one of the allowed forms; send one';
  if (issue.options?.length) {
    // A discriminated union: the discriminator's value picks the form.
    const list = `one of ${names(issue.options.map((o) => shown(o as Primitive)))}`;
    const input = issue.input as Record<string, unknown> | undefined;
    const missing = typeof input !== 'object' || input === null || input[String(issue.discriminator)] === undefined;
    return missing ? `Required: ${list}` : `must be ${list}`;
  }
  // The input had the right kind for exactly one alternative and failed inside it: say what is wrong there.
  const near = issue.errors.filter((errs) => errs.length > 0 && errs.every((e) => e.path.length > 0 || !WRONG_KIND.has(e.code)));
  if (near.length === 1) {
    const first = near[0]![0]!;
    return first.path.length ? `${first.path.map(String).join('.')}: ${first.message}` : first.message;
  }
  const inst = (issue as { inst?: unknown }).inst as Schema | undefined;
  if (!inst) return undefined;
  const { values, kinds } = alternativesOf(inst);
  if (!values.length && !kinds.length) return undefined;
  if (!kinds.length) return oneOf(values);
  if (!values.length) return `expected ${orList(kinds)}`;
  return values.length === 1
    ? `must be ${shown(values[0])} or ${orList(kinds)}`
    : `must be one of ${names(values.map(shown))}, or ${orList(kinds)}`;
}

/** Issue codes that mean "not this kind of value at all" (rather than "this kind, but wrong inside"). */
const WRONG_KIND = new Set(['invalid_type', 'invalid_value', 'invalid_union']);

function sizeMessage(issue: z.core.$ZodRawIssue<z.core.$ZodIssueTooBig | z.core.$ZodIssueTooSmall>): string {
  const big = issue.code === 'too_big';
  const bound = big ? (issue as z.core.$ZodIssueTooBig).maximum : (issue as z.core.$ZodIssueTooSmall).minimum;
  const n = String(bound);
  const unit = (one: string, many: string) => (Number(bound) === 1 ? one : many);
  const rel = issue.exact ? 'exactly' : big ? (issue.inclusive ? 'at most' : 'fewer than') : issue.inclusive ? 'at least' : 'more than';
  switch (issue.origin) {
    case 'string':
      if (!big && issue.inclusive && Number(bound) === 1) return 'must not be empty';
      return `must be ${rel} ${n} ${unit('character', 'characters')} long`;
    case 'array':
    case 'set':
      return `must have ${rel} ${n} ${unit('item', 'items')}`;
    case 'file':
      return `must be ${rel} ${n} ${unit('byte', 'bytes')}`;
    default: {
      const cmp = issue.exact
        ? 'exactly'
        : big
          ? issue.inclusive
            ? 'at most'
            : 'less than'
          : issue.inclusive
            ? 'at least'
            : 'greater than';
      return `must be ${cmp} ${n}`;
    }
  }
}

const FORMATS: Record<string, string> = {
  datetime: 'an ISO 8601 time with a time zone, such as 2025-01-31T09:00:00Z',
  date: 'an ISO 8601 date, such as 2025-01-31',
  time: 'an ISO 8601 time of day, such as 09:00:00',
  duration: 'an ISO 8601 duration, such as PT15M',
  email: 'an email address',
  uuid: 'a UUID',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  cidrv4: 'an IPv4 range (CIDR)',
  cidrv6: 'an IPv6 range (CIDR)',
  base64: 'base64 text',
  base64url: 'base64url text',
  json_string: 'JSON text',
};

function urlMessage(issue: z.core.$ZodRawIssue<z.core.$ZodIssueInvalidStringFormat>): string {
  const protocol = ((issue as { inst?: Schema }).inst?._zod.def as { protocol?: RegExp } | undefined)?.protocol;
  const schemes = protocol ? ['http', 'https', 'ws', 'wss', 'ftp', 'file'].filter((s) => protocol.test(s)) : [];
  return schemes.length
    ? `must be a full ${orList(schemes.map((s) => `${s}://`))} URL`
    : 'must be a full URL, such as https://example.com/path';
}

function formatMessage(issue: z.core.$ZodRawIssue<z.core.$ZodIssueInvalidStringFormat>): string {
  const f = issue as z.core.$ZodIssueInvalidStringFormat & Record<string, unknown>;
  switch (f.format) {
    case 'url':
      return urlMessage(issue);
    case 'starts_with':
      return `must start with ${String(f.prefix)}`;
    case 'ends_with':
      return `must end with ${String(f.suffix)}`;
    case 'includes':
      return `must include ${String(f.includes)}`;
    case 'regex':
      return `must match the pattern ${f.pattern ?? ''}`.trim();
    default:
      return `must be ${FORMATS[f.format] ?? `a valid ${f.format}`}`;
  }
}

/** Fields an object takes, for an unknown one: `Unknown field 'x'; allowed fields: a, b`. */
export const ALLOWED_FIELDS = '; allowed fields: ';

function unknownKeysMessage(issue: z.core.$ZodRawIssue<z.core.$ZodIssueUnrecognizedKeys>): string {
  const keys = issue.keys.map((k) => `'${k.slice(0, 64)}'`).join(', ');
  const def = (issue as { inst?: Schema }).inst?._zod.def as { type?: string; shape?: Record<string, unknown> } | undefined;
  const allowed = def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
  return `Unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}${allowed.length ? `${ALLOWED_FIELDS}${names(allowed)}` : ''}`;
}

/** The message for a zod issue without one of its own; undefined leaves zod's. */
export function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'Required';
      if (issue.expected === 'int' && typeof issue.input === 'number') return 'must be a whole number';
      return `expected ${aType(issue.expected)}, got ${kindOf(issue.input)}`;
    case 'invalid_value':
      return oneOf(issue.values as Primitive[]);
    case 'invalid_union':
      return unionMessage(issue);
    case 'too_big':
    case 'too_small':
      return sizeMessage(issue);
    case 'invalid_format':
      return formatMessage(issue);
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return unknownKeysMessage(issue);
    case 'invalid_key':
      return issue.origin === 'map' ? 'has a key that is not allowed' : 'has a field name that is not allowed';
    case 'invalid_element':
      return 'holds a value that is not allowed';
    default:
      return undefined;
  }
}

z.config({ customError: issueMessage });
