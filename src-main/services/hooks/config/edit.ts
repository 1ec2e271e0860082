import { appendTo, removeFrom, replaceNode } from '../../../core/jsonc-edit.js';
import {
  isJsonObject,
  JsoncError,
  parseJsonc,
  sameJson,
  toJsonValue,
  valueOf,
  type JsonNode,
  type JsonObjectNode,
  type JsonValue,
} from '../../../core/jsonc.js';
import { isOurCommand } from './marks.js';
import type { JsonTarget } from './targets.js';

/**
 * Edits of another program's JSON config as text (JSONC: the comments and trailing commas Gemini
 * CLI and VS Code-style files carry): our hook entries are added or taken out and every other byte
 * — comments, layout, key order, numbers as written, CRLF, a BOM — stays as it was.
 */
export class ConfigEditError extends Error {
  override readonly name = 'ConfigEditError';
}

type ArrayNode = Extract<JsonNode, { kind: 'array' }>;
const isOurEntry = (e: JsonValue | undefined): boolean => isJsonObject(e) && (isOurCommand(e.command) || isOurCommand(e.bash));
const isOurGroup = (g: JsonValue): boolean => isJsonObject(g) && Array.isArray(g.hooks) && g.hooks.length === 1 && isOurEntry(g.hooks[0]);
const isOurs = (t: JsonTarget, x: JsonValue) => (t.shape === 'grouped' ? isOurGroup(x) : isOurEntry(x));
/** A member's value as the agent reads it (a duplicate key: the last wins). */
const memberIndex = (o: JsonObjectNode, key: string) => o.members.findLastIndex((m) => m.key === key);
const memberOf = (o: JsonObjectNode, key: string) => o.members[memberIndex(o, key)]?.value;

/** The text a missing or blank config starts from. */
const EMPTY = '{}\n';
const bodyOf = (text: string | null) => (text !== null && text.trim() !== '' ? text : EMPTY);

function rootOf(text: string, file: string): JsonObjectNode {
  let root: JsonNode;
  try {
    root = parseJsonc(text);
  } catch (e) {
    if (e instanceof JsoncError)
      throw new ConfigEditError(`${file} is not valid JSON (${e.message}); fix it first — it was left untouched`);
    throw e;
  }
  if (root.kind !== 'object') throw new ConfigEditError(`${file} does not hold a JSON object; it was left untouched`);
  return root;
}

function hooksOf(text: string, file: string): JsonObjectNode | null {
  const hooks = memberOf(rootOf(text, file), 'hooks');
  if (hooks === undefined) return null;
  if (hooks.kind !== 'object') throw new ConfigEditError(`${file}: "hooks" is not an object; it was left untouched`);
  return hooks;
}

/** Whether a grouped list holds only groups we can edit (`{..., hooks?: [...]}`). */
const groupsOk = (list: ArrayNode) =>
  list.items.every((g) => g.kind === 'object' && (memberOf(g, 'hooks') ?? { kind: 'array' }).kind === 'array');

/** `hooks.<ev>`, checked for the target's shape (null: not there). */
function eventList(text: string, t: JsonTarget, ev: string): ArrayNode | null {
  const list = memberOf(hooksOf(text, t.path)!, ev);
  if (list === undefined) return null;
  if (list.kind !== 'array') throw new ConfigEditError(`${t.path}: "hooks.${ev}" is not a list; it was left untouched`);
  if (t.shape === 'grouped' && !groupsOk(list))
    throw new ConfigEditError(`${t.path}: "hooks.${ev}" holds an entry of another shape; it was left untouched`);
  return list;
}

/** Whether a list element holds an entry of ours (a group: among its hooks). */
function holdsOurs(t: JsonTarget, item: JsonNode): boolean {
  if (t.shape === 'flat') return isOurEntry(valueOf(item));
  const hooks = item.kind === 'object' ? memberOf(item, 'hooks') : undefined;
  return hooks?.kind === 'array' && hooks.items.some((h) => isOurEntry(valueOf(h)));
}

/**
 * Takes our entries out of `hooks.<ev>` (from a group shared with the user's hooks only our entry
 * leaves), except the element `keep`; one element at a time, re-reading the text each time.
 */
