import type { Gatehouse } from '../../app/gatehouse.js';
import { notFound } from '../../core/errors.js';
import type { Handlers } from '../endpoints.js';

/** API keys: list (no secrets), create (secret shown once), revoke (effective immediately). */
export function keyHandlers(g: Gatehouse) {
  return {
    listKeys: () => ({ items: g.keys.list(), next_cursor: null }),
    createKey: (_c, { body }) => g.keys.create(body),
    revokeKey: async (_c, { params }) => {
      const k = await g.keys.revoke(params.id!);
      if (!k) throw notFound(`Key '${params.id}'`);
      return k;
    },
  } satisfies Partial<Handlers>;
}
