/**
 * Plain-language headlines for a request waiting for a person (SPEC 10): "claude-code wants to
 * force-push main to origin", "data-pipeline wants to delete rows from postgres://prod/customers".
 * One small rule per family of action types (shell, file, http, database, payment, mcp, infra…)
 * and a generic fallback that never says less than the action type and resource. Pure: used by the
 * console, its notifications and the desktop shell alike.
 */

export interface HeadlineInput {
  agent_id: string;
  action_type: string;
  resource?: string | null;
  tool_name?: string | null;
  target_system?: string | null;
  environment?: string | null;
  parameters?: Record<string, unknown> | null;
  context?: Record<string, unknown> | null;
  mcp?: { server_id: string; tool?: string } | null;
}

const MAX_OBJECT = 72;
/** A word of a command used as an object ("delete <path>"), and a whole phrase, at most this long. */
const MAX_WORD = 60;
const MAX_PHRASE = 160;

/** Shortens long text in the middle, keeping both ends (paths and URLs matter at both). */
export function shorten(text: string, max = MAX_OBJECT): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length <= max) return t;
  const head = Math.ceil((max - 1) * 0.6);
  return `${t.slice(0, head)}…${t.slice(t.length - (max - 1 - head))}`;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : null;
}

function param(a: HeadlineInput, ...keys: string[]): string | null {
  for (const k of keys) {
    const v = str(a.parameters?.[k]);
    if (v) return v;
  }
  return null;
}

/** Lower-case words of an action type: `database.delete` → [database, delete]; `writeFile` → [write, file]. */
export function typeWords(actionType: string): string[] {
  return actionType
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[._:\-/\s]+/)
    .filter(Boolean);
}

const has = (words: string[], ...any: string[]) => any.some((w) => words.includes(w));
const hasPart = (words: string[], ...parts: string[]) => words.some((w) => parts.some((p) => w.includes(p)));

// ---------------------------------------------------------------- shell

/** Splits a command line into its commands at `;`, `&&`, `||` and `|` (quotes respected). */
export function splitCommands(cmd: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (quote) {
      if (c === quote) quote = null;
      cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      cur += c;
      continue;
    }
    if (c === ';' || c === '\n' || c === '|' || (c === '&' && cmd[i + 1] === '&')) {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
      if ((c === '&' || c === '|') && cmd[i + 1] === c) i++;
      continue;
    }
    cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** Words of one command, quotes removed (good enough for naming things, never for running them). */
function argv(command: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(command))) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

const positional = (args: string[]) => args.filter((a) => !a.startsWith('-'));
const flag = (args: string[], re: RegExp) => args.some((a) => re.test(a));

