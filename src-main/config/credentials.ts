import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { CredentialsSchema, type Credentials, type KeyScope } from '../../src-shared/index.js';
import { dataFiles } from './paths.js';

/** A new secret key: `gk_agent_…` / `gk_admin_…` with 32 random bytes, base64url. */
export function newKeySecret(scope: KeyScope): string {
  return `gk_${scope}_${randomBytes(32).toString('base64url')}`;
}

/** Reads `credentials.json`, or creates it (mode 0600) with fresh default keys on first start. */
export function loadOrCreateCredentials(dataDir: string): { credentials: Credentials; created: boolean } {
  const file = dataFiles(dataDir).credentials;
  if (existsSync(file)) {
    const parsed = CredentialsSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`${file} is not valid: ${parsed.error.issues[0]?.message ?? 'bad shape'}`);
    chmodSync(file, 0o600);
    return { credentials: parsed.data, created: false };
  }
  const credentials: Credentials = { agent_key: newKeySecret('agent'), admin_key: newKeySecret('admin') };
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return { credentials, created: true };
}
