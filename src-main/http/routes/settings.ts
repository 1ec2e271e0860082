import type { Gatehouse } from '../../app/gatehouse.js';
import type { Handlers } from '../endpoints.js';

/** SPEC 3.5 settings. Admin only. */
export function settingsHandlers(g: Gatehouse) {
  return {
    settings: () => g.settings.get(),
    updateSettings: (_c, { body }) => g.settings.update(body),
  } satisfies Partial<Handlers>;
}
