/**
 * The one secrets catalogue (SPEC 2.4 "secrets in parameters", and the rule that secrets are masked
 * before anything is stored, sent or shown). The risk detector, the server-side redactor and the
 * console's mask all read this list, so whatever raises the `secrets` factor is also masked, with
 * the same lengths and boundaries everywhere.
 *
 * Every pattern is a plain JavaScript regular expression built to run in linear time: no nested
 * quantifiers, each quantified run is a single character class that the next token cannot also
 * match (so a failed match never re-tries a run), alternations are of fixed words, and the only
 * lookarounds look at one character. Inputs are bounded by the API's 1 MiB body limit. The
 * catalogue's tests time each pattern on adversarial 1 MiB inputs.
 */

import { isWhiteSpace } from './white-space.js';

export interface SecretKind {
  /** Stable name (`github-token`), used in tests. */
  readonly id: string;
  /** What the risk factor says it found; never the secret itself. */
  readonly detail: string;
  /**
   * Global pattern with three groups: 1 what stays readable (the public prefix such as `ghp_`, or
   * `password=`), 2 the secret itself (masked), 3 what follows and stays (often empty).
   */
  readonly re: RegExp;
  /** A cheap test that must pass before `re` runs (literals the secret always comes with). */
  readonly hint: (text: string) => boolean;
  /** An extra test of the secret (group 2) for patterns that need more than a regex can say linearly. */
  readonly accept?: (secret: string) => boolean;
  /**
   * Where a plain scan finds it faster than `re` would (same matches): `[start, end)` of each
   * secret, nothing kept around it.
   */
  readonly scan?: (text: string) => [number, number][];
  /** Its `hint` is checked on every text; the others only once the catalogue's common hint matched. */
  readonly ownHint?: boolean;
}

/** Not preceded by a letter or digit (`_` and `-` do not hide a token that follows them). */
const START = '(?<![A-Za-z0-9])';

function kind(
  id: string,
  detail: string,
  hint: RegExp | ((text: string) => boolean),
  keep: string,
  secret: string,
  o: { tail?: string; flags?: string; start?: string; ownHint?: boolean } = {},
): SecretKind {
  const test = typeof hint === 'function' ? hint : (t: string) => hint.test(t);
  return {
    id,
    detail,
    hint: test,
    ownHint: o.ownHint,
    re: new RegExp(`${o.start ?? START}(${keep})(${secret})(${o.tail ?? ''})`, `g${o.flags ?? ''}`),
  };
}

const isBase64Char = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 /* + */ || c === 47; /* / */

/**
 * Runs of exactly 40 base64 characters with no `=` on either side: what the bare AWS pattern
 * matches. Any 40 characters in a row hold one position of a stride of 40, so only every 40th
 * character is looked at until one is base64; then the run around it is measured, and the stride
 * goes on after it. Text with no long runs (prose, spaces, JSON) costs about a fortieth of a pass.
 */
function base64Runs40(text: string): [number, number][] {
  const out: [number, number][] = [];
  const n = text.length;
  for (let i = 39; i < n;) {
    if (!isBase64Char(text.charCodeAt(i))) {
      i += 40;
      continue;
    }
    let a = i;
    while (a > 0 && isBase64Char(text.charCodeAt(a - 1))) a--;
    let b = i + 1;
    while (b < n && isBase64Char(text.charCodeAt(b))) b++;
    if (b - a === 40 && text.charCodeAt(b) !== 61 && (a === 0 || text.charCodeAt(a - 1) !== 61)) out.push([a, b]);
    // A later run starts after b: b + 40 is the first point of the stride it can hold.
    i = b + 40;
  }
  return out;
}

/** Key names whose value is a secret (`password=…`, `"api_key": "…"`, `client_secret: …`). */
const SECRET_WORD = '(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)';
const SECRET_NAME = `[A-Za-z0-9_-]{0,24}${SECRET_WORD}`;
const SECRET_NAME_RE = new RegExp(
  `^${SECRET_NAME}$|^(?:proxy-)?authorization$|^credentials?$|^[A-Za-z0-9]{1,24}[_-]pass$|^(?:[A-Za-z0-9]{1,24}[_-])?passphrase$|^[A-Za-z0-9]{1,24}[_-]pwd$|^(?:set-)?cookie$`,
  'i',
);

