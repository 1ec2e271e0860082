import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FAILURE_WHY,
  installTransport,
  keyHeaderPath,
  refreshInstalledTransport,
  renderTransport,
  transportPath,
} from '../../../src-main/integrations/hooks/install/transport.js';
import { ADAPTERS } from '../../../src-main/services/hooks/registry.js';
import { HOOK_AGENTS, ON_ERROR_MODES } from '../../../src-main/services/hooks/types.js';
import { failureVerdict, renderVerdict } from '../../../src-main/services/hooks/verdict.js';

/**
 * The installed transport's own answers, when it cannot ask Gatehouse (SPEC 9.1/9.4): byte for byte
 * the answer the server would give for the same failure, in every agent's form, for every event and
 * --on-error mode, under sh and under bash. (They carried stray spaces after the JSON line where
 * the script's cases are nested, and bash said "No such file or directory" on stderr.)
 */
const root = mkdtempSync(join(tmpdir(), 'gatehouse-transport-failures-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const script = join(root, 'gatehouse-hook.sh');
writeFileSync(script, renderTransport('/nonexistent/node', '/nonexistent/gatehouse'), { mode: 0o700 });
// A data dir whose server.json names a closed port, with no agent key file beside it.
const dead = join(root, 'dead');
mkdirSync(join(dead, 'hooks'), { recursive: true });
writeFileSync(join(dead, 'server.json'), `${JSON.stringify({ url: 'http://127.0.0.1:9', port: 9, pid: 1 }, null, 2)}\n`);
const noServer = join(root, 'none');
mkdirSync(noServer);

const shells = ['sh', 'bash'].filter((s) => spawnSync('sh', ['-c', `command -v ${s}`]).status === 0);

describe.each(shells)('the transport under %s, Gatehouse out of reach', (shell) => {
  for (const agent of HOOK_AGENTS) {
    const adapter = ADAPTERS[agent];
    for (const fe of adapter.failureEvents) {
      it(`${agent} ${fe.event ?? '(any event)'}: exactly the server's failure answer, for every --on-error`, () => {
        const input = fe.match ? `{${fe.match[0]},"x":1}` : '{"x":1}';
        for (const mode of ON_ERROR_MODES)
          for (const dir of [dead, noServer]) {
            const want = renderVerdict(adapter, failureVerdict(adapter, fe.event, mode, FAILURE_WHY), fe.event);
            const r = spawnSync(shell, [script, agent, '--data-dir', dir, '--wait', '1', '--on-error', mode], {
              input,
              encoding: 'utf8',
              env: { PATH: process.env.PATH, GATEHOUSE_HOOK_SH: '1' },
              timeout: 20_000,
            });
            const where = `${agent} ${fe.event} --on-error ${mode} (${dir === dead ? 'server gone' : 'no server.json'})`;
            expect(r.stdout, where).toBe(want.stdout);
            expect(r.stderr, where).toBe(want.stderr ? `${want.stderr}` : '');
            expect(r.status, where).toBe(want.exit_code);
          }
      });
    }
  }
});

describe('refreshInstalledTransport (a server start)', () => {
  const opts = { node: '/opt/node/bin/node', bin: '/opt/gatehouse/bin/gatehouse.mjs' };

  it('rewrites a transport of an earlier release and a stale key header; installs nothing where none was', () => {
    const dir = join(root, 'refresh');
    mkdirSync(dir);
    expect(refreshInstalledTransport(dir, opts)).toBe(false);
    expect(existsSync(transportPath(dir))).toBe(false);

    installTransport(dir, opts);
    const fresh = readFileSync(transportPath(dir), 'utf8');
    expect(refreshInstalledTransport(dir, opts)).toBe(false);
    // An older script (here: one line of it changed), and a key header from before a key rotation.
    writeFileSync(transportPath(dir), fresh.replace('exit "$code"', 'exit "$code" # 0.2.0'));
    expect(refreshInstalledTransport(dir, opts)).toBe(true);
    expect(readFileSync(transportPath(dir), 'utf8')).toBe(fresh);
    const header = readFileSync(keyHeaderPath(dir), 'utf8');
    writeFileSync(keyHeaderPath(dir), 'X-API-Key: gk_agent_old\n');
    expect(refreshInstalledTransport(dir, opts)).toBe(true);
    expect(readFileSync(keyHeaderPath(dir), 'utf8')).toBe(header);
    // Installed for another Node or gatehouse: that install is left as it is.
    writeFileSync(transportPath(dir), fresh.replace('exit "$code"', 'exit "$code" # 0.2.0'));
    expect(refreshInstalledTransport(dir, { ...opts, node: '/usr/bin/node' })).toBe(false);
  });
});
