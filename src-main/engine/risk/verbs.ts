import type { NormalizedAction } from '../../../src-shared/index.js';

/** SPEC 2.4 base points by the verb in `action_type` (with the obvious inflections of each word). */
const VERB_GROUPS: readonly { points: number; words: readonly string[] }[] = [
  { points: 10, words: ['read', 'reads', 'list', 'lists', 'get', 'gets', 'query', 'queries', 'select', 'search', 'searches'] },
  { points: 35, words: ['write', 'writes', 'update', 'updates', 'insert', 'inserts', 'create', 'creates', 'edit', 'edits', 'put', 'puts'] },
  { points: 60, words: ['delete', 'deletes', 'drop', 'drops', 'destroy', 'destroys', 'remove', 'removes', 'truncate', 'truncates'] },
  { points: 45, words: ['exec', 'execute', 'executes', 'run', 'runs', 'shell', 'bash', 'command', 'commands'] },
  { points: 30, words: ['http', 'https', 'fetch', 'fetches', 'request', 'requests', 'send', 'sends', 'email', 'emails', 'network'] },
  { points: 60, words: ['payment', 'payments', 'transfer', 'transfers', 'refund', 'refunds', 'charge', 'charges'] },
  { points: 60, words: ['iam', 'permission', 'permissions', 'role', 'roles', 'secret', 'secrets', 'credential', 'credentials'] },
];

export const OTHER_VERB_POINTS = 25;

const POINTS_BY_WORD: ReadonlyMap<string, number> = new Map(VERB_GROUPS.flatMap((g) => g.words.map((w) => [w, g.points] as const)));

export interface BaseVerb {
  points: number;
  detail: string;
}

/** Splits `database.delete`, `db_delete`, `iam:PutRole`, `writeFile` into lower-case words. */
export function verbWords(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[._:\-/\s]+/)
    .filter((w) => w.length > 0);
}

interface Strongest {
  word: string;
  points: number;
}

function strongestIn(text: string | undefined): Strongest | null {
  if (!text) return null;
  let best: Strongest | null = null;
  for (const word of verbWords(text)) {
    const points = POINTS_BY_WORD.get(word);
    // On a tie the later word wins: the verb usually comes last (`shell.exec`, `http.request`).
    if (points !== undefined && (best === null || points >= best.points)) best = { word, points };
  }
  return best;
}

/** MCP calls carry their verb in the tool name (`write_file`), not in `mcp.tool_call`. */
export function isToolCall(action: Pick<NormalizedAction, 'action_type' | 'mcp'>): boolean {
  return action.mcp !== undefined || action.action_type.startsWith('mcp.');
}

/**
 * The strongest verb in the action type (and, for MCP tool calls, in `mcp.tool` / `tool_name`);
 * anything else scores the default.
 */
export function baseVerb(action: Pick<NormalizedAction, 'action_type' | 'tool_name' | 'mcp'>): BaseVerb {
  const candidates: { source: string; text: string | undefined }[] = [{ source: 'action_type', text: action.action_type }];
  if (isToolCall(action)) {
    candidates.push({ source: 'mcp.tool', text: action.mcp?.tool }, { source: 'tool_name', text: action.tool_name });
  }
  let best: (Strongest & { source: string; text: string }) | null = null;
  for (const { source, text } of candidates) {
    const found = strongestIn(text);
    if (found && text !== undefined && (best === null || found.points > best.points)) best = { ...found, source, text };
  }
  if (!best) return { points: OTHER_VERB_POINTS, detail: `no known verb in action_type '${action.action_type}'` };
  const where = best.source === 'action_type' ? 'action_type' : `${best.source} '${best.text}'`;
  return { points: best.points, detail: `verb '${best.word}' in ${where}` };
}
