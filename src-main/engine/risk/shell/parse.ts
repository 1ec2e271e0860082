/**
 * A quote-aware reading of shell text into simple commands, in one left-to-right pass (linear in
 * the text; no regex). It is not a full shell grammar: it knows what decides what a command does —
 * words after quote removal, the operators between commands (`|`, `&&`, `||`, `;`, `&`, newlines),
 * redirections, and command substitutions (`$(…)`, backticks, `<(…)`), whose commands are read as
 * commands too. `echo "a && b"` is one command; `echo "$(rm -rf /)"` runs `rm`.
 *
 * Commands are handed to the caller one at a time as they end (a megabyte of `a;a;a;…` is never
 * held as half a million objects). Words keep `$` where a variable or substitution was, so that a
 * path built from one is never taken for a plain relative path.
 */
export interface ShellCommand {
  /** Words after quote removal, program first (assignments and wrappers included, as written). */
  words: string[];
  /** Redirections (`>` `>>` `&>` `>|` `<` `<<` …) with their target word. */
  redirects: { op: string; target: string }[];
  /** Commands joined by `|` share a pipeline number. */
  pipeline: number;
  /** Its quoted words holding whitespace or operators: scripts (`sh -c '…'`, `ssh host '…'`) or plain text. */
  quoted: string[];
}

/** Words read per command: at a longer one the reader stops (and the caller holds the action). */
export const MAX_WORDS = 1024;

/** Commands read from one text before the reader gives up (the caller holds the action). */
export const MAX_COMMANDS = 16_384;

export interface ShellReading {
  /** Why the reader stopped before the end (too many words in a command, too many commands); `null` when it did not. */
  stoppedBecause: string | null;
  /** Substitutions nested deeper than the reader follows (their text was read as plain words). */
  tooDeep: boolean;
}

/** Substitutions nested deeper than this are not followed (the caller treats the text as unknown). */
const MAX_SUBSTITUTION_DEPTH = 16;

interface Frame {
  words: string[];
  quoted: string[];
  redirects: { op: string; target: string }[];
  word: string;
  quotedText: boolean;
  pendingRedirect: string | null;
  pipeline: number;
  inDouble: boolean;
  closer: number;
}

const TAB = 9;
const NEWLINE = 10;
const SPACE = 32;
const DOUBLE_QUOTE = 34;
const HASH = 35;
const DOLLAR = 36;
const AMP = 38;
const QUOTE = 39;
const OPEN = 40;
const CLOSE = 41;
const SEMICOLON = 59;
const LESS = 60;
const GREATER = 62;
const BACKSLASH = 92;
const BACKTICK = 96;
const PIPE = 124;

/** ASCII characters that end a run of plain word characters outside quotes (everything else is plain). */
const SPECIAL = new Uint8Array(128);
for (const ch of ' \t\n;&|()<>\'"\\$`#') SPECIAL[ch.charCodeAt(0)] = 1;
/** Characters that end a run of plain characters inside double quotes. */
const SPECIAL_IN_DOUBLE = new Uint8Array(128);
for (const ch of '"\\$` \t\n;&|') SPECIAL_IN_DOUBLE[ch.charCodeAt(0)] = 1;

function isOperatorOrSpace(c: number): boolean {
  return c === SPACE || c === TAB || c === NEWLINE || c === SEMICOLON || c === AMP || c === PIPE;
}

/** Reads `text`, calling `onCommand` for each simple command as it ends. */
export function readShell(text: string, onCommand: (command: ShellCommand) => void): ShellReading {
  const reader = new Reader(text, onCommand);
  reader.read();
  return { tooDeep: reader.tooDeep, stoppedBecause: reader.stoppedBecause };
}

class Reader {
  tooDeep = false;
  stoppedBecause: string | null = null;
  private commandCount = 0;
  /** Here-document delimiters waiting for the end of the line (`cat <<EOF`). */
  private heredocs: { delimiter: string; stripTabs: boolean }[] = [];
  private readonly stack: Frame[] = [];
  private words: string[] = [];
  private redirects: { op: string; target: string }[] = [];
  private quoted: string[] = [];
  private word = '';
  private inWord = false;
  /** The current word has quoted text with whitespace or operators in it. */
  private quotedText = false;
  /** The current word was written with quotes or escapes (`'{'` is a word, `{` a group). */
  private wasQuoted = false;
  private pendingRedirect: string | null = null;
  private pipeline = 0;
  private nextPipeline = 1;
  private inDouble = false;

  constructor(
    private readonly text: string,
    private readonly onCommand: (command: ShellCommand) => void,
  ) {}

