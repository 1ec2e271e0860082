import { z } from 'zod';
import { decimal, queryNumber } from './common.js';

/** `?wait=` on `/api/v1/authz/forward`: seconds to hold the answer while an approval is pending (≤ 60; default 0). */
export const ForwardAuthQuerySchema = z.object({ wait: queryNumber(decimal().min(0).max(60)).optional() }).strict();
export type ForwardAuthQuery = z.infer<typeof ForwardAuthQuerySchema>;

/** The same wait as a header, for Envoy's form (where the query string is the original request's). */
export const ForwardAuthWaitHeaderSchema = queryNumber(decimal().min(0).max(60));

/** Response headers of the forward-auth endpoint (SPEC 9.5). */
export const FORWARD_AUTH_HEADERS = {
  actionId: 'X-Gatehouse-Action-Id',
  risk: 'X-Gatehouse-Risk',
  riskLevel: 'X-Gatehouse-Risk-Level',
  decision: 'X-Gatehouse-Decision',
  pending: 'X-Gatehouse-Pending',
} as const;