/** One command → a phrase, or null when no rule knows it (the caller says "run `…`"). */
function shellPhrase(raw: string, pipedFrom: string | null): string | null {
  // Any word may end up in the phrase: none may push the rest of the request off the screen.
  let w = argv(raw).map((x) => shorten(x, MAX_WORD));
  let asRoot = false;
  while (w[0] === 'sudo' || w[0] === 'doas' || w[0] === 'env' || w[0] === 'nohup' || w[0] === 'time' || /^\w+=/.test(w[0] ?? '')) {
    if (w[0] === 'sudo' || w[0] === 'doas') asRoot = true;
    w = w.slice(1).filter((x, i) => !(i === 0 && x.startsWith('-')));
  }
  const root = (p: string | null) => (p && asRoot ? `${p} as root` : p);
  const [cmd, ...args] = w;
  if (!cmd) return null;
  const base = cmd.split('/').pop()!;

  if (pipedFrom && /^(?:ba|z|da|k|fi)?sh$/.test(base)) {
    const url = /\bhttps?:\/\/[^\s'"]+/.exec(pipedFrom)?.[0];
    return root(url ? `download a script from ${hostOf(url)} and run it` : 'run a script piped into a shell');
  }
  switch (base) {
    case 'git':
      return root(gitPhrase(args));
    case 'rm': {
      const targets = positional(args);
      const recursive = flag(args, /^-[a-zA-Z]*[rR]|^--recursive$/);
      if (targets.length > 1) {
        const what = `${targets[0]} and ${targets.length - 1} more`;
        return root(recursive ? `delete ${what}, with everything in them` : `delete ${what}`);
      }
      const what = targets[0] ?? 'files';
      return root(recursive ? `delete ${what} and everything in it` : `delete ${what}`);
    }
    case 'terraform':
    case 'tofu': {
      const sub = positional(args)[0];
      if (sub === 'destroy') return root('destroy Terraform-managed infrastructure');
      if (sub === 'apply') return root('apply Terraform changes');
      return null;
    }
    case 'kubectl': {
      const [sub, kind, name] = positional(args);
      if (sub === 'delete' && kind) return root(`delete Kubernetes ${kind}${name ? ` ${name}` : ''}`);
      if (sub === 'apply') return root('apply changes to the Kubernetes cluster');
      if (sub === 'exec') return root('run a command inside a Kubernetes pod');
      return null;
    }
    case 'docker':
    case 'podman': {
      const [sub, obj] = positional(args);
      if (sub === 'system' && obj === 'prune') return root('delete unused Docker data');
      if (sub === 'rm' || sub === 'rmi' || (obj === 'rm' && sub)) return root('remove Docker containers or images');
      return null;
    }
    case 'npm':
    case 'pnpm':
    case 'yarn':
    case 'bun': {
      const [sub, ...pkgs] = positional(args);
      if (sub === 'publish') return root('publish a package to the npm registry');
      if (sub && ['install', 'i', 'add'].includes(sub))
        return root(pkgs.length ? `install ${pkgs.slice(0, 3).join(', ')}${pkgs.length > 3 ? '…' : ''}` : 'install dependencies');
      return null;
    }
    case 'pip':
    case 'pip3': {
      const [sub, ...pkgs] = positional(args);
      if (sub === 'install')
        return root(pkgs.length ? `install Python packages ${pkgs.slice(0, 3).join(', ')}` : 'install Python packages');
      return null;
    }
    case 'curl':
    case 'wget': {
      const url = args.find((a) => /^https?:\/\//.test(a));
      const upload = uploadedFile(args);
      if (url && upload) return root(`upload ${upload} to ${hostOf(url)}`);
      const method = /(?:^|\s)-X\s*([A-Z]+)/.exec(args.join(' '))?.[1];
      const sends =
        method && method !== 'GET' ? `send a ${method} request to` : flag(args, /^(?:-d|--data.*|-F|--form)$/) ? 'send data to' : null;
      if (!url) return null;
      return root(sends ? `${sends} ${hostOf(url)}` : `download ${shorten(url, 60)}`);
    }
    case 'chmod': {
      const mode = positional(args)[0];
      const target = positional(args)[1];
      if (mode && /7$|o\+w|a\+w/.test(mode)) return root(`make ${target ?? 'files'} writable by everyone`);
      return null;
    }
    case 'dd': {
      const of = args.find((a) => a.startsWith('of='));
      return root(of ? `overwrite ${of.slice(3)}` : null);
    }
    case 'shutdown':
    case 'poweroff':
    case 'halt':
      return 'shut down this machine';
    case 'reboot':
      return 'restart this machine';
    case 'psql':
    case 'mysql':
    case 'sqlite3': {
      const sql = /-c\s+(?:"([^"]+)"|'([^']+)')/.exec(raw);
      const s = sql?.[1] ?? sql?.[2];
      return s ? root(sqlPhrase(s, null)) : null;
    }
    default:
      if (base.startsWith('mkfs')) return root('format a disk');
      return null;
  }
}

/** The local file a curl/wget sends (`-d @file`, `-F f=@file`, `-T file`, `--post-file=file`), if any. */
function uploadedFile(args: string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    if (/^(?:-d|--data(?:-binary|-raw|-urlencode)?|-F|--form)$/.test(a) && next) {
      const at = /(?:^|=)@([^;]+)/.exec(next)?.[1];
      if (at && at !== '-') return at;
    }
    if ((a === '-T' || a === '--upload-file') && next && next !== '-') return next;
    const post = /^--(?:post|body)-file=(.+)$/.exec(a)?.[1];
    if (post) return post;
  }
  return null;
}

