import { McpServerRegisterSchema, type McpServerRegister, type McpTool } from '../../src-shared/index.js';
import { jcs, sha256Hex } from '../audit/chain.js';
import { invalid } from '../core/errors.js';
import { parseJsonText } from '../core/json-body.js';
import { redact, redactOrNull } from './redact.js';

/** The list-level hash (all tools, by name): changes when any tool is added, removed or redefined. */
const toolsHash = (tools: McpTool[]): string => sha256Hex(jcs([...tools].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))));

/** A tool's pin: SHA-256 hex of the JCS of the whole tool object as the server sent it (SPEC 9.2). */
export const toolSha256 = (tool: McpTool): string => sha256Hex(jcs(tool));

/**
 * A server registration (SPEC 9.2, `POST /mcp/servers/register`) reduced to what the registry
 * compares and stores: hashes of the tools as the server sent them, and the masked texts that are
 * stored and shown. A tool list may hold a whole generated schema (hundreds of thousands of
 * values), so a big one is read and reduced on the secrets thread (services/big-bodies.ts) and the
 * main thread only compares hashes and stores texts.
 */
export interface PreparedRegistration {
  server_id: string;
  /** Masked. */
  name: string | null;
  /** Masked. */
  command: string | null;
  /** null: the registration carries no tool list (the stored one stays). */
  tools: {
    /** toolsHash of the tools as sent. */
    hash: string;
    /** The masked tools as JSON text (what is stored and shown). */
    text: string;
    /** Each tool in order: its name, its pin (of the tool as sent) and its masked definition as JCS text. */
    each: { name: string; sha256: string; shown: string }[];
  } | null;
}

export function prepareRegistration(body: McpServerRegister): PreparedRegistration {
  let tools: PreparedRegistration['tools'] = null;
  if (body.tools) {
    const masked = redact(body.tools);
    tools = {
      hash: toolsHash(body.tools),
      text: JSON.stringify(masked),
      each: body.tools.map((t, i) => ({ name: t.name, sha256: toolSha256(t), shown: jcs(masked[i]!) })),
    };
  }
  return {
    server_id: body.server_id,
    name: redactOrNull(body.name),
    command: redactOrNull(body.command),
    tools,
  };
}

/** The names of a stored tool list (the `tools` column's JSON text), in order. */
export const toolNamesOf = (storedTools: string): string[] => (JSON.parse(storedTools) as McpTool[]).map((t) => t.name);

/** A registration's body text, read as the API reads every body (the same 400s and 413s), prepared. */
export function prepareRegistrationOfText(text: string, maxValues: number): PreparedRegistration {
  const parsed = McpServerRegisterSchema.safeParse(parseJsonText(text, { maxValues }));
  if (!parsed.success) throw invalid(parsed.error);
  return prepareRegistration(parsed.data);
}
