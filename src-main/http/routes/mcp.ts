import type { Gatehouse } from '../../app/gatehouse.js';
import { invalidField, notFound } from '../../core/errors.js';
import { NAME_ELSEWHERE } from '../../../src-shared/routes.js';
import { toMcpDecision } from '../../services/mcp.js';
import { API, valuesLimit } from '../../../src-shared/api.js';
import { readJsonText } from '../body.js';
import { jsonTextAnswer, type Handlers } from '../endpoints.js';

/** The seeds' MCP governance API (upper-case decisions, as the seeds expect) and tool pins (SPEC 9.2). */
export function mcpHandlers(g: Gatehouse) {
  return {
    mcpEvaluate: async (c, { body }) => {
      const p = c.get('principal');
      return toMcpDecision(await g.actions.submit(g.mcp.toActionRequest(body), { boundAgentId: p.agentId, keyId: p.id }));
    },
    // Read as every body is (readJson), but reduced to hashes and masked texts where it is read: on the secrets thread when big.
    registerMcpServer: async (c) => {
      const p = c.get('principal');
      const actor = p.scope === 'admin' ? 'user' : `agent:${p.agentId ?? 'mcp-proxy'}`;
      return jsonTextAnswer<'registerMcpServer'>(
        c,
        await g.mcp.registerText(await readJsonText(c), valuesLimit(API.registerMcpServer)!, actor),
      );
    },
    listMcpServers: (c) => jsonTextAnswer<'listMcpServers'>(c, g.mcp.listText()),
    // The proxy reads a pin before calling a tool whose definition changed; the user accepts a change.
    mcpToolPin: (c, { params, query }) => {
      const { serverId, tool } = toolNames(params, query ?? {}, 'query');
      const pin = g.mcp.pinText(serverId, tool);
      if (!pin) throw notFound(`MCP tool '${tool}' on server '${serverId}'`);
      return jsonTextAnswer<'mcpToolPin'>(c, pin);
    },
    acceptMcpTool: async (c, { body, params }) => {
      const { serverId, tool } = toolNames(params, body ?? {}, 'body');
      return jsonTextAnswer<'acceptMcpTool'>(c, await g.mcp.acceptTool(serverId, tool, { sha256: body?.sha256 }, 'user'));
    },
    // Mapped as a policy file's seed items are; its `approvers` make a workflow (PolicyService.createSeed).
    createSeedPolicy: (_c, { body }) => g.policies.createSeed(body),
  } satisfies Partial<Handlers>;
}

/**
 * The server id and tool of `/mcp/servers/{server_id}/tools/{tool}…`: each from its path segment,
 * or from the body / query when the path could not carry it (`.`, `..`: the path then says `-`).
 * A name given both ways must be the same one: a request never names one tool and acts on another.
 */
function toolNames(
  params: Record<string, string>,
  given: { server_id?: string; tool?: string },
  where: 'body' | 'query',
): { serverId: string; tool: string } {
  const pick = (field: 'server_id' | 'tool'): string => {
    const inPath = params[field] ?? '';
    const named = given[field];
    if (named === undefined || named === inPath) return inPath;
    if (inPath === NAME_ELSEWHERE) return named;
    throw invalidField(
      field,
      `names '${named}' while the path names '${inPath}'; put '${NAME_ELSEWHERE}' in the path to name it in the ${where} alone`,
    );
  };
  return { serverId: pick('server_id'), tool: pick('tool') };
}
