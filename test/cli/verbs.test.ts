import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { api, BIN, ensureBuilt, startServerProcess, stopServerProcess, type ServerProc } from '../reliability/server-process.js';

let s: ServerProc;
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', s.dataDir], {
    encoding: 'utf8',
    env: { ...process.env, GATEHOUSE_URL: '', GATEHOUSE_API_KEY: '' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const hold = async (resource: string) =>
  (
    await api<{ action_id: string }>(s, 'POST', '/api/v1/actions/submit', s.agentKey, {
      agent_id: 'cli-agent',
      action_type: 'hold.deploy',
      resource,
    })
  ).body.action_id;

beforeAll(async () => {
  ensureBuilt();
  s = await startServerProcess();
  await api(s, 'POST', '/api/v1/policies', s.adminKey, {
    id: 'hold',
    name: 'Deploys wait',
    effect: 'require_approval',
    priority: 100,
    when: { action_type: 'hold.*' },
  });
});
afterAll(() => stopServerProcess(s));

describe('gatehouse CLI against a running server', () => {
  it('status and approvals list what is pending (text and --json)', async () => {
    const id = await hold('svc-a');
    const st = cli('status');
    expect(st.code).toBe(0);
    expect(st.out).toMatch(/Pending approvals: 1/);
    // The 24h line names every status, so its parts add up to the total.
    const [, total, parts] = /Last 24h: (\d+) actions — (.*)/.exec(st.out)!;
    expect(parts).toContain('1 waiting');
    expect([...parts!.matchAll(/(\d+) \w+/g)].reduce((n, m) => n + Number(m[1]), 0)).toBe(Number(total));
    expect(st.out).toContain(id);
    // Where the server is: with --port 0 nothing else the user sees names its address.
    const where = JSON.parse(readFileSync(join(s.dataDir, 'server.json'), 'utf8')) as { url: string };
    expect(st.out.split('\n')[0]).toContain(` at ${where.url} — up `);
    expect(st.out).toContain(`Data directory: ${s.dataDir}\n`);
    expect((JSON.parse(cli('status', '--json').out) as { server: unknown }).server).toEqual({ url: where.url, data_dir: s.dataDir });
    const list = cli('approvals', '--json');
    expect(list.code).toBe(0);
    expect((JSON.parse(list.out) as { action_id: string }[]).map((a) => a.action_id)).toContain(id);
    // A request without a resource shows the command its parameters carry.
    const bare = (
      await api<{ action_id: string }>(s, 'POST', '/api/v1/actions/submit', s.agentKey, {
        agent_id: 'cli-agent',
        action_type: 'hold.shell',
        parameters: { command: ['make', 'deploy'] },
      })
    ).body.action_id;
    expect(
      cli('approvals')
        .out.split('\n')
        .find((l) => l.startsWith(bare)),
    ).toContain('make deploy');
    expect(cli('deny', bare).code).toBe(0);
  });

  it('approve --remember 1h creates an expiring policy; deny answers; a second answer fails with exit 1', async () => {
    const id = await hold('svc-b');
    const ok = cli('approve', id, '--remember', '1h', '--comment', 'ship it');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('approved');
    const policies = JSON.parse(cli('policy', 'list', '--json').out) as { source: string; expires_at: string | null }[];
    expect(policies.some((p) => p.source === 'approval' && p.expires_at)).toBe(true);
    // The table names every policy's mode and when a remembered answer ends.
    const table = cli('policy', 'list').out.split('\n');
    expect(table.find((l) => l.includes(' hold '))).toMatch(/require_approval\s+enforce/);
    expect(table.find((l) => l.includes('remember-'))).toMatch(/\(until .+\)$/);
    // Held in memory only: the table says so, or it reads as a permanent rule.
    const kept = await hold('svc-restart');
    const answered = JSON.parse(cli('approve', kept, '--remember', 'until_restart', '--json').out) as { policy_id: string };
    expect(
      cli('policy', 'list')
        .out.split('\n')
        .find((l) => l.includes(answered.policy_id)),
    ).toMatch(/\(until the server restarts\)$/);
    const again = cli('deny', id);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/409|already/);
    // Each 409 says why nothing changed, in one line: answered, the agent stopped waiting (SPEC 4),
    // or never held at all (not "Approval already resolved (withdrawn)" / "(allowed)").
    expect(again.err.trimEnd().split('\n')).toHaveLength(1);
    expect(again.err).toContain(`Action '${id}' was already answered (approved); nothing changed`);
    const left = await hold('svc-left');
    expect((await api(s, 'POST', `/api/v1/actions/${left}/withdraw`, s.agentKey, {})).status).toBe(200);
    const gone = cli('approve', left);
    expect(gone.code).toBe(1);
    expect(gone.err).toContain(`The agent stopped waiting: Action '${left}' was withdrawn and can no longer be answered`);
    const quick = (
      await api<{ action_id: string; status: string }>(s, 'POST', '/api/v1/actions/submit', s.agentKey, {
        agent_id: 'cli-agent',
        action_type: 'file.read',
        resource: 'README.md',
      })
    ).body;
    expect(quick.status).toBe('allowed');
    const never = cli('approve', quick.action_id);
    expect(never.code).toBe(1);
    expect(never.err).toContain(`Action '${quick.action_id}' was never held for approval (it was allowed)`);
    // An empty --pattern is refused naming it, not dropped for the exact resource.
    const unpatterned = await hold('svc-pattern');
    const empty = cli('approve', unpatterned, '--remember', '1h', '--pattern', '');
    expect(empty.code).toBe(1);
    expect(empty.err).toMatch(/pattern/);
    expect(cli('approvals', '--json').out).toContain(unpatterned);
    const id2 = await hold('svc-c');
    expect(cli('deny', id2).out).toContain('rejected');
  });

  it('keys: create shows the secret once, list never does, revoke stops it', async () => {
    const created = cli('keys', 'create', '--scope', 'agent', '--name', 'ci-bot', '--json');
    expect(created.code).toBe(0);
    const k = JSON.parse(created.out) as { id: string; key: string };
    expect(k.key).toMatch(/^gk_agent_/);
    const list = cli('keys', 'list');
    expect(list.out).toContain(k.id);
    expect(list.out).not.toContain(k.key);
    // One column each: the scope starts at the same place on every line (the default keys' ids are shorter).
    const rows = list.out.trimEnd().split('\n');
    expect(rows.length).toBeGreaterThan(2);
    expect(new Set(rows.map((l) => l.search(/ (agent|admin) /))).size).toBe(1);
    expect(cli('keys', 'revoke', k.id).code).toBe(0);
    // An empty --agent-id (a shell variable that was not set) is refused, never a key bound to no agent.
    const unbound = cli('keys', 'create', '--scope', 'agent', '--name', 'ci-bot-2', '--agent-id', '', '--json');
    expect(unbound.code).toBe(1);
    expect(unbound.err).toMatch(/agent_id/);
    expect(cli('keys', 'list').out).not.toContain('ci-bot-2');
    expect((await api(s, 'POST', '/api/v1/actions/submit', k.key, { agent_id: 'x', action_type: 'file.read' })).status).toBe(401);
  });

  it('policy test prints the decision, factors and trace; export/import round-trip', () => {
    const t = cli('policy', 'test', '--action', JSON.stringify({ agent_id: 'a', action_type: 'hold.deploy' }));
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/decision: pending/);
    expect(t.out).toMatch(/→ \[100\] hold/);
    // What JSON.parse would silently change is refused, as the API refuses it in a body.
    for (const [action, named] of [
      ['{"agent_id":"a","action_type":"hold.deploy","agent_id":"b"}', 'agent_id'],
      ['{"agent_id":"a","action_type":"x","parameters":{"n":1e400}}', 'parameters.n'],
    ] as const) {
      const r = cli('policy', 'test', '--action', action);
      expect(r.code, action).toBe(1);
      expect(r.err).toMatch(new RegExp(`^gatehouse: --action is invalid: ${named.replace('.', '\\.')}: `));
      expect(r.out).toBe('');
    }
    const bad = cli('policy', 'test', '--action', '{"agent_id":"a"}');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('action_type');

    const out = join(mkdtempSync(join(tmpdir(), 'gh-cli-')), 'p.yaml');
    expect(cli('policy', 'export', '--out', out).code).toBe(0);
    const doc = parseYaml(readFileSync(out, 'utf8')) as { policies: { id: string }[] };
    expect(doc.policies.map((p) => p.id)).toContain('hold');
    // `--out -` is standard output, as for audit export: no file named "-" where it runs.
    const cwd = mkdtempSync(join(tmpdir(), 'gh-cli-cwd-'));
    const piped = spawnSync(process.execPath, [BIN, 'policy', 'export', '--format', 'json', '--out', '-', '--data-dir', s.dataDir], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, GATEHOUSE_URL: '', GATEHOUSE_API_KEY: '' },
    });
    expect(piped.status, piped.stderr).toBe(0);
    expect((JSON.parse(piped.stdout) as { policies: { id: string }[] }).policies.map((p) => p.id)).toContain('hold');
    expect(readdirSync(cwd)).toEqual([]);
    // A folder that does not exist: one line naming the file asked for and why, as for every
    // --out (not Node's bare `ENOENT: …, open '…'`, nor the .part file written beside it).
    const nowhere = join(cwd, 'missing');
    for (const args of [
      ['policy', 'export', '--out', join(nowhere, 'p.yaml')],
      ['audit', 'export', '--format', 'jsonl', '--out', join(nowhere, 'a.jsonl')],
      ['report', 'brief', '--format', 'html', '--out', join(nowhere, 'b.html')],
    ]) {
      const r = cli(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.err, args.join(' ')).toContain(`cannot write ${args.at(-1)}: the folder ${nowhere} does not exist`);
      expect(r.err, args.join(' ')).not.toMatch(/ENOENT|\.part/);
    }
    const extra = join(mkdtempSync(join(tmpdir(), 'gh-cli-')), 'new.yaml');
    writeFileSync(extra, 'version: 1\npolicies:\n  - id: from-cli\n    effect: deny\n    when: { action_type: cli.test }\n');
    const imp = cli('policy', 'import', extra);
    expect(imp.code).toBe(0);
    expect(imp.out).toMatch(/Imported 1 policies \(1 new/);
    const broken = join(mkdtempSync(join(tmpdir(), 'gh-cli-')), 'bad.yaml');
    // A schema error and a condition error in the same policy: the one answer names both.
    writeFileSync(broken, 'version: 1\npolicies:\n  - id: Bad Id\n    effect: deny\n    when: { resource: { regex: "(" } }\n');
    const refused = cli('policy', 'import', broken);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/400/);
    expect(refused.err).toContain('policies[0](Bad Id).id:');
    expect(refused.err).toContain('policies[0](Bad Id).when.resource.regex: invalid regex');
  });

  it('policy import is long work: a progress line on a terminal (cleared after), nothing extra when piped', async () => {
    const { policyImport } = await import('../../src-main/cli/commands/policy.js');
    const file = join(mkdtempSync(join(tmpdir(), 'gh-cli-')), 'progress.yaml');
    writeFileSync(file, 'version: 1\npolicies:\n  - id: from-cli-progress\n    effect: deny\n    when: { action_type: cli.progress }\n');
    const stream = (isTTY: boolean) => {
      const s = { isTTY, text: '', write: (t: string) => ((s.text += t), true) };
      return s;
    };
    const saved = { url: process.env.GATEHOUSE_URL, key: process.env.GATEHOUSE_API_KEY };
    process.env.GATEHOUSE_URL = '';
    process.env.GATEHOUSE_API_KEY = '';
    const stdout = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      const tty = stream(true);
      await policyImport(file, { dataDir: s.dataDir }, tty as unknown as NodeJS.WriteStream);
      expect(tty.text.startsWith('\r\x1b[2Kimporting ')).toBe(true);
      expect(tty.text).toContain('progress.yaml');
      expect(tty.text.endsWith('\r\x1b[2K')).toBe(true);
      const piped = stream(false);
      await policyImport(file, { dataDir: s.dataDir }, piped as unknown as NodeJS.WriteStream);
      expect(piped.text).toBe('');
    } finally {
      process.stdout.write = stdout;
      process.env.GATEHOUSE_URL = saved.url;
      process.env.GATEHOUSE_API_KEY = saved.key;
      if (saved.url === undefined) delete process.env.GATEHOUSE_URL;
      if (saved.key === undefined) delete process.env.GATEHOUSE_API_KEY;
    }
  });

  it('open prints a one-time console link that logs in once', async () => {
    const r = cli('open', '--no-browser');
    expect(r.code).toBe(0);
    const url = r.out.trim();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    const first = await fetch(url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(first.headers.get('set-cookie')).toMatch(/SameSite=Strict/i);
    const second = await fetch(url, { redirect: 'manual' });
    expect(second.headers.get('location')).toContain('login=expired');
  });

  it('audit export: --out - pipes the records (summary on stderr), a date alone is a --since; verify --checkpoint needs --file', () => {
    const today = new Date();
    const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
    const r = cli('audit', 'export', '--format', 'jsonl', '--since', day, '--out', '-');
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(3);
    for (const l of lines) expect(JSON.parse(l)).toHaveProperty('hash');
    expect(r.err).toMatch(/^exported \d+ records \(jsonl, [\d.]+ MB\) to stdout\n$/);
    expect(cli('audit', 'export', '--format', 'jsonl', '--since', '2026-13-45', '--out', '-').err).toMatch(
      /--since 2026-13-45 is not a date/,
    );
    // /dev/stdout on a pipe (what `| wc` makes) is a link to /proc/self/fd/1, which no path resolves:
    // it is written through, never replaced by a file. A link of our own to it, so a regression
    // replaces that link, not the machine's /dev/stdout.
    const stdoutLink = join(mkdtempSync(join(tmpdir(), 'gatehouse-cli-stdout-')), 'stdout');
    symlinkSync('/proc/self/fd/1', stdoutLink);
    const dev = spawnSync(
      'bash',
      ['-c', `"${process.execPath}" "${BIN}" audit export --format jsonl --out "${stdoutLink}" --data-dir "${s.dataDir}" | wc -l`],
      {
        encoding: 'utf8',
        env: { ...process.env, GATEHOUSE_URL: '', GATEHOUSE_API_KEY: '' },
      },
    );
    expect(Number(dev.stdout.trim())).toBeGreaterThan(3);
    expect(dev.stderr).toMatch(/^exported \d+ records .* to .*stdout\n$/);
    expect(lstatSync(stdoutLink).isSymbolicLink()).toBe(true);
    const v = cli('audit', 'verify', '--checkpoint', 'cp.txt');
    expect(v.code).toBe(1);
    expect(v.err).toMatch(/--checkpoint needs --file EXPORT\.jsonl/);
    expect(v.out).toBe('');
  });
});