function gitPhrase(args: string[]): string | null {
  const pos = positional(args);
  const sub = pos[0];
  if (sub === 'push') {
    const force = flag(args, /^--force(?:-with-lease)?(?:=.*)?$|^-[a-zA-Z]*f[a-zA-Z]*$/);
    const remote = pos[1];
    const ref = pos[2]?.replace(/^\+/, '').split(':').pop();
    const del = flag(args, /^--delete$|^-d$/) || pos[2]?.startsWith(':');
    if (del) return `delete the branch ${ref ?? '?'} on ${remote ?? 'the remote'}`;
    const what = ref ?? 'the current branch';
    return `${force ? 'force-push' : 'push'} ${what} to ${remote ?? 'its remote'}`;
  }
  if (sub === 'reset' && flag(args, /^--hard$/)) return `discard all local changes (git reset --hard${pos[1] ? ` ${pos[1]}` : ''})`;
  if (sub === 'clean' && flag(args, /^-[a-zA-Z]*f/)) return 'delete untracked files (git clean)';
  if (sub === 'branch' && flag(args, /^-D$|^--delete$/) && pos[1]) return `delete the branch ${pos[1]}`;
  if (sub === 'checkout' && pos[1] === '.') return 'discard uncommitted changes (git checkout .)';
  if (sub === 'rebase') return `rebase onto ${pos[1] ?? 'another branch'}`;
  if (sub === 'commit') return 'make a git commit';
  return null;
}

const TRIVIAL = /^(?:cd|echo|printf|true|export|set|pwd|ls|cat|sleep)$/;

function shellCommandPhrase(command: string): string {
  const parts = splitCommands(command);
  const phrases = parts.map((p, i) => shellPhrase(p, i > 0 ? parts[i - 1]! : null));
  // A download piped into a shell outranks everything else in the line, and is one step, not two.
  const piped = phrases.findIndex((p) => p !== null && /\band run it\b|piped into a shell/.test(p));
  const at = piped >= 0 ? piped : phrases.findIndex((p) => p !== null);
  const meaningful = parts.filter((p) => !TRIVIAL.test(argv(p)[0] ?? '')).length - (piped >= 0 ? 1 : 0);
  if (at < 0) return `run \`${shorten(command, 64)}\``;
  const chosen = phrases[at]!;
  return meaningful > 1 ? `${chosen} (in a chain of ${meaningful} commands)` : chosen;
}

// ---------------------------------------------------------------- database

