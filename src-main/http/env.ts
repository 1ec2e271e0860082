import type { Principal } from '../services/principal.js';

export type { Principal };

export interface AppEnv {
  Variables: { principal: Principal };
}
