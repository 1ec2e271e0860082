import type { NormalizedAction } from '../../../../src-shared/index.js';

/**
 * Where the command of a shell action is: the hooks put it in `resource` (cut to 16 KiB) and in
 * `parameters.command` (whole); other agents and MCP tools use `cmd`, `commands` (a string or a
 * list), `script` or `command_line`. Every one present is a command the action runs, so each is
 * read and the one that does most decides. A resource that is a bare URL (`mcp://server/tool`)
 * names the tool, not a command.
 */
const COMMAND_KEYS = ['command', 'cmd', 'commands', 'script', 'command_line'] as const;
const BARE_URL = /^[a-z][a-z0-9+.-]*:\/\/\S*$/i;

export function commandTexts(action: NormalizedAction): string[] {
  const out: string[] = [];
  const params = action.parameters;
  if (params) {
    for (const key of COMMAND_KEYS) {
      if (!Object.prototype.hasOwnProperty.call(params, key)) continue;
      const value: unknown = params[key];
      if (typeof value === 'string') out.push(value);
      else if (Array.isArray(value)) for (const v of value) if (typeof v === 'string') out.push(v);
    }
  }
  const resource = action.resource;
  if (typeof resource === 'string' && resource.length > 0 && !BARE_URL.test(resource) && !out.includes(resource)) out.push(resource);
  return out;
}