function strip(text: string, t: JsonTarget, ev: string, keep = -1): string {
  for (let s = text; ;) {
    const list = memberOf(hooksOf(s, t.path)!, ev) as ArrayNode;
    const i = list.items.findIndex((item, n) => n !== keep && holdsOurs(t, item));
    if (i < 0) return s;
    const item = list.items[i]!;
    const hooks = t.shape === 'grouped' ? (memberOf(item as JsonObjectNode, 'hooks') as ArrayNode) : null;
    if (!hooks || hooks.items.every((h) => isOurEntry(valueOf(h)))) {
      s = removeFrom(s, list, i);
      if (i < keep) keep--;
    } else
      s = removeFrom(
        s,
        hooks,
        hooks.items.findIndex((h) => isOurEntry(valueOf(h))),
      );
  }
}

/** The config's text with our entry for every event of the target added, or refreshed in place. */
export function addOurs(text: string | null, t: JsonTarget, entry: Record<string, unknown>): string {
  let s = bodyOf(text);
  const item = toJsonValue(t.shape === 'grouped' ? { ...(t.group ?? {}), hooks: [entry] } : entry);
  for (const [k, v] of Object.entries(t.top ?? {})) {
    const root = rootOf(s, t.path);
    if (memberIndex(root, k) < 0) s = appendTo(s, root, k, toJsonValue(v));
  }
  if (!hooksOf(s, t.path)) return appendTo(s, rootOf(s, t.path), 'hooks', Object.fromEntries(t.events.map((ev) => [ev, [item]])));
  for (const ev of t.events) {
    const list = eventList(s, t, ev);
    if (!list) {
      s = appendTo(s, hooksOf(s, t.path)!, ev, [item]);
      continue;
    }
    const keep = list.items.findIndex((x) => isOurs(t, valueOf(x)));
    if (keep >= 0) {
      const have = list.items[keep]!;
      if (!sameJson(valueOf(have), item)) s = replaceNode(s, have, item);
      s = strip(s, t, ev, keep);
    } else {
      s = strip(s, t, ev);
      s = appendTo(s, eventList(s, t, ev)!, null, item);
    }
  }
  return s;
}

/** The config's text without our entries, and without the lists and `hooks` object that leaves empty. */
export function removeOurs(text: string, t: JsonTarget): string {
  if (text.trim() === '') return text;
  const hooks = hooksOf(text, t.path);
  if (!hooks) return text;
  let s = text;
  for (const ev of new Set(hooks.members.map((m) => m.key))) {
    const list = memberOf(hooksOf(s, t.path)!, ev)!;
    if (list.kind !== 'array' || (t.shape === 'grouped' && !groupsOk(list))) continue;
    const next = strip(s, t, ev);
    if (next === s) continue;
    s = next;
    const h = hooksOf(s, t.path)!;
    if ((memberOf(h, ev) as ArrayNode).items.length === 0) s = removeFrom(s, h, memberIndex(h, ev));
  }
  const root = rootOf(s, t.path);
  if (s !== text && (memberOf(root, 'hooks') as JsonObjectNode).members.length === 0) s = removeFrom(s, root, memberIndex(root, 'hooks'));
  return s;
}

/** Whether the config's text carries our entry for every event of the target (a text that cannot be read: no). */
export function hasOurs(text: string, t: JsonTarget): boolean {
  let v: JsonValue;
  try {
    v = valueOf(parseJsonc(text));
  } catch {
    return false;
  }
  const hooks = isJsonObject(v) ? v.hooks : undefined;
  if (!isJsonObject(hooks)) return false;
  return t.events.every((ev) => {
    const list = hooks[ev];
    if (!Array.isArray(list)) return false;
    return list.some((x) =>
      t.shape === 'grouped' ? isJsonObject(x) && Array.isArray(x.hooks) && x.hooks.some(isOurEntry) : isOurEntry(x),
    );
  });
}

/** Whether the config holds nothing but the target's required top-level fields (Cursor's `version: 1`). */
export function onlyBoilerplate(text: string, t: JsonTarget): boolean {
  const v = valueOf(rootOf(bodyOf(text), t.path)) as Record<string, JsonValue>;
  return Object.entries(v).every(([k, x]) => t.top && k in t.top && sameJson(x, toJsonValue(t.top[k])));
}

/** Whether two config texts hold the same values (how a config written by an older install is recognised). */
export function sameConfig(a: string, b: string, t: JsonTarget): boolean {
  try {
    return sameJson(valueOf(rootOf(bodyOf(a), t.path)), valueOf(rootOf(bodyOf(b), t.path)));
  } catch {
    return false;
  }
}
