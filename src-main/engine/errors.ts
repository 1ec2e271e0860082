/** One problem in a policy set, named by where it is (`policies[3](prod-db-delete).when.resource.regex`). */
export interface ValidationDetail {
  path: string;
  message: string;
}

/**
 * Thrown by `compilePolicies` and `parsePolicyFile` when anything in the input is invalid. Every
 * problem found is listed in `details`, not only the first one.
 */
export class PolicyValidationError extends Error {
  override readonly name = 'PolicyValidationError';

  /** `total`: how many problems there are, when `details` lists only the first of them. */
  constructor(
    readonly details: ValidationDetail[],
    readonly total = details.length,
  ) {
    super(summarize(details, total));
  }
}

function summarize(details: ValidationDetail[], total: number): string {
  const first = details[0];
  if (!first) return 'Invalid policies';
  const more = total > 1 ? ` (and ${total - 1} more)` : '';
  return `Invalid policies: ${first.path}: ${first.message}${more}`;
}

/** `policies[3](prod-db-delete)`, or `policies[3]` when the item has no usable id. */
export function itemPath(list: string, index: number, id: unknown): string {
  return typeof id === 'string' && id.length > 0 ? `${list}[${index}](${id})` : `${list}[${index}]`;
}

/** Joins a zod issue path onto a base path: `policies[0](x)` + `['approval','timeout_s']`. */
export function joinPath(base: string, segments: readonly PropertyKey[]): string {
  let out = base;
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : `${out ? '.' : ''}${String(s)}`;
  return out;
}
