/** Small helpers on JSON-ish values shared by the condition compiler and the risk detectors. */

export type Scalar = string | number | boolean;

export function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Own property lookup: `constructor` or `__proto__` in a path never reaches the prototype. */
export function ownValue(obj: unknown, key: string): unknown {
  if (typeof obj !== 'object' || obj === null) return undefined;
  if (Array.isArray(obj)) {
    const index = Number(key);
    return Number.isInteger(index) && index >= 0 ? obj[index] : undefined;
  }
  return Object.prototype.hasOwnProperty.call(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

/**
 * Scalars compare by value: the same type strictly, or a number/boolean against its string form
 * (`8080` equals `"8080"`), because YAML and agents disagree about quoting.
 */
export function scalarEquals(value: unknown, expected: Scalar): boolean {
  if (value === expected) return true;
  if (typeof value === 'string' && typeof expected !== 'string') return value === String(expected);
  if (typeof expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) return String(value) === expected;
  return false;
}

/** A number, or a string holding one (`"10000"`); otherwise NaN. */
export function numericValue(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return Number.NaN;
}

/** Text a string operator works on: strings as they are, numbers and booleans in string form. */
export function textValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

const SHOWN_CHARS = 80;

/** A value as it appears in an explanation: JSON, shortened. */
export function formatValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS - 1)}…` : text;
}
