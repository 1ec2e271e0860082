import { CliError, connect, printJson } from '../context.js';

interface Flags {
  dataDir?: string;
  json?: boolean;
}

/** `gatehouse keys list` — never shows secrets. */
export async function keysList(f: Flags): Promise<void> {
  const { items } = await connect(f).listKeys();
  if (f.json) return printJson(items);
  // Ids differ in length (key_default_admin, key_<random>): padded so the columns line up.
  const idWidth = Math.max(0, ...items.map((k) => k.id.length));
  const lines = items.map(
    (k) =>
      `${k.id.padEnd(idWidth)}  ${k.scope.padEnd(5)}  ${k.prefix.padEnd(16)}  ${k.revoked_at ? 'revoked' : 'active '}  ${k.name}${k.agent_id ? `  (agent ${k.agent_id})` : ''}${k.approver ? `  (approver ${k.approver})` : ''}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** `gatehouse keys create --scope agent|admin --name N [--agent-id ID] [--approver NAME]` — the secret is shown once. */
export async function keysCreate(
  f: Flags & { scope: 'agent' | 'admin'; name: string; agentId?: string; approver?: string },
): Promise<void> {
  // As the server refuses it (400 naming agent_id), said in the flags' own words before connecting.
  if (f.scope === 'admin' && f.agentId !== undefined)
    throw new CliError(
      '--agent-id cannot be used with --scope admin: an admin key acts for every agent; bind an agent key (--scope agent) instead',
    );
  // An option given is sent even when empty (`--agent-id "$UNSET"`): the server names what is wrong
  // with it. Dropped, it made a key bound to no agent, one that may act as any.
  const k = await connect(f).createKey({
    scope: f.scope,
    name: f.name,
    ...(f.agentId !== undefined ? { agent_id: f.agentId } : {}),
    ...(f.approver !== undefined ? { approver: f.approver } : {}),
  });
  if (f.json) return printJson(k);
  process.stdout.write(`${k.key}\n`);
  process.stderr.write(
    `Created ${k.scope} key ${k.id} (${k.name}${k.approver ? `, approver ${k.approver}` : ''}). This is the only time the secret is shown.\n`,
  );
}

/** `gatehouse keys revoke ID` */
export async function keysRevoke(id: string, f: Flags): Promise<void> {
  const k = await connect(f).revokeKey(id);
  process.stdout.write(`Revoked ${k.id} (${k.name}).\n`);
}
