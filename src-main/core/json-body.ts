import { GatehouseError } from './errors.js';
import { jsonShape } from './json-shape.js';
import { strictJsonProblem } from './json-strict.js';

export const MAX_JSON_DEPTH = 64;

const tooManyValues = (max: number) =>
  new GatehouseError(
    'too_large',
    `Body holds more than ${max.toLocaleString('en-US')} JSON values; send bulk data as one string, or in smaller requests`,
  );

/**
 * Parses JSON text strictly (SPEC 5 "Bodies": nothing a client sends is silently changed): depth-bounded,
 * no prototype-polluting keys, and a 400 naming the field for what JSON.parse would silently alter —
 * a duplicate key (the last would win), a lone surrogate (`"\uD800"`), a number that overflows a
 * double (→ Infinity) or underflows it (→ 0), an integer beyond ±2^53.
 */
export function parseJsonText(text: string, opts: { maxValues?: number } = {}): unknown {
  // Read off the raw text, so that a body past either bound is never parsed at all.
  const shape = jsonShape(text, { depth: MAX_JSON_DEPTH, values: opts.maxValues });
  if (shape.depth > MAX_JSON_DEPTH) {
    throw new GatehouseError('invalid_request', `JSON is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  if (opts.maxValues !== undefined && shape.values > opts.maxValues) throw tooManyValues(opts.maxValues);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new GatehouseError('invalid_json', `Body is not valid JSON: ${(e as Error).message.slice(0, 200)}`);
  }
  const problem = strictJsonProblem(text);
  if (problem) {
    const code = problem.forbidden ? 'invalid_request' : 'invalid_json';
    throw new GatehouseError(code, `${problem.path || '(body)'}: ${problem.message}`, [
      { path: problem.path || '(body)', message: problem.message },
    ]);
  }
  return value;
}
