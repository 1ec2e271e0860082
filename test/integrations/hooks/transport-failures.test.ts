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
import { HOOK_AGENTS, ON_ERROR_MODES, type HookAgent } from '../../../src-main/services/hooks/types.js';
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
        // Compact and pretty-printed JSON both name the event.
        const inputs = fe.named
          ? [`{"hook_event_name":"${fe.named.at(-1)}","x":1}`, `{\n  "hook_event_name": "${fe.named[0]}",\n  "x": 1\n}`]
          : ['{"x":1}'];
        for (const input of inputs) expectFailureAnswer(shell, agent, fe.event, input);
      });
    }
  }

  // The event is the input's own: a key of that name inside the tool's input (an MCP tool's
  // arguments) chose a PermissionRequest answer for a PreToolUse — no output, a silent pass, and
  // with --on-error deny a refusal Claude Code does not read as one — or Cursor's `ask`, which
  // Cursor does not honour for preToolUse.
  it('a hook_event_name inside the tool input does not choose the answer', () => {
    expectFailureAnswer(
      shell,
      'claude-code',
      'PreToolUse',
      '{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"mcp__a__b","tool_input":{"hook_event_name":"PermissionRequest"}}',
    );
    expectFailureAnswer(
      shell,
      'cursor',
      'preToolUse',
      '{"conversation_id":"c","hook_event_name":"preToolUse","tool_name":"Write","tool_input":{"hook_event_name":"beforeShellExecution"}}',
    );
  });
});

/** The transport's answer to `input` with Gatehouse out of reach is the server's failure answer for `event`. */
function expectFailureAnswer(shell: string, agent: HookAgent, event: string | null, input: string): void {
  const adapter = ADAPTERS[agent];
  for (const mode of ON_ERROR_MODES)
    for (const dir of [dead, noServer]) {
      const want = renderVerdict(adapter, failureVerdict(adapter, event, mode, FAILURE_WHY), event);
      const r = spawnSync(shell, [script, agent, '--data-dir', dir, '--wait', '1', '--on-error', mode], {
        input,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, GATEHOUSE_HOOK_SH: '1' },
        timeout: 20_000,
      });
      const where = `${agent} ${event} --on-error ${mode} (${dir === dead ? 'server gone' : 'no server.json'}) for ${input}`;
      expect(r.stdout, where).toBe(want.stdout);
      expect(r.stderr, where).toBe(want.stderr ? `${want.stderr}` : '');
      expect(r.status, where).toBe(want.exit_code);
    }
}

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