describe('gatehouse CLI without a server', () => {
  it('prints one clear line and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-none-'));
    for (const verb of [['status'], ['approvals'], ['keys', 'list'], ['policy', 'list'], ['audit', 'verify']]) {
      const r = spawnSync(process.execPath, [BIN, ...verb, '--data-dir', dir], {
        encoding: 'utf8',
        env: { ...process.env, GATEHOUSE_URL: '' },
      });
      expect(r.status, verb.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/not running/);
      // Which data directory was looked in, and the start command for that one: a server started
      // for another directory (or another $GATEHOUSE_HOME) is told apart at once.
      expect(r.stderr, verb.join(' ')).toContain(`data directory ${dir} `);
      expect(r.stderr, verb.join(' ')).toContain(`\`gatehouse serve --data-dir ${dir}\``);
    }
  });
});

describe('gatehouse CLI usage errors', () => {
  it('are one line naming the mistake and the help of the verb mistyped, exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-usage-'));
    const cases: [string[], RegExp, string][] = [
      [['frobnicate'], /unknown command 'frobnicate'/, 'gatehouse --help'],
      [['approve', 'act_x', '--remember', '2h'], /'2h' is invalid\. Allowed choices are once, 15m/, 'gatehouse approve --help'],
      [['approve'], /missing required argument 'id'/, 'gatehouse approve --help'],
      [['keys', 'create', '--scope', 'agent'], /required option '--name <name>' not specified/, 'gatehouse keys create --help'],
      [['status', '--bogus'], /unknown option '--bogus'/, 'gatehouse status --help'],
    ];
    for (const [args, what, help] of cases) {
      const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', dir], {
        encoding: 'utf8',
        env: { ...process.env, GATEHOUSE_URL: '' },
      });
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(/^gatehouse: /);
      expect(lines[0]).toMatch(what);
      expect(lines[0]).toContain(`(see \`${help}\`)`);
    }
  });
});

describe('gatehouse CLI output piped into a reader that stops early', () => {
  it('ends with its own exit code and no stack trace (it died on EPIPE)', () => {
    const home = mkdtempSync(join(tmpdir(), 'gatehouse-cli-pipe-'));
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-pipe-data-'));
    // `head -c 1` exits after one byte; the command still has lines to write.
    const r = spawnSync(
      'bash',
      [
        '-c',
        'node "$BIN" hook install claude-code --scope project --data-dir "$DATA" 2>"$HOME/err" | head -c 1 >/dev/null; echo "${PIPESTATUS[0]}"',
      ],
      {
        cwd: home,
        encoding: 'utf8',
        env: { ...process.env, HOME: home, BIN, DATA: dataDir, PATH: `${join(process.execPath, '..')}:${process.env.PATH}` },
      },
    );
    expect(r.stdout.trim()).toBe('0');
    expect(readFileSync(join(home, 'err'), 'utf8')).not.toMatch(/EPIPE|at .*\.js/);
    expect(readFileSync(join(home, '.claude', 'settings.json'), 'utf8')).toContain('gatehouse-hook.sh');
  });
});
