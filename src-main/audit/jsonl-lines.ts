import type { Readable } from 'node:stream';

/**
 * The lines of a JSONL stream, split at `\n` alone (a `\r` before it is dropped). Not readline: it
 * also ends a line at U+2028 and U+2029, which JSON strings hold unescaped, so a record with one
 * (any agent can send it) would be read as two broken lines and an intact log called broken.
 */
export async function* jsonlLines(input: Readable): AsyncGenerator<string> {
  input.setEncoding('utf8');
  let rest = '';
  for await (const chunk of input as AsyncIterable<string>) {
    rest += chunk;
    let nl: number;
    let from = 0;
    while ((nl = rest.indexOf('\n', from)) >= 0) {
      yield lineOf(rest.slice(from, nl));
      from = nl + 1;
    }
    rest = rest.slice(from);
  }
  if (rest !== '') yield lineOf(rest);
}

const lineOf = (s: string): string => (s.endsWith('\r') ? s.slice(0, -1) : s);
