import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src-main/cli/main.js';

function* commands(c: Command, path: string[] = []): Generator<[string, Command]> {
  for (const sub of c.commands) {
    const here = [...path, sub.name()];
    yield [here.join(' '), sub];
    yield* commands(sub, here);
  }
}

describe('gatehouse --help', () => {
  it('says what every verb does, so `gatehouse policy --help` is more than a list of names', () => {
    const all = [...commands(buildProgram())];
    expect(all.map(([name]) => name)).toEqual(expect.arrayContaining(['policy test', 'audit verify', 'keys create']));
    expect(all.filter(([, c]) => !c.description().trim()).map(([name]) => name)).toEqual([]);
  });

  it('never sends the user to "SPEC n.n", a document that is not shipped with gatehouse', () => {
    const texts = [...commands(buildProgram())].flatMap(([name, c]) => [
      [name, c.description()],
      ...c.options.map((o) => [`${name} ${o.flags}`, o.description]),
    ]);
    expect(texts.filter(([, text]) => /\bSPEC\b/.test(text!)).map(([where]) => where)).toEqual([]);
  });
});