const PEM_LABEL = '[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?';

/** Key names that hold a secret only some of the time (`PWD` is the working directory, `auth: none`, `pass: 12` a count). */
const WEAK_SECRET_NAME_RE = /^(?:auth|pwd|pass)$/i;

/** Values of a weak key or a flag that are not secrets: references, paths, placeholders, numbers and settings. */
const NOT_A_SECRET = new Set([
  'true',
  'false',
  'null',
  'none',
  'yes',
  'no',
  'on',
  'off',
  'required',
  'optional',
  'enabled',
  'disabled',
  'basic',
  'bearer',
  'digest',
  'token',
  'password',
  'oauth',
  'oauth2',
  'jwt',
  'ldap',
  'saml',
  'oidc',
  'sso',
  'anonymous',
]);

/**
 * True when `s`, found after a weak key (`pass=`, `pwd=`, `auth:`) or a flag (`--token`), can be
 * a secret: not the next flag (`-…`), a variable or code (`$…`, `{{…}}`, `%…%`, a backquote,
 * `call(…)`, `a.b`), a path (`/`, `~`, `.`, `C:\`), a placeholder (`<…>`), a plain number or a
 * setting word (`auth: none`).
 */
function plausibleSecret(s: string): boolean {
  const c = s[0];
  if (c === '-' || c === '$' || c === '/' || c === '~' || c === '.' || c === '<' || c === '{' || c === '%' || c === '\\' || c === '`')
    return false;
  if (/^[A-Za-z]:[\\/]/.test(s) || /^[0-9]+$/.test(s) || /[<(]/.test(s)) return false;
  if (/^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+[;,)]*$/.test(s)) return false;
  return !NOT_A_SECRET.has(s.replace(/[^A-Za-z0-9]+$/, '').toLowerCase());
}

/**
 * A command's words before one of its flags: up to 24 words of at most 256 characters, each
 * after 1-5 blanks, that stop at the command's end (`;`, `|`, `&`, a line break). The one bounded
 * repeat of the catalogue (a word cannot hold the blank that starts the next one, so a start
 * reads each of its words once); the kinds that use it find their secrets with a linear scan
 * instead ({@link clientFlagScan}), and their pattern says what the scan finds.
 */
const WORDS_BEFORE = '(?:[ \\t]{1,5}[^\\s;|&]{1,256}){0,24}?[ \\t]{1,5}';

/** A flag's name (`--password`, `--db-pass`, `--client-secret`, `--auth-token`): any one-word prefix but `no-` (`--no-password db`). */
const FLAG_PREFIX = '(?:(?:[a-mo-z0-9][a-z0-9]{0,15}|n|n[a-np-z0-9][a-z0-9]{0,14}|no[a-z0-9]{1,14})[-_])?';
const FLAG_WORD = '(?:password|passwd|passphrase|pass|pwd|secret|token|auth|api-?key|access-?key|secret-?key)';

/** Each blank-or-equals-separated value after a flag (`--token abc`, `--user=u:p`). */
const FLAG_VALUE_SEP = '(?:[ \\t]{1,5}|=)["\']?';

/** Where the run of at most `max` blanks (`[ \\t]`) from `at` ends. */
function blanksEnd(text: string, at: number, max: number): number {
  const end = Math.min(text.length, at + max);
  let i = at;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

/** Where the command's word (`[^\\s;|&]`) from `at` ends, reading at most `max` characters. */
function wordEnd(text: string, at: number, max: number): number {
  const end = Math.min(text.length, at + max);
  let i = at;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 59 /* ; */ || c === 124 /* | */ || c === 38 /* & */ || isWhiteSpace(c)) break;
    i++;
  }
  return i;
}

