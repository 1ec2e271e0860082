/**
 * What the SDK uses from the rest of Gatehouse: the shared typed HTTP client and the endpoint
 * discovery. Bundled into dist/sdk/index.js by esbuild. For the declaration build
 * (tsconfig.sdk.json, `moduleSuffixes: [".sdk", ""]`) `./api.js` resolves to `api.sdk.d.ts`
 * instead, so the SDK's emitted `index.d.ts` stays self-contained and rootDir-clean; the
 * assertion below keeps that declaration honest against the real modules.
 */
import { ApiError, GatehouseApi, UnreachableError } from '../../src-shared/client.js';
import { resolveEndpoint } from '../integrations/shared/endpoint.js';
import type * as Decl from './api.sdk.js';

export { ApiError, GatehouseApi, UnreachableError, resolveEndpoint };

type Assignable<A, _B extends A> = true;
export type _ApiMatchesDeclaration = [
  Assignable<Decl.GatehouseApi, GatehouseApi>,
  Assignable<Decl.ApiError, ApiError>,
  Assignable<Decl.UnreachableError, UnreachableError>,
  Assignable<typeof Decl.resolveEndpoint, typeof resolveEndpoint>,
];
