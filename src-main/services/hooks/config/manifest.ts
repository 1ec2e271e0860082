import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HookAgent } from '../types.js';
import type { Scope } from './targets.js';

/**
 * `<data dir>/hooks/installed.json`: what `hook install` changed, so `--uninstall` can restore a
 * file exactly (its original text, or its removal when Gatehouse created it) and `hook status`
 * knows the project scopes it wired.
 */
export interface ManifestEntry {
  agent: HookAgent;
  scope: Scope;
  path: string;
  /**
   * The file's text without Gatehouse's entries: as it was before the first install (null: the file
   * did not exist), or as the user left it when an install found it changed since the last one.
   */
  original: string | null;
  /** The text the last install wrote (absent in an older manifest): unchanged since, --uninstall writes `original` back. */
  installed?: string;
  /** Folders the install created (removed again on uninstall when empty). */
  created_dirs: string[];
  installed_at: string;
}

const fileOf = (dataDir: string) => join(dataDir, 'hooks', 'installed.json');

export function readManifest(dataDir: string): ManifestEntry[] {
  try {
    const v: unknown = JSON.parse(readFileSync(fileOf(dataDir), 'utf8'));
    return Array.isArray(v) ? (v as ManifestEntry[]).filter((e) => e && typeof e.path === 'string') : [];
  } catch {
    return [];
  }
}

export function writeManifest(dataDir: string, entries: ManifestEntry[]): void {
  const file = fileOf(dataDir);
  if (!existsSync(join(dataDir, 'hooks'))) return;
  writeFileSync(`${file}.tmp`, `${JSON.stringify(entries, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}