/**
 * The secrets `re` of a {@link clientFlag} finds (the same ones), in one pass: `re` reads up to 24
 * words from every client name on, so text full of client names costs it 24 times its length. The
 * scan reads each word once: it goes on while some client name it met is at most 24 words back,
 * and stops at the command's end. Every flag starts with `-`, so only words that do are tried.
 */
function clientFlagScan(names: string, flag: string, secret: string): (text: string) => [number, number][] {
  const nameRe = new RegExp(`(?<![A-Za-z0-9_-])(?:${names})(?=[ \\t])`, 'g');
  const flagRe = new RegExp(`(?:${flag})(${secret})`, 'y');
  return (text) => {
    const out: [number, number][] = [];
    const n = text.length;
    /** The end of the next client name that starts at or after `at` (n + 1: none). */
    const nameEnd = (at: number): number => {
      nameRe.lastIndex = at;
      return nameRe.test(text) ? nameRe.lastIndex : n + 1;
    };
    let nextName = nameEnd(0);
    while (nextName <= n) {
      let pos = nextName;
      nextName = nameEnd(pos);
      // Words read since the first name; `from`: that count at the name now in effect; `later`:
      // the count at each name read since (a name ends a word: it is followed by a blank).
      let words = 0;
      let from = 0;
      const later: number[] = [];
      let next = 0;
      let stop: number;
      for (;;) {
        const q = blanksEnd(text, pos, 6);
        if (q === pos || q - pos > 5) {
          stop = pos;
          break;
        }
        if (text.charCodeAt(q) === 45 /* - */) {
          flagRe.lastIndex = q;
          const f = flagRe.exec(text);
          if (f) {
            const end = q + f[0].length;
            out.push([end - f[1]!.length, end]);
            stop = end;
            break;
          }
        }
        if (words - from === 24) {
          if (next === later.length) {
            stop = q;
            break;
          }
          from = later[next++]!;
        }
        const e = wordEnd(text, q, 257);
        if (e === q || e - q > 256) {
          stop = q;
          break;
        }
        pos = e;
        words++;
        while (nextName <= pos) {
          if (nextName === pos) later.push(words);
          nextName = nameEnd(nextName);
        }
      }
      // The search goes on from `stop`: a name that starts before it is not one.
      nextName = nameEnd(stop);
    }
    return out;
  };
}

/**
 * A password given to client `names` as `flag` (its own pattern ends where the secret starts),
 * within the same command: up to 24 words after the client's name.
 */
function clientFlag(id: string, detail: string, hint: RegExp, names: string, flag: string, secret = '[^\\s"\'&;|]{1,256}'): SecretKind {
  return {
    ...kind(id, detail, hint, `(?:${names})${WORDS_BEFORE}${flag}`, secret, { start: '(?<![A-Za-z0-9_-])' }),
    accept: plausibleSecret,
    scan: clientFlagScan(names, flag, secret),
  };
}

/** A weak key's value after `sep`: the one kind with `=` and the one with `:` differ in what they accept. */
function weakKey(sep: '=' | ':', accept: (secret: string) => boolean): SecretKind {
  // The usual schemes (`Basic`, `Token`) stay readable; another word before the value is masked
  // with it (`Splunk <token>`: a scheme, or a secret of letters followed by a word?).
  const scheme = '(?:basic|bearer|digest|token|negotiate|ntlm|apikey)[ \\t]{1,5}';
  // `=` with nothing around it (`PASS=…`, `?auth=…`; `const auth = useAuth()` is code), but for
  // .npmrc's `_auth = …`. After `:` a quoted value or a scheme (`"pass": "…"`, `auth: Basic …`;
  // `auth: AuthState` is code), but for the Authorization header.
  const to =
    sep === '='
      ? `(?:(?:pass(?:phrase)?|pwd|auth|(?:proxy-)?authorization)["']?=|_auth[ \\t]{0,3}=[ \\t]{0,3})["']?(?:${scheme})?`
      : `(?:(?:pass(?:phrase)?|pwd|auth)["']?[ \\t]{0,3}:[ \\t]{0,3}(?:["'](?:${scheme})?|${scheme})|(?:proxy-)?authorization["']?[ \\t]{0,3}:[ \\t]{0,3}["']?(?:${scheme})?)`;
  return {
    ...kind(
      `weak-key-${sep === '=' ? 'assignment' : 'field'}`,
      `secret assigned to a key (pass${sep}, pwd${sep}, auth${sep}, Authorization${sep})`,
      /[pP](?:ass|ASS|wd|WD)|[aA](?:uth|UTH)/,
      to,
      '(?:[A-Za-z]{1,20}[ \\t]{1,5})?[^\\s"\'&,;]{4,}',
      { flags: 'i' },
    ),
    accept,
  };
}

