import { readFileSync, writeFileSync } from 'node:fs';
import { ActionRequestSchema } from '../../../src-shared/index.js';
import { strictJsonProblem } from '../../core/json-strict.js';
import { CliError, connect, printJson } from '../context.js';
import { Progress } from './audit-io.js';
import { whyNotWritten } from './export-target.js';

interface Flags {
  dataDir?: string;
  json?: boolean;
}

/** `gatehouse policy list` */
export async function policyList(f: Flags): Promise<void> {
  const { items } = await connect(f).listPolicies();
  if (f.json) return printJson(items);
  if (items.length === 0) return void process.stdout.write('No policies.\n');
  const rows = items.map((p) => [
    p.enabled ? 'on ' : 'off',
    String(p.priority).padStart(4),
    p.effect.padEnd(16),
    p.mode.padEnd(7),
    String(p.hits).padStart(6),
    // A remembered answer ends by itself: say when, or it reads as permanent.
    `${p.id}  ${p.name ?? ''}${p.expires_at ? `  (until ${new Date(p.expires_at).toLocaleString()})` : ''}${p.ephemeral ? '  (until the server restarts)' : ''}`,
  ]);
  process.stdout.write(`${['    prio effect           mode      hits  id / name', ...rows.map((r) => r.join(' '))].join('\n')}\n`);
}

/** `gatehouse policy test --action JSON` */
export async function policyTest(f: Flags & { action: string }): Promise<void> {
  let raw: unknown;
  try {
    raw = JSON.parse(f.action);
  } catch (e) {
    throw new CliError(`--action is not valid JSON: ${(e as Error).message}`);
  }
  // Read as the API reads a body (SPEC 5): JSON.parse keeps the last of two equal keys and turns 1e400
  // into Infinity (sent on as null); the action tested must be the one written, or be refused.
  const strict = strictJsonProblem(f.action);
  if (strict) throw new CliError(`--action is invalid: ${strict.path || '(action)'}: ${strict.message}`);
  const parsed = ActionRequestSchema.safeParse(raw);
  if (!parsed.success)
    throw new CliError(
      `--action is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(action)'}: ${i.message}`).join('; ')}`,
    );
  const r = await connect(f).testPolicy(parsed.data);
  if (f.json) return printJson(r);
  const lines = [
    `decision: ${r.decision}   risk ${r.risk.score} (${r.risk.level})`,
    `reason:   ${r.reason}`,
    ...(r.flags.length ? [`flags:    ${r.flags.join(', ')}`] : []),
    'risk factors:',
    ...r.risk.factors.map((x) => `  ${x.points >= 0 ? '+' : ''}${x.points}  ${x.id}: ${x.detail}`),
    'trace:',
    ...r.trace.map(
      (t) =>
        `  ${t.decided ? '→' : t.matched ? '✓' : ' '} [${t.priority}] ${t.policy_id} (${t.effect}${t.mode === 'shadow' ? ', shadow' : ''}): ${t.reason}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * `gatehouse policy import FILE`. Long work (SPEC 6): while the server validates and applies the file,
 * a progress line is drawn on stderr when it is a terminal, and nothing extra when piped.
 */
export async function policyImport(file: string, f: Flags, stderr: NodeJS.WriteStream = process.stderr): Promise<void> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const api = connect(f);
  const progress = new Progress(stderr);
  progress.update(`importing ${file} (${(Buffer.byteLength(text) / 1e3).toFixed(1)} KB)...`, 0);
  let r: Awaited<ReturnType<typeof api.importPolicies>>;
  try {
    r = await api.importPolicies(text);
  } finally {
    progress.done();
  }
  process.stdout.write(
    `Imported ${r.imported} policies (${r.created} new, ${r.updated} updated, ${r.unchanged} unchanged), ${r.risk_rules} risk rules${r.workflows ? `, ${r.workflows} workflow${r.workflows === 1 ? '' : 's'}` : ''}${r.settings_changed ? ', settings changed' : ''}.\n`,
  );
}

/** `gatehouse policy export [--format yaml|json] [--out FILE]` */
export async function policyExport(f: Flags & { format: 'yaml' | 'json'; out?: string }): Promise<void> {
  const text = await connect(f).exportPolicies(f.format);
  // `-` is standard output, as for `audit export --out` (it used to become a file named "-").
  if (f.out && f.out !== '-') {
    try {
      writeFileSync(f.out, text);
    } catch (e) {
      throw new CliError(`cannot write ${f.out}: ${whyNotWritten(e, f.out).message}`);
    }
    process.stderr.write(`Wrote ${f.out}\n`);
  } else process.stdout.write(text);
}
