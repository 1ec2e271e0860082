// A policy the engine refused, or a policy file that does not parse, as the 400 a caller answers with.
import { PolicyValidationError } from '../engine/index.js';
import { GatehouseError, listedDetails } from '../core/errors.js';

/** A policy the engine refused (or a policy file that does not parse) as a 400 naming its field. */
export function policyError(e: unknown): GatehouseError {
  if (e instanceof PolicyValidationError) return new GatehouseError('invalid_request', e.message, listedDetails(e.details, e.total));
  return e instanceof GatehouseError ? e : new GatehouseError('invalid_request', (e as Error).message);
}
