import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { hasOurs } from './config/edit.js';
import { readManifest } from './config/manifest.js';
import { FOOTPRINTS, homeDir, targetsOf, type Places, type Scope, type Target } from './config/targets.js';
import { isOurCommand } from './config/marks.js';
import { ADAPTERS } from './registry.js';
import { HOOK_AGENTS, type HookAgent } from './types.js';

/** One agent as `gatehouse hook status` and the console's Integrations page show it. */
export interface IntegrationView {
  agent: HookAgent;
  name: string;
  agent_id: string;
  found: boolean;
  found_by: string[];
  installed: { scope: Scope; path: string }[];
  can_ask: boolean;
  last_call_at: string | null;
  note: string | null;
}

function wired(t: Target): boolean {
  try {
    if (!existsSync(t.path)) return false;
    const text = readFileSync(t.path, 'utf8');
    if (t.kind === 'exec') return isOurCommand(text) || text.includes('# gatehouse-hook:');
    return hasOurs(text, t);
  } catch {
    return false;
  }
}

function onPath(name: string, pathVar = process.env.PATH ?? ''): string | null {
  for (const d of pathVar.split(delimiter)) {
    if (!d) continue;
    for (const ext of process.platform === 'win32' ? ['.exe', '.cmd', ''] : ['']) {
      const p = join(d, name + ext);
      if (existsSync(p)) return p;
    }
  }
  return null;
}

const NOTES: Partial<Record<HookAgent, string>> = {
  codex: 'Codex cannot ask from a hook: unanswered requests are refused. Trust the hook once in /hooks.',
  windsurf: 'Windsurf cannot ask from a hook: unanswered requests are refused.',
  cline: 'Cline cannot ask from a hook (and stops the task on a refusal); holds at most 25 s.',
  cursor: 'Cursor can ask for shell commands and MCP calls only.',
};

/** Every agent: found on this machine, wired (user scope, and what install recorded in any scope), last call. */
export function integrationStatus(
  o: Places & { dataDir: string; lastCalls?: ReadonlyMap<HookAgent, number>; pathVar?: string },
): IntegrationView[] {
  const home = homeDir(o);
  const manifest = readManifest(o.dataDir);
  return HOOK_AGENTS.map((agent) => {
    const a = ADAPTERS[agent];
    const found_by: string[] = [];
    for (const parts of FOOTPRINTS[agent].dirs) {
      const d = join(home, ...parts);
      if (existsSync(d)) found_by.push(`config folder ${d}`);
    }
    for (const b of FOOTPRINTS[agent].bins) {
      const p = onPath(b, o.pathVar);
      if (p) found_by.push(`command ${p}`);
    }
    const installed: { scope: Scope; path: string }[] = [];
    for (const t of targetsOf(agent, 'user', { home })) if (wired(t)) installed.push({ scope: 'user', path: t.path });
    // What install recorded: the project scopes, and a user scope installed under another home (the
    // CLI that ran `hook install` need not share the server's HOME); each only while still wired.
    for (const m of manifest) {
      if (m.agent !== agent || installed.some((i) => i.path === m.path)) continue;
      const t = targetsOf(agent, m.scope, { home, cwd: '/' }).map((x) => ({ ...x, path: m.path }))[0];
      if (t && wired(t)) installed.push({ scope: m.scope, path: m.path });
    }
    const last = o.lastCalls?.get(agent);
    if (last && found_by.length === 0) found_by.push('its hook has called Gatehouse');
    return {
      agent,
      name: a.displayName,
      agent_id: a.agentId,
      found: found_by.length > 0 || installed.length > 0,
      found_by,
      installed,
      can_ask: agent === 'cursor' ? true : a.canAsk(null),
      last_call_at: last ? new Date(last).toISOString() : null,
      note: NOTES[agent] ?? null,
    };
  });
}

/** "2 min ago" for the CLI. */
export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}