export const SECRET_KINDS: readonly SecretKind[] = [
  kind('aws-access-key-id', 'AWS access key id', /AKIA|ASIA/, 'AKIA|ASIA', '[A-Z0-9]{16}'),
  // The block runs to its END line, or to the end of the string (or of the JSON string holding it).
  kind('private-key', 'private key block', /PRIVATE KEY/, `-----BEGIN ${PEM_LABEL}-----`, `[^"]*?-----END ${PEM_LABEL}-----|[^"]*`, {
    start: '',
  }),
  kind('github-token', 'GitHub token (ghp_)', /ghp_/, 'ghp_', '[A-Za-z0-9]{20,}'),
  kind('github-oauth', 'GitHub OAuth token (gho_)', /gho_/, 'gho_', '[A-Za-z0-9]{20,}'),
  kind('github-app-token', 'GitHub token (ghu_/ghs_/ghr_)', /gh[usr]_/, 'gh[usr]_', '[A-Za-z0-9]{20,}'),
  kind('github-pat', 'GitHub token (github_pat_)', /github_pat_/, 'github_pat_', '[A-Za-z0-9_]{20,}'),
  kind('slack-token', 'Slack token (xoxb-/xoxp-)', /xox[bp]-/, 'xox[bp]-', '[A-Za-z0-9-]{10,}'),
  kind('slack-other-token', 'Slack token (xoxa-/xoxo-/xoxs-/xoxr-)', /xox[aosr]-/, 'xox[aosr]-', '[A-Za-z0-9-]{10,}'),
  kind('stripe-live', 'Stripe live key (sk_live_)', /sk_live_/, 'sk_live_', '[A-Za-z0-9]{10,}'),
  kind('stripe-other', 'Stripe key (rk_live_/sk_test_/rk_test_)', /k_live_|k_test_/, 'rk_live_|[sr]k_test_', '[A-Za-z0-9]{10,}'),
  kind('api-key-sk', 'API key (sk-)', /sk-/, 'sk-', '[A-Za-z0-9_-]{20,}'),
  kind('gitlab-token', 'GitLab token (glpat-)', /glpat-/, 'glpat-', '[A-Za-z0-9_-]{20,}'),
  kind('google-api-key', 'Google API key (AIza)', /AIza/, 'AIza', '[0-9A-Za-z_-]{35}'),
  kind('gatehouse-key', 'Gatehouse key (gk_agent_/gk_admin_)', /gk_a[dg]/, 'gk_agent_|gk_admin_', '[A-Za-z0-9_-]{8,}'),
  kind('jwt', 'JSON Web Token', /eyJ/, 'eyJ', '[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]*'),
  // scheme://user:password@host — the password only (redis://:password@ too).
  kind(
    'url-credentials',
    'password in a URL',
    (t) => t.includes('://') && t.includes('@'),
    '[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\\s:/@"\'<>]{0,256}:',
    '[^\\s:/@"\'<>]{1,256}',
    {
      tail: '(?=@)',
      ownHint: true,
      start: '(?<![A-Za-z0-9+.-])',
    },
  ),
  kind('bearer-token', 'bearer token', /bearer/i, 'Bearer[ \\t]{1,5}', '[A-Za-z0-9._~+/=-]{8,}', { flags: 'i' }),
  kind(
    'aws-secret-access-key',
    'AWS secret access key',
    /access_?key/i,
    `(?:aws_?)?secret_?access_?key["']?[ \\t]{0,3}[:=][ \\t]{0,3}["']?`,
    '[A-Za-z0-9/+]{40}',
    { flags: 'i', start: '(?<![A-Za-z0-9_])' },
  ),
  kind(
    'secret-assignment',
    'secret assigned to a key (password=, token:, api_key=)',
    /passw|secret|token|key/i,
    // From the secret word on (whatever prefixes it: `client_secret`, `DB_PASSWORD`), so that the
    // search starts on a literal rather than at every identifier.
    `${SECRET_WORD}["']?[ \\t]{0,3}[:=][ \\t]{0,3}["']?`,
    '[^\\s"\'&,;]{4,}',
    { flags: 'i', start: '' },
  ),
  // `pass=`, `"db_pass": "…"`, `passphrase=`, `MYSQL_PWD=`, `auth=`, `_auth = …` (.npmrc) and
  // `Authorization: Basic …`, `Authorization: Splunk …` (Bearer has its own kind). Not `bypass=`,
  // `oauth=`, `passport=`, `PWD=/home/me` (a path), `auth: none`, `tests pass`; after a colon, not
  // lowercase words either (`auth: failed to connect` is prose; `pass=hunter` is not).
  weakKey('=', plausibleSecret),
  weakKey(':', (s) => plausibleSecret(s) && !/^[a-z]+(?:[ \t]+[a-z]+)?$/.test(s)),
  {
    // A flag with its value after a blank or `=`: `--password hunter2`, `--token abc`,
    // `--client-secret …`, `--api-key …`, `--db-pass …`. Not `--password-file path`,
    // `--password-stdin`, `--no-password db`, `--token $TOKEN`, `--secret ./file`.
    ...kind(
      'secret-flag',
      'secret given as a command-line flag (--password, --token, --api-key)',
      (t) => t.includes('--'),
      `--${FLAG_PREFIX}${FLAG_WORD}${FLAG_VALUE_SEP}`,
      '[^\\s"\'&;|]{4,}',
      { flags: 'i' },
    ),
    accept: plausibleSecret,
  },
  // A password a client takes as a flag, read from the client's name on and only in the same
  // command: `mysql -u root -phunter2` (attached: `mysql -p db` prompts and names the database),
  // `sshpass -p pw ssh …`, `redis-cli -a pw`, `mongosh -u u -p pw`, `curl -u user:pw` (the password
  // only). `mkdir -p build`, `git log -p`, `cp -pr a b`, `docker run -u 1000:1000`, `rsync -u
  // host:dir` are left alone.
  clientFlag('mysql-password-flag', 'password given to mysql (-p…)', /mysql|mariadb/, '(?:mysql|mariadb)[A-Za-z_.-]{0,16}', `-p["']?`),
  clientFlag('sshpass-password', 'password given to sshpass (-p)', /sshpass/, 'sshpass', `-p[ \\t]{0,5}["']?`),
  clientFlag('redis-cli-password', 'password given to redis-cli (-a)', /redis-cli/, 'redis-cli', `-a[ \\t]{1,5}["']?`),
  clientFlag(
    'mongo-password',
    'password given to the mongo shell or tools (-p)',
    /mongo/,
    'mongo(?:sh|dump|restore|import|export)?',
    `-p[ \\t]{1,5}["']?`,
  ),
  clientFlag(
    'curl-user',
    'password in curl -u user:password',
    /curl/,
    'curl',
    `(?:-u|--user)${FLAG_VALUE_SEP}[^\\s:@"'$]{1,128}:`,
    '[^\\s"\'@]{1,256}',
  ),
  {
    // The value of a `Cookie:` or `Set-Cookie:` header (to the end of the line or the quote), or of
    // curl's `--cookie name=value`: a `name=` first (`--cookie jar.txt` is a file, `cookie: string`
    // and a template literal are code).
    ...kind(
      'cookie',
      'cookie header',
      /ookie|OOKIE/,
      `(?:(?:set-)?cookie["']?[ \\t]{0,3}:[ \\t]{0,3}["']?|--cookie${FLAG_VALUE_SEP})`,
      '[^\\s=;,"\'`\\\\]{1,128}=[^\\r\\n"\'\\\\]{1,}',
      { flags: 'i' },
    ),
  },
  {
    // A bare AWS secret access key: exactly 40 base64 characters, mixed case with a digit and a
    // `/` or `+`, and not a path (which starts with `/` or has many segments).
    ...kind(
      'aws-secret-access-key-bare',
      'AWS secret access key',
      (t) => t.length >= 40 && (t.includes('/') || t.includes('+')),
      '',
      '[A-Za-z0-9/+]{40}',
      {
        start: '(?<![A-Za-z0-9/+=])',
        tail: '(?![A-Za-z0-9/+=])',
        ownHint: true,
      },
    ),
    accept: (s) => /[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s) && /[/+]/.test(s) && s[0] !== '/' && s.split('/').length <= 4,
    scan: base64Runs40,
  },
];