function sqlPhrase(sql: string, target: string | null): string {
  const s = sql.trim().replace(/\s+/g, ' ');
  const table = (re: RegExp) => re.exec(s)?.[1]?.replace(/[`"[\]]/g, '') ?? null;
  const on = (t: string | null) => target ?? t ?? 'a database';
  if (/^delete\b/i.test(s)) {
    const t = table(/^delete\s+from\s+([\w."`[\]]+)/i);
    return /\bwhere\b/i.test(s) ? `delete rows from ${on(t)}` : `delete every row of ${on(t)}`;
  }
  if (/^drop\s+(table|database|schema|index|view)\b/i.test(s)) {
    const kind = /^drop\s+(\w+)/i.exec(s)![1]!.toLowerCase();
    const t = table(/^drop\s+\w+\s+(?:if\s+exists\s+)?([\w."`[\]]+)/i);
    return `drop the ${kind} ${t ?? on(null)}`;
  }
  if (/^truncate\b/i.test(s)) return `empty ${on(table(/^truncate\s+(?:table\s+)?([\w."`[\]]+)/i))}`;
  if (/^update\b/i.test(s)) {
    const t = table(/^update\s+([\w."`[\]]+)/i);
    return /\bwhere\b/i.test(s) ? `update rows in ${on(t)}` : `update every row of ${on(t)}`;
  }
  if (/^insert\b/i.test(s)) return `insert rows into ${on(table(/^insert\s+into\s+([\w."`[\]]+)/i))}`;
  if (/^alter\b/i.test(s)) return `change the structure of ${on(table(/^alter\s+table\s+([\w."`[\]]+)/i))}`;
  if (/^(select|with|show|explain)\b/i.test(s)) return `read from ${on(table(/\bfrom\s+([\w."`[\]]+)/i))}`;
  if (/^grant|^revoke/i.test(s)) return `change database permissions on ${on(null)}`;
  return `run SQL on ${on(null)}`;
}

function rowsPrefix(a: HeadlineInput, phrase: string): string {
  const rows = a.context?.estimated_rows;
  if (typeof rows !== 'number' || !Number.isFinite(rows) || rows <= 0) return phrase;
  const n = Math.round(rows).toLocaleString('en-US');
  return phrase.replace(/^(delete|update) rows (from|in)/, `$1 about ${n} rows $2`);
}

function databasePhrase(a: HeadlineInput, words: string[]): string {
  const target = a.resource ? shorten(a.resource) : (a.target_system ?? null);
  const sql = param(a, 'sql', 'query', 'statement');
  if (sql) return rowsPrefix(a, sqlPhrase(sql, target));
  const where = target ?? 'a database';
  if (has(words, 'delete', 'deletes', 'remove')) return rowsPrefix(a, `delete rows from ${where}`);
  if (has(words, 'drop')) return `drop ${where}`;
  if (has(words, 'truncate')) return `empty ${where}`;
  if (has(words, 'update', 'write', 'upsert')) return rowsPrefix(a, `update rows in ${where}`);
  if (has(words, 'insert', 'create')) return `insert rows into ${where}`;
  if (has(words, 'migrate', 'migration')) return `run a migration on ${where}`;
  if (has(words, 'read', 'select', 'query', 'get', 'list')) return `read from ${where}`;
  return `change ${where}`;
}

// ---------------------------------------------------------------- files, http, money, infra

function filePhrase(a: HeadlineInput, words: string[]): string {
  const path = a.resource ?? param(a, 'file_path', 'path', 'filename', 'target');
  const p = path ? shorten(path) : 'a file';
  if (has(words, 'delete', 'remove', 'rm', 'unlink')) return `delete ${p}`;
  if (has(words, 'move', 'rename', 'mv')) {
    const to = param(a, 'destination', 'to', 'new_path');
    return `move ${p}${to ? ` to ${shorten(to, 48)}` : ''}`;
  }
  if (has(words, 'read', 'open', 'view', 'cat', 'list', 'glob', 'grep', 'search')) return `read ${p}`;
  if (has(words, 'edit', 'patch', 'update', 'modify', 'replace')) return `edit ${p}`;
  if (has(words, 'create', 'new')) return `create ${p}`;
  if (has(words, 'chmod', 'permission', 'permissions')) return `change the permissions of ${p}`;
  return `write to ${p}`;
}

function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return u.host || url;
  } catch {
    return shorten(url, 48);
  }
}

function httpPhrase(a: HeadlineInput, words: string[]): string {
  const url = a.resource ?? param(a, 'url', 'endpoint', 'uri');
  const fromType = ['get', 'post', 'put', 'patch', 'delete', 'head'].find((m) => words.includes(m));
  const method = (param(a, 'method') ?? fromType ?? 'get').toUpperCase();
  if (!url) return method === 'GET' ? 'fetch a web page' : `send a ${method} request`;
  if (method === 'GET' || method === 'HEAD') return `fetch ${shorten(url)}`;
  const u = (() => {
    try {
      const p = new URL(url);
      return shorten(`${p.host}${p.pathname === '/' ? '' : p.pathname}`);
    } catch {
      return shorten(url);
    }
  })();
  return `send a ${method} request to ${u}`;
}

/** Stripe's zero-decimal currencies: their amounts are whole units already. */
const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);

/**
 * The amount as the person should read it. Stripe amounts are integers in the smallest unit
 * (12900 usd is $129.00), so a Stripe action's amount is converted; any other is shown as given.
 */
function money(a: HeadlineInput): string | null {
  const amount = param(a, 'amount', 'value', 'total');
  if (!amount) return null;
  const currency = param(a, 'currency')?.toLowerCase() ?? null;
  const stripe = /stripe/i.test([a.action_type, a.resource, a.target_system, a.tool_name].filter(Boolean).join(' '));
  if (stripe && currency && /^\d+$/.test(amount) && !ZERO_DECIMAL.has(currency)) {
    return `${(Number(amount) / 100).toFixed(2)} ${currency.toUpperCase()}`;
  }
  return `${amount}${currency ? ` ${currency.toUpperCase()}` : ''}`;
}

function paymentPhrase(a: HeadlineInput, words: string[]): string {
  const amt = money(a);
  const where = a.resource ? ` on ${shorten(a.resource, 56)}` : a.target_system ? ` through ${a.target_system}` : '';
  const of = amt ? ` of ${amt}` : '';
  if (hasPart(words, 'refund')) return `issue a refund${of}${where}`;
  if (hasPart(words, 'transfer', 'payout')) return `transfer money${of}${where}`;
  if (hasPart(words, 'charge')) return `charge a customer${of}${where}`;
  return `make a payment${of}${where}`;
}

function infraPhrase(a: HeadlineInput, words: string[]): string {
  const target = a.resource ? shorten(a.resource) : (a.target_system ?? a.environment ?? null);
  const on = target ? ` to ${target}` : '';
  if (has(words, 'destroy', 'delete', 'teardown')) return `destroy infrastructure${target ? ` (${target})` : ''}`;
  if (has(words, 'deploy', 'release', 'rollout')) {
    const env = a.environment && a.environment !== target ? ` to ${a.environment}` : '';
    return `deploy ${target ?? 'a release'}${env}`;
  }
  if (has(words, 'scale')) return `scale ${target ?? 'a service'}`;
  if (has(words, 'rollback')) return `roll back ${target ?? 'a release'}`;
  if (has(words, 'terraform', 'tofu')) return `apply Terraform changes${on}`;
  return `change infrastructure${on}`;
}

function mcpPhrase(a: HeadlineInput): string {
  const server = a.mcp?.server_id ?? a.target_system ?? null;
  const tool = a.mcp?.tool ?? a.tool_name ?? null;
  const arg = param(a, 'path', 'file_path', 'url', 'query', 'command', 'name');
  const what = tool ? `call ${tool}` : 'call a tool';
  return `${what}${server ? ` on MCP server ${server}` : ''}${arg ? ` (${shorten(arg, 48)})` : ''}`;
}

function genericPhrase(a: HeadlineInput): string {
  const on = a.resource ? ` on ${shorten(a.resource)}` : a.target_system ? ` on ${a.target_system}` : '';
  return `perform ${a.action_type}${on}`;
}

// ---------------------------------------------------------------- the rules

type Family = 'shell' | 'database' | 'file' | 'http' | 'payment' | 'mcp' | 'infra' | 'email' | 'secrets' | 'generic';

/** Which family of rules an action belongs to (first match wins; order matters). */
export function familyOf(a: HeadlineInput): Family {
  const w = typeWords(a.action_type);
  const tool = (a.tool_name ?? '').toLowerCase();
  if (a.mcp || w[0] === 'mcp') return 'mcp';
  if (hasPart(w, 'payment', 'refund', 'transfer', 'charge', 'payout', 'stripe', 'invoice')) return 'payment';
  if (has(w, 'shell', 'bash', 'exec', 'execute', 'command', 'terminal', 'sh', 'run') || tool === 'bash') {
    if (!has(w, 'database', 'db', 'sql') && !has(w, 'deploy', 'terraform', 'infrastructure')) return 'shell';
  }
  if (has(w, 'database', 'db', 'sql', 'postgres', 'postgresql', 'mysql', 'sqlite', 'mongo', 'mongodb', 'redis', 'table', 'query'))
    return 'database';
  if (has(w, 'infrastructure', 'infra', 'terraform', 'tofu', 'deploy', 'deployment', 'kubernetes', 'k8s', 'helm', 'cloudformation'))
    return 'infra';
  if (has(w, 'file', 'files', 'fs', 'filesystem', 'path', 'directory', 'dir') || /^(write|edit|read|multiedit|notebookedit)$/.test(tool))
    return 'file';
  if (has(w, 'http', 'https', 'fetch', 'request', 'webhook', 'api', 'web', 'url')) return 'http';
  if (has(w, 'email', 'mail', 'smtp')) return 'email';
  if (has(w, 'secret', 'secrets', 'credential', 'credentials', 'vault', 'iam', 'permission', 'permissions', 'role')) return 'secrets';
  return 'generic';
}

function phraseOf(a: HeadlineInput): string {
  const w = typeWords(a.action_type);
  switch (familyOf(a)) {
    case 'shell': {
      const command = param(a, 'command', 'cmd', 'script') ?? a.resource ?? null;
      return command ? shellCommandPhrase(command) : 'run a shell command';
    }
    case 'database':
      return databasePhrase(a, w);
    case 'file':
      return filePhrase(a, w);
    case 'http':
      return httpPhrase(a, w);
    case 'payment':
      return paymentPhrase(a, w);
    case 'mcp':
      return mcpPhrase(a);
    case 'infra':
      return infraPhrase(a, w);
    case 'email': {
      const to = param(a, 'to', 'recipient') ?? a.resource;
      return `send an email${to ? ` to ${shorten(to, 56)}` : ''}`;
    }
    case 'secrets': {
      const what = a.resource ? shorten(a.resource) : null;
      if (has(w, 'read', 'get', 'list')) return `read the secret ${what ?? ''}`.trim();
      if (has(w, 'iam', 'permission', 'permissions', 'role', 'grant', 'policy')) return `change permissions${what ? ` on ${what}` : ''}`;
      return `change the secret ${what ?? ''}`.trim();
    }
    default:
      return genericPhrase(a);
  }
}

/**
 * What an action acts on, for a list: its `resource`, else what its parameters name (a shell
 * command, a path, a URL, a query: SPEC 2.1 lists them as resources), marked as such.
 */
export function subjectOf(a: HeadlineInput): { text: string; from: 'resource' | `parameters.${string}` } | null {
  if (a.resource) return { text: a.resource, from: 'resource' };
  for (const k of SUBJECT_PARAMS) {
    const raw = a.parameters?.[k];
    // A command sent as its argument vector (`["rm", "-rf", "build"]`) reads as the line it runs.
    const v = Array.isArray(raw) && raw.every((x) => typeof x === 'string') ? str(raw.join(' ')) : str(raw);
    if (v) return { text: v, from: `parameters.${k}` };
  }
  return null;
}

const SUBJECT_PARAMS = ['command', 'cmd', 'script', 'path', 'file_path', 'url', 'sql', 'query'];

const PROD = /^(?:prod|production|live)$/i;

/**
 * A shell command in the parameters of an action that does not say it runs one (a `file.read`
 * carrying `command: rm -rf ~/`): the headline must not read as harmless while the request holds it.
 */
function strayCommand(a: HeadlineInput): string | null {
  if (familyOf(a) === 'shell') return null;
  const command = param(a, 'command', 'cmd', 'script');
  return command ? ` — its parameters also hold the command \`${shorten(command, 48)}\`` : null;
}

/** What the agent wants to do, without the agent: "force-push main to origin". */
export function actionPhrase(a: HeadlineInput): string {
  let phrase = shorten(phraseOf(a), MAX_PHRASE);
  if (a.environment && PROD.test(a.environment) && !/\bprod/i.test(phrase)) phrase = `${phrase} in production`;
  return `${phrase}${strayCommand(a) ?? ''}`;
}

/** The whole headline: "claude-code wants to force-push main to origin". */
export function headline(a: HeadlineInput): string {
  return `${a.agent_id} wants to ${actionPhrase(a)}`;
}
