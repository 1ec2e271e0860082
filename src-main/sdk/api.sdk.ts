// The subset of `./api.ts` the SDK uses, declarations only, as the declaration build sees it
// (tsconfig.sdk.json resolves `./api.js` here through moduleSuffixes). `api.ts` asserts that the real modules match.
import type { ActionRequestBody } from './types.js';

export interface ClientOptions {
  baseUrl: string;
  apiKey?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}
export declare class ApiError extends Error {
  readonly status: number;
  get code(): string;
}
export declare class UnreachableError extends Error {}
export type Body = Record<string, unknown>;
export declare class GatehouseApi {
  constructor(opts: ClientOptions);
  request<T>(method: string, path: string, body?: unknown, extraTimeoutMs?: number): Promise<T>;
  health: () => Promise<{ status: string; version: string; uptime_s: number }>;
  submit: (a: ActionRequestBody) => Promise<unknown>;
  status: (id: string, waitS?: number) => Promise<unknown>;
  complete: (
    id: string,
    body: { status: 'success' | 'failure'; result?: unknown; error?: string; duration_ms?: number },
  ) => Promise<unknown>;
  registerAgent: (a: {
    agent_id: string;
    agent_type?: 'supervised' | 'autonomous';
    capabilities?: string[];
    name?: string;
    metadata?: Body;
  }) => Promise<unknown>;
}
export declare function resolveEndpoint(o?: { url?: string | null; apiKey?: string | null; dataDir?: string; scope?: 'agent' | 'admin' }): {
  url: string | null;
  apiKey: string | null;
  dataDir: string;
};
