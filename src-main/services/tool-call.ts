/**
 * The argument of a tool call that names what it acts on, if any: the MCP proxy and the Claude
 * Code hook (for `mcp__server__tool` calls) both use it for the action's `resource`.
 */
const RESOURCE_KEYS = ['path', 'file_path', 'filePath', 'file', 'filename', 'uri', 'url', 'source', 'destination', 'directory', 'dir'];

export function resourceFromArgs(args: unknown): string | undefined {
  if (!args || typeof args !== 'object' || Array.isArray(args)) return undefined;
  const a = args as Record<string, unknown>;
  for (const k of RESOURCE_KEYS) {
    const v = a[k];
    if (typeof v === 'string' && v) return v;
  }
  // read_multiple_files style: a list of paths
  const paths = a.paths;
  if (Array.isArray(paths) && paths.length && paths.every((p) => typeof p === 'string')) return (paths as string[]).join(' ');
  return undefined;
}

/** A string cut to `max` characters (the API's field limits), marking the cut. */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}

/** Sanitizes a name into the action_type alphabet (`[A-Za-z0-9][A-Za-z0-9_.:/-]*`, ≤128). */
export function actionTypeSafe(s: string): string {
  const t = s.replace(/[^A-Za-z0-9_.:/-]/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  return (t || 'unknown').slice(0, 128);
}
