import type { PolicyInput, PolicyView } from '../../../src-shared/index.js';

/**
 * The per-tool switches of the MCP screen (SPEC 9.2): allow / ask / block write one policy on
 * `mcp.server_id` + `mcp.tool` (exact matches, so a name with `*` or `?` is not a wildcard);
 * "default" removes it, leaving the decision to the other policies and the risk thresholds.
 */
export type ToolSwitch = 'default' | 'allow' | 'ask' | 'block';

const EFFECT = { allow: 'allow', ask: 'require_approval', block: 'deny' } as const;
export const SWITCH_PRIORITY = 500;

/** FNV-1a, 32 bits, hex: a short, stable suffix that keeps distinct names distinct. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** The id of a tool's switch policy: readable, within the policy id alphabet and length, unique per server + tool. */
export function switchPolicyId(serverId: string, tool: string): string {
  const slug = `${serverId}-${tool}`
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '');
  return `mcp-tool-${slug.slice(0, 45)}-${fnv1a(`${serverId}\u0000${tool}`)}`;
}

export function switchOf(policy: PolicyView | undefined): ToolSwitch {
  if (!policy || !policy.enabled) return 'default';
  return policy.effect === 'allow'
    ? 'allow'
    : policy.effect === 'require_approval'
      ? 'ask'
      : policy.effect === 'deny'
        ? 'block'
        : 'default';
}

export function switchPolicy(serverId: string, tool: string, value: Exclude<ToolSwitch, 'default'>): PolicyInput {
  const verb = value === 'allow' ? 'Allow' : value === 'ask' ? 'Ask before' : 'Block';
  return {
    id: switchPolicyId(serverId, tool),
    name: `${verb} MCP tool ${tool} on ${serverId}`.slice(0, 200),
    description: 'Set by the per-tool switch on the MCP servers screen.',
    enabled: true,
    priority: SWITCH_PRIORITY,
    effect: EFFECT[value],
    mode: 'enforce',
    when: { action_type: { eq: 'mcp.tool_call' }, 'mcp.server_id': { eq: serverId }, 'mcp.tool': { eq: tool } },
  };
}