const OWN_HINT = SECRET_KINDS.filter((k) => k.ownHint);

/** One pass that rules out every kind without an own hint (URL passwords and bare AWS keys check theirs). */
// Case-sensitive literals only (a case-insensitive alternation is many times slower); the words the
// case-insensitive patterns start from are listed in their usual casings, each by a part of it that
// the others imply (`ass` for pass, Pass, password, sshpass; `ASS` for PASS; `wd`/`WD`/`Wd` for pwd,
// Pwd, PWD; `uth`/`UTH` for auth and Authorization; `ysql`, `ariadb`, `ongo`, `edis-cli`, `url` for the
// clients mysql, mariadb, mongo, redis-cli, curl; a flag's word for `--password`, `--token`…).
// Factored by first letter, and no branch starts with a letter shell text is full of (`r`, `m`, `c`,
// `p`, `-`): V8 skips ahead to the next position that can start a branch, so `rm -f rm -f …` is
// skipped through (with `m(?:ysql…)`, `redis-cli`, `curl` and `--` as branches it was read letter by
// letter: 0.15 → 4.3 ms a MiB, on every request that carries one).
const HINT =
  /A(?:KIA|SIA|Iza|SS|uth|UTH)|PRIVATE KEY|g(?:h[pousr]_|ithub_pat_|lpat-|k_a[dg])|xox[abposr]-|k_(?:live|test)_|sk-|e(?:y|arer|cret|dis-cli)|E(?:Y|ARER|CRET)|a(?:ss|uth|UTH|riadb)|o(?:ken|okie|ngo)|O(?:KEN|OKIE)|W[Dd]|wd|ysql|url/;

