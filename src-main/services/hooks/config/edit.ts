import { isOurCommand } from './marks.js';
import type { JsonTarget } from './targets.js';

/** Edits of another program's JSON config: add or remove our entries, touching nothing else. */
export class ConfigShapeError extends Error {
  override readonly name = 'ConfigShapeError';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
export const isOurEntry = (e: unknown): boolean => isObj(e) && (isOurCommand(e.command) || isOurCommand(e.bash));
const isOurGroup = (g: unknown): boolean => isObj(g) && Array.isArray(g.hooks) && g.hooks.length === 1 && isOurEntry(g.hooks[0]);

function hooksObject(data: Obj, file: string, create: boolean): Obj | null {
  if (data.hooks === undefined) {
    if (!create) return null;
    data.hooks = {};
  }
  if (!isObj(data.hooks)) throw new ConfigShapeError(`${file}: "hooks" is not an object; it was left untouched`);
  return data.hooks;
}

function eventList(hooks: Obj, ev: string, t: JsonTarget, create: boolean): unknown[] | null {
  if (hooks[ev] === undefined) {
    if (!create) return null;
    hooks[ev] = [];
  }
  const list = hooks[ev];
  if (!Array.isArray(list)) throw new ConfigShapeError(`${t.path}: "hooks.${ev}" is not a list; it was left untouched`);
  if (t.shape === 'grouped')
    for (const g of list)
      if (!isObj(g) || (g.hooks !== undefined && !Array.isArray(g.hooks)))
        throw new ConfigShapeError(`${t.path}: "hooks.${ev}" holds an entry of another shape; it was left untouched`);
  return list;
}

/** Takes our entries out of `list` (in shared groups too), keeping every other entry and group. */
function strip(list: unknown[], t: JsonTarget, keep?: unknown): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const item = list[i];
    if (item === keep) continue;
    if (t.shape === 'flat') {
      if (isOurEntry(item)) list.splice(i, 1);
      continue;
    }
    const g = item as Obj;
    if (!Array.isArray(g.hooks)) continue;
    const kept = (g.hooks as unknown[]).filter((h) => !isOurEntry(h));
    if (kept.length === g.hooks.length) continue;
    if (kept.length === 0) list.splice(i, 1);
    else g.hooks = kept;
  }
}

/** Adds (or refreshes in place) our entry for every event of the target. Mutates `data`. */
export function addOurs(data: Obj, t: JsonTarget, entry: Obj): void {
  for (const [k, v] of Object.entries(t.top ?? {})) if (data[k] === undefined) data[k] = v;
  const hooks = hooksObject(data, t.path, true)!;
  for (const ev of t.events) {
    const list = eventList(hooks, ev, t, true)!;
    const item = t.shape === 'grouped' ? { ...(t.group ?? {}), hooks: [entry] } : entry;
    const idx = list.findIndex((x) => (t.shape === 'grouped' ? isOurGroup(x) : isOurEntry(x)));
    if (idx >= 0) {
      list[idx] = item;
      strip(list, t, item);
    } else {
      strip(list, t);
      list.push(item);
    }
  }
}

/** Removes our entries, and the lists and `hooks` object left empty by that. Returns whether anything was ours. */
export function removeOurs(data: Obj, t: JsonTarget): boolean {
  const hooks = hooksObject(data, t.path, false);
  if (!hooks) return false;
  let removed = false;
  for (const ev of Object.keys(hooks)) {
    const list = hooks[ev];
    if (!Array.isArray(list)) continue;
    const before = JSON.stringify(list);
    if (t.shape === 'grouped' && !list.every((g) => isObj(g) && (g.hooks === undefined || Array.isArray(g.hooks)))) continue;
    strip(list, t);
    if (JSON.stringify(list) !== before) {
      removed = true;
      if (list.length === 0) delete hooks[ev];
    }
  }
  if (removed && Object.keys(hooks).length === 0) delete data.hooks;
  return removed;
}

/** Whether `data` carries our entry for every event of the target. */
export function hasOurs(data: Obj, t: JsonTarget): boolean {
  const hooks = isObj(data.hooks) ? data.hooks : null;
  if (!hooks) return false;
  return t.events.every((ev) => {
    const list = hooks[ev];
    if (!Array.isArray(list)) return false;
    return list.some((x) => (t.shape === 'grouped' ? isObj(x) && Array.isArray(x.hooks) && x.hooks.some(isOurEntry) : isOurEntry(x)));
  });
}

/** The indentation a JSON text uses (so a rewrite keeps the file's style), default two spaces. */
export function indentOf(text: string | null): string {
  const m = text ? /\n([ \t]+)"/.exec(text) : null;
  return m ? m[1]! : '  ';
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => deepEqual(x, (b as unknown[])[i]));
  const ka = Object.keys(a as Obj);
  const kb = Object.keys(b as Obj);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && deepEqual((a as Obj)[k], (b as Obj)[k]));
}
