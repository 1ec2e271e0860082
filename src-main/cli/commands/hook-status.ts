import type { Integration } from '../../../src-shared/index.js';
import { resolveDataDir } from '../../config/paths.js';
import { ago, integrationStatus } from '../../services/hooks/status.js';
import { connect, printJson } from '../context.js';

interface Flags {
  dataDir?: string;
  json?: boolean;
}

/** `gatehouse hook status`: from the running server (with last calls), else from this machine alone. */
export async function runHookStatus(f: Flags): Promise<void> {
  let items: Integration[];
  let live = true;
  try {
    items = (await connect(f).integrations()).items;
  } catch {
    live = false;
    items = integrationStatus({ dataDir: resolveDataDir(f.dataDir) });
  }
  if (f.json) return printJson({ items, live });
  const lines: string[] = [];
  for (const i of items) {
    const wired = i.installed.length ? `hook installed (${i.installed.map((x) => `${x.scope}: ${x.path}`).join('; ')})` : 'not wired';
    const last = live ? ` — last call ${ago(i.last_call_at)}` : '';
    const found = i.found ? '' : ' — not found on this machine';
    lines.push(`${i.name.padEnd(19)} ${wired}${last}${found}`);
    if (i.installed.length && i.note) lines.push(`${''.padEnd(19)} ${i.note}`);
  }
  if (!live) lines.push('(Gatehouse is not running: last calls are unknown.)');
  process.stdout.write(`${lines.join('\n')}\n`);
}