  read(): void {
    const text = this.text;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      const table = this.inDouble ? SPECIAL_IN_DOUBLE : SPECIAL;
      if (c >= 128 || table[c] === 0) {
        // A run of plain characters is taken whole: one slice, not one concatenation per character.
        const start = i;
        while (i + 1 < n) {
          const d = text.charCodeAt(i + 1);
          if (d < 128 && table[d] !== 0) break;
          i++;
        }
        this.word = this.word === '' ? text.slice(start, i + 1) : this.word + text.slice(start, i + 1);
        this.inWord = true;
        continue;
      }
      i = this.inDouble ? this.inDoubleQuotes(c, i) : this.special(c, i);
      if (this.stoppedBecause !== null) return;
    }
    while (this.stack.length > 0) this.close();
    this.endCommand();
  }

  /** Skips the bodies of here-documents opened on the line that ends at `i`; returns the new index. */
  private skipHeredocs(i: number): number {
    const text = this.text;
    let at = i;
    for (const { delimiter, stripTabs } of this.heredocs) {
      for (;;) {
        const lineStart = at + 1;
        if (lineStart >= text.length) return text.length;
        const lineEnd = text.indexOf('\n', lineStart);
        const stop = lineEnd < 0 ? text.length : lineEnd;
        let line = text.slice(lineStart, stop);
        if (stripTabs) line = line.replace(/^\t+/, '');
        at = stop;
        if (line === delimiter || lineEnd < 0) break;
      }
    }
    this.heredocs = [];
    return at;
  }

  /** A special character inside double quotes; returns the index of the last character consumed. */
  private inDoubleQuotes(c: number, i: number): number {
    const text = this.text;
    if (c === DOUBLE_QUOTE) this.inDouble = false;
    else if (c === BACKSLASH && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next === DOLLAR || next === BACKTICK || next === DOUBLE_QUOTE || next === BACKSLASH) {
        this.word += text[i + 1];
        return i + 1;
      }
      if (next === NEWLINE) return i + 1;
      this.word += '\\';
    } else if (c === DOLLAR && text.charCodeAt(i + 1) === OPEN) {
      this.open(CLOSE);
      return i + 1;
    } else if (c === BACKTICK) {
      // Backquotes do not nest: inside a backquoted substitution, the next one closes it.
      if (this.top() === BACKTICK) this.close();
      else this.open(BACKTICK);
    } else {
      this.word += text[i];
      if (isOperatorOrSpace(c)) this.quotedText = true;
    }
    return i;
  }

  /** A special character outside quotes; returns the index of the last character consumed. */
  private special(c: number, i: number): number {
    const text = this.text;
    const n = text.length;
    switch (c) {
      case SPACE:
      case TAB:
        this.endWord();
        while (i + 1 < n && (text.charCodeAt(i + 1) === SPACE || text.charCodeAt(i + 1) === TAB)) i++;
        return i;
      case NEWLINE:
        this.newPipeline();
        return this.heredocs.length > 0 ? this.skipHeredocs(i) : i;
      case SEMICOLON:
        this.newPipeline();
        return i;
      case BACKSLASH:
        if (i + 1 < n) {
          if (text.charCodeAt(i + 1) !== NEWLINE) {
            this.word += text[i + 1];
            this.inWord = true;
            this.wasQuoted = true;
          }
          return i + 1;
        }
        return i;
      case QUOTE: {
        const end = text.indexOf("'", i + 1);
        const stop = end < 0 ? n : end;
        for (let k = i + 1; k < stop; k++) {
          if (isOperatorOrSpace(text.charCodeAt(k))) {
            this.quotedText = true;
            break;
          }
        }
        this.word += text.slice(i + 1, stop);
        this.inWord = true;
        this.wasQuoted = true;
        return stop;
      }
      case DOUBLE_QUOTE:
        this.inDouble = true;
        this.inWord = true;
        this.wasQuoted = true;
        return i;
      case DOLLAR:
        if (text.charCodeAt(i + 1) === OPEN) {
          this.open(CLOSE);
          return i + 1;
        }
        this.word += '$';
        this.inWord = true;
        return i;
      case BACKTICK:
        if (this.top() === BACKTICK) this.close();
        else this.open(BACKTICK);
        return i;
      case OPEN:
        this.newPipeline();
        return i;
      case CLOSE:
        if (this.top() === CLOSE) this.close();
        else this.newPipeline();
        return i;
      case PIPE:
        if (text.charCodeAt(i + 1) === PIPE) {
          this.newPipeline();
          return i + 1;
        }
        this.endCommand();
        return text.charCodeAt(i + 1) === AMP ? i + 1 : i;
      case AMP:
        if (text.charCodeAt(i + 1) === GREATER) {
          this.endWord();
          i++;
          let op = '&>';
          if (text.charCodeAt(i + 1) === GREATER) {
            op += '>';
            i++;
          }
          this.pendingRedirect = op;
          return i;
        }
        this.newPipeline();
        return text.charCodeAt(i + 1) === AMP ? i + 1 : i;
      case LESS:
      case GREATER: {
        // A word of digits right before is the file descriptor (`2>`), not an argument.
        if (this.inWord && !this.wasQuoted && isDigits(this.word)) {
          this.word = '';
          this.inWord = false;
        } else this.endWord();
        let op = text[i] as string;
        while (i + 1 < n && op.length < 3 && '<>&|-'.includes(text[i + 1] as string)) op += text[++i];
        if (text.charCodeAt(i + 1) === OPEN && (op === '<' || op === '>')) {
          // Process substitution `<(…)`: its commands are commands.
          this.newPipeline();
          return i + 1;
        }
        this.pendingRedirect = op;
        return i;
      }
      case HASH:
        if (!this.inWord) {
          const end = text.indexOf('\n', i);
          return end < 0 ? n : end - 1;
        }
        this.word += '#';
        return i;
      default:
        this.word += text[i];
        this.inWord = true;
        return i;
    }
  }

  private top(): number {
    const frame = this.stack[this.stack.length - 1];
    return frame ? frame.closer : -1;
  }

  private endWord(): void {
    if (!this.inWord) return;
    const w = this.word;
    const plain = !this.wasQuoted;
    if (this.quotedText && this.pendingRedirect === null) this.quoted.push(w);
    this.word = '';
    this.inWord = false;
    this.quotedText = false;
    this.wasQuoted = false;
    if (this.pendingRedirect !== null) {
      if (this.pendingRedirect === '<<' || this.pendingRedirect === '<<-')
        this.heredocs.push({ delimiter: w, stripTabs: this.pendingRedirect === '<<-' });
      this.redirects.push({ op: this.pendingRedirect, target: w });
      this.pendingRedirect = null;
    } else if (plain && (w === '{' || w === '}'))
      this.endCommand(); // group braces: the command starts after them
    else if (plain && w === '!') return;
    else if (this.words.length < MAX_WORDS) this.words.push(w);
    else this.stoppedBecause = `a command of more than ${MAX_WORDS} words is too long to check`;
  }

  private endCommand(): void {
    if (this.inWord) this.endWord();
    this.pendingRedirect = null;
    if (this.words.length === 0 && this.redirects.length === 0) {
      this.quoted.length = 0;
      return;
    }
    this.onCommand({ words: this.words, redirects: this.redirects, pipeline: this.pipeline, quoted: this.quoted });
    this.words = [];
    this.redirects = [];
    this.quoted = [];
    if (++this.commandCount > MAX_COMMANDS) this.stoppedBecause = `more than ${MAX_COMMANDS} commands in one text are too many to check`;
  }

  private newPipeline(): void {
    this.endCommand();
    this.pipeline = this.nextPipeline++;
  }

  private open(closer: number): void {
    if (this.stack.length >= MAX_SUBSTITUTION_DEPTH) {
      this.tooDeep = true;
      this.word += '$';
      this.inWord = true;
      return;
    }
    this.stack.push({
      words: this.words,
      quoted: this.quoted,
      redirects: this.redirects,
      word: this.word,
      quotedText: this.quotedText,
      pendingRedirect: this.pendingRedirect,
      pipeline: this.pipeline,
      inDouble: this.inDouble,
      closer,
    });
    this.words = [];
    this.quoted = [];
    this.redirects = [];
    this.word = '';
    this.inWord = false;
    this.quotedText = false;
    this.wasQuoted = false;
    this.pendingRedirect = null;
    this.pipeline = this.nextPipeline++;
    this.inDouble = false;
  }

  private close(): void {
    this.endCommand();
    const frame = this.stack.pop() as Frame;
    this.words = frame.words;
    this.quoted = frame.quoted;
    this.redirects = frame.redirects;
    this.quotedText = frame.quotedText;
    this.pendingRedirect = frame.pendingRedirect;
    this.pipeline = frame.pipeline;
    this.inDouble = frame.inDouble;
    // The substitution's output becomes part of the word: unknown text.
    this.word = `${frame.word}$`;
    this.inWord = true;
    this.wasQuoted = true;
  }
}

function isDigits(word: string): boolean {
  if (word.length === 0) return false;
  for (let k = 0; k < word.length; k++) {
    const c = word.charCodeAt(k);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
