import type { NormalizedAction } from '../../../src-shared/index.js';

/** What an action of each verb group does, as a person would say it. */
export type VerbKind = 'read' | 'write' | 'delete' | 'exec' | 'network' | 'money' | 'access' | 'other';
const KIND_PHRASE: Record<VerbKind, string> = {
  read: 'reads data',
  write: 'writes or changes data',
  delete: 'deletes data',
  exec: 'runs a command',
  network: 'sends a request over the network',
  money: 'moves money',
  access: 'changes permissions or touches secrets',
  other: 'an action of a kind the risk engine does not know',
};

/** SPEC 2.4 base points by the verb in `action_type` (with the obvious inflections of each word). */
const VERB_GROUPS: readonly { kind: VerbKind; points: number; words: readonly string[] }[] = [
  {
    kind: 'read',
    points: 10,
    words: ['read', 'reads', 'list', 'lists', 'get', 'gets', 'query', 'queries', 'select', 'search', 'searches'],
  },
  {
    kind: 'write',
    points: 35,
    words: ['write', 'writes', 'update', 'updates', 'insert', 'inserts', 'create', 'creates', 'edit', 'edits', 'put', 'puts'],
  },
  {
    kind: 'delete',
    points: 60,
    words: ['delete', 'deletes', 'drop', 'drops', 'destroy', 'destroys', 'remove', 'removes', 'truncate', 'truncates'],
  },
  { kind: 'exec', points: 45, words: ['exec', 'execute', 'executes', 'run', 'runs', 'shell', 'bash', 'command', 'commands'] },
  {
    kind: 'network',
    points: 30,
    words: ['http', 'https', 'fetch', 'fetches', 'request', 'requests', 'send', 'sends', 'email', 'emails', 'network'],
  },
  { kind: 'money', points: 60, words: ['payment', 'payments', 'transfer', 'transfers', 'refund', 'refunds', 'charge', 'charges'] },
  {
    kind: 'access',
    points: 60,
    words: ['iam', 'permission', 'permissions', 'role', 'roles', 'secret', 'secrets', 'credential', 'credentials'],
  },
];

export const OTHER_VERB_POINTS = 25;

const GROUP_BY_WORD: ReadonlyMap<string, (typeof VERB_GROUPS)[number]> = new Map(
  VERB_GROUPS.flatMap((g) => g.words.map((w) => [w, g] as const)),
);

/** Base points of the read, write and exec groups: a shell command takes one of them by what it does. */
export const READ_POINTS = 10;
export const WRITE_POINTS = 35;
export const EXEC_POINTS = 45;

export interface BaseVerb {
  kind: VerbKind;
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
  kind: VerbKind;
}

function strongestIn(text: string | undefined): Strongest | null {
  if (!text) return null;
  let best: Strongest | null = null;
  for (const word of verbWords(text)) {
    const group = GROUP_BY_WORD.get(word);
    // On a tie the later word wins: the verb usually comes last (`shell.exec`, `http.request`).
    if (group !== undefined && (best === null || group.points >= best.points)) best = { word, points: group.points, kind: group.kind };
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
  if (!best) return { kind: 'other', points: OTHER_VERB_POINTS, detail: `${KIND_PHRASE.other} (${action.action_type})` };
  const what =
    best.source === 'action_type' ? action.action_type : best.source === 'mcp.tool' ? `MCP tool ${best.text}` : `tool ${best.text}`;
  return { kind: best.kind, points: best.points, detail: `${KIND_PHRASE[best.kind]} (${what})` };
}
