import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { ServerInfoSchema, type ServerInfo } from '../../src-shared/index.js';
import { dataFiles } from './paths.js';

export function writeServerInfo(dataDir: string, info: ServerInfo): void {
  const file = dataFiles(dataDir).serverJson;
  writeFileSync(`${file}.tmp`, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** Removes server.json, but only if it is still ours (another server may have replaced it). */
export function removeServerInfo(dataDir: string, pid = process.pid): void {
  const info = readServerInfo(dataDir);
  if (info && info.pid !== pid) return;
  rmSync(dataFiles(dataDir).serverJson, { force: true });
}

export function readServerInfo(dataDir: string): ServerInfo | null {
  try {
    const parsed = ServerInfoSchema.safeParse(JSON.parse(readFileSync(dataFiles(dataDir).serverJson, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