/** The kinds worth running on `text`: a cheap filter in front of the patterns. */
function candidates(text: string): SecretKind[] {
  const out: SecretKind[] = [];
  for (const k of HINT.test(text) ? SECRET_KINDS : OWN_HINT) if (k.hint(text)) out.push(k);
  return out;
}

/** What a mask already left (this one, the console's dots, 0.1's private-key note): not masked again. */
const alreadyMasked = (secret: string): boolean =>
  secret.startsWith('…[redacted]') || secret.startsWith('•') || secret.startsWith(' [redacted');

const accepts = (k: SecretKind, secret: string): boolean => !alreadyMasked(secret) && (!k.accept || k.accept(secret));

/** True when kind `k` finds a secret in `text` (its hint already passed). */
function finds(k: SecretKind, text: string): boolean {
  if (k.scan) return k.scan(text).some(([a, b]) => accepts(k, text.slice(a, b)));
  k.re.lastIndex = 0;
  for (let m = k.re.exec(text); m; m = k.re.exec(text)) {
    if (m[0].length === 0) k.re.lastIndex++;
    else if (accepts(k, m[2]!)) return true;
  }
  return false;
}

/** The detail of the first kind of secret found in `text`, or null. On the decision path: no allocation for ordinary text. */
export function findSecret(text: string): string | null {
  const known = prepared?.get(text);
  if (known) return known.detail;
  for (const k of HINT.test(text) ? SECRET_KINDS : OWN_HINT) if (k.hint(text) && finds(k, text)) return k.detail;
  return null;
}

