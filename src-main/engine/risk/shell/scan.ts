import { analyzeShell, DANGEROUS_PROGRAMS, forkBomb, quoteTolerant } from './analyze.js';

/**
 * Dangerous shell anywhere in a request string (a script in `parameters.script`, a command inside a
 * file being written, a step of a list). Every string is looked at in full, in linear time: the
 * places where a dangerous program is named (allowing for quotes and backslashes inside the name:
 * `r''m`, `s\udo`) are found in one pass, and the line around each is read as shell — once,
 * however many names it holds, and only when it has what the danger also needs (`rm` with a
 * recursive flag and a path that can leave the working tree, `dd` with `of=`, …). A line that
 * starts inside a quote opened on an earlier line is read inside out; its commands then come back
 * as quoted scripts, which are read too.
 */
const NAME_HINT = new RegExp(DANGEROUS_PROGRAMS.map(quoteTolerant).join('|'), 'g');

export interface ShellScan {
  danger: string | null;
  /** A line worth reading could not be read in full (see ShellAnalysis.unreadable). */
  unreadable: string | null;
}

/** The first danger found, in words (or why a line could not be read). */
export function shellDangerIn(text: string): ShellScan {
  const bomb = text.includes('(') || text.includes('function') ? forkBomb(text) : null;
  if (bomb) return { danger: bomb, unreadable: null };
  NAME_HINT.lastIndex = 0;
  let covered = 0;
  let unreadable: string | null = null;
  for (let m = NAME_HINT.exec(text); m !== null; m = NAME_HINT.exec(text)) {
    // The whole line around the name (each line is looked at once: the search goes on after it).
    const hit = m.index;
    const start = Math.max(covered, text.lastIndexOf('\n', hit) + 1);
    const newline = text.indexOf('\n', hit);
    const end = newline < 0 ? text.length : newline;
    covered = end;
    NAME_HINT.lastIndex = end;
    const line = start === 0 && end === text.length ? text : text.slice(start, end);
    if (!worthReading(line)) continue;
    const analysis = analyzeShell(line);
    if (analysis.dangers[0]) return { danger: analysis.dangers[0], unreadable: null };
    unreadable ??= analysis.unreadable;
  }
  return { danger: null, unreadable };
}
/** Quotes and backslashes removed: what a cheap check of the line sees. */
const QUOTING = /['"\\]/g;

/** Does the line have, besides a name, what one of the dangers needs? Checked before reading it as shell. */
function worthReading(line: string): boolean {
  const flat = line.replace(QUOTING, '');
  if (/sudo|doas|mkfs/.test(flat)) return true;
  if (/\brm\b/.test(flat) && /-[a-zA-Z]*[rR]|--recursive/.test(flat) && /[/~$`]|\.\.|\bcd\b|\bpushd\b/.test(flat)) return true;
  if (/\bfind\b/.test(flat) && /-delete|-exec|-ok/.test(flat)) return true;
  if (/\bdd\b/.test(flat) && flat.includes('of=')) return true;
  if (/\bchmod\b/.test(flat) && /[0-7]{3}|[ao][ugoa]*[+=]/.test(flat)) return true;
  if (/\b(?:curl|wget)\b/.test(flat)) return true;
  if (/\bgit\b/.test(flat) && /\b(?:push|reset)\b/.test(flat)) return true;
  // Quoted scripts inside the line (`bash -c '…'`) are read by the analysis itself.
  return false;
}
