/** The installed transport's file name (SPEC 9.4): `<data dir>/hooks/gatehouse-hook.sh`. */
export const TRANSPORT_NAME = 'gatehouse-hook.sh';
/** What marks a hook entry as ours in an agent's config (the 0.1 Node command included). */
export const OUR_MARKS = [TRANSPORT_NAME, ' hook claude-code', 'gatehouse.mjs hook '];
export const isOurCommand = (s: unknown): boolean => typeof s === 'string' && OUR_MARKS.some((m) => s.includes(m));