/** How the server marks a masked secret: the readable prefix stays, the secret becomes this. */
export const REDACTED = '…[redacted]';

const serverMask = (keep: string): string => `${keep}${REDACTED}`;

/**
 * `text` with every secret of the catalogue replaced: `mask(prefix, kind)` gives what stands in
 * for the secret (default: the prefix, then `…[redacted]`). Text without secrets is returned as is.
 */
export function maskSecrets(text: string, mask: (keep: string, kind: SecretKind) => string = serverMask): string {
  if (mask === serverMask) {
    const known = prepared?.get(text);
    if (known) return known.masked;
  }
  return masked(text, mask).text;
}

/** `text` masked, and the first kind that found a secret in it (null: none, and `text` is returned as is). */
function masked(text: string, mask: (keep: string, kind: SecretKind) => string): { text: string; first: SecretKind | null } {
  let out = text;
  let first: SecretKind | null = null;
  for (const k of candidates(text)) {
    const before = out;
    if (k.scan) {
      let pieces = '';
      let at = 0;
      for (const [a, b] of k.scan(out)) {
        if (!accepts(k, out.slice(a, b))) continue;
        pieces += `${out.slice(at, a)}${mask('', k)}`;
        at = b;
      }
      out = at === 0 ? out : pieces + out.slice(at);
    } else {
      out = out.replace(k.re, (whole: string, keep: string, secret: string, tail: string) =>
        accepts(k, secret) ? `${mask(keep, k)}${tail}` : whole,
      );
    }
    first ??= out === before ? null : k;
  }
  return { text: out, first };
}

/** What the catalogue makes of one text: the server's mask of it, and what `findSecret` says of it. */
export interface SecretScan {
  masked: string;
  detail: string | null;
}

/**
 * `{masked: maskSecrets(text), detail: findSecret(text)}` in one pass over the catalogue. Until the
 * first secret the text is unchanged, so the first kind that masks something is the first kind that
 * finds one.
 */
export function scanSecrets(text: string): SecretScan {
  const m = masked(text, serverMask);
  return { masked: m.text, detail: m.first?.detail ?? null };
}

/** Scans made beforehand (off the main thread) that findSecret and maskSecrets answer from. */
let prepared: ReadonlyMap<string, SecretScan> | null = null;

/**
 * Runs `work` (synchronous) with `scans` as the answers of findSecret and maskSecrets (server mask)
 * for the texts they hold: the scans of a big request, made on a thread of its own, serve both the
 * decision and the redaction without a second pass on the event loop. Texts not in `scans` are
 * scanned as usual.
 */
export function withSecretScans<T>(scans: ReadonlyMap<string, SecretScan>, work: () => T): T {
  const outer = prepared;
  prepared = scans;
  try {
    return work();
  } finally {
    prepared = outer;
  }
}

/** True for a key whose value is a secret whatever it looks like (`password`, `api_key`, `Authorization`). */
export const isSecretName = (key: string): boolean => key.length <= 64 && SECRET_NAME_RE.test(key);

/**
 * True when `value`, held by key `key`, is a secret by its key's name although it looks like
 * nothing: a weak key (`auth`, `pwd`, `pass`) holding text that can be a secret, or `auth` holding
 * a list (`auth: [user, password]`); `{"pwd": "/home/me"}`, `{"auth": "none"}`, `{"pass": 12}` and
 * `{"pass": ["test_a"]}` stay.
 */
export const isSecretOfWeakName = (key: string, value: unknown): boolean =>
  key.length <= 64 &&
  WEAK_SECRET_NAME_RE.test(key) &&
  (typeof value === 'string'
    ? value.length >= 4 && plausibleSecret(value)
    : Array.isArray(value) && value.length > 0 && key.toLowerCase() === 'auth');
