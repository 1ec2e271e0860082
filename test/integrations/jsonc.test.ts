import { describe, expect, it } from 'vitest';
import { JsonNumber, parseJsonc, printJson, valueOf } from '../../src-main/core/jsonc.js';

/** The JSONC reader `mcp wrap` edits other programs' configs with (jsonc-parser underneath). */
describe('parseJsonc', () => {
  it('reads what JSON.parse reads, numbers kept as written', () => {
    const text = '{"a": [1, -2.5e+3, true, false, null, "x\\u00e9\\n"], "b": {"n": 9007199254740993}}';
    const v = valueOf(parseJsonc(text));
    expect(((v as { b: { n: JsonNumber } }).b.n as JsonNumber).raw).toBe('9007199254740993');
    expect(printJson(v, { indent: '', eol: '', compact: true })).toBe(
      '{"a":[1,-2.5e+3,true,false,null,"xé\\n"],"b":{"n":9007199254740993}}',
    );
  });

  it('allows comments, trailing commas and a BOM', () => {
    expect(valueOf(parseJsonc('\uFEFF// c\n{ /* x */ "a": [1, 2,], // y\n "b": {},\n}'))).toMatchObject({
      a: [expect.anything(), expect.anything()],
      b: {},
    });
  });

  it('a "__proto__" key is a plain property', () => {
    const v = valueOf(parseJsonc('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
  });

  it('gives each value its offsets in the text, a BOM, CRLF and tabs included', () => {
    const text = '\uFEFF{\r\n\t"a": [1, "x"],\r\n\t"b": {"n": 1.50}\r\n}';
    const root = parseJsonc(text);
    if (root.kind !== 'object') throw new Error('not an object');
    expect(root.members.map((m) => [m.key, text.slice(m.value.start, m.value.end)])).toEqual([
      ['a', '[1, "x"]'],
      ['b', '{"n": 1.50}'],
    ]);
  });

  it.each([
    ['', /ValueExpected at line 1, column 1/],
    ['{"a": 1} x', /InvalidSymbol at line 1, column 10/],
    ['{"a" 1}', /ColonExpected at line 1, column 6/],
    ['{,}', /ValueExpected at line 1, column 2/],
    ['[1,,2]', /ValueExpected at line 1, column 4/],
    ['{"a": "x\ny"}', /UnexpectedEndOfString at line 1, column 7/],
    ['{"a": "\\q"}', /InvalidEscapeCharacter/],
    ['{"a": "\t"}', /InvalidCharacter/],
    ['{"a": 01}', /CommaExpected at line 1, column 8/],
    ['{a: 1}', /InvalidSymbol/],
    ['[NaN]', /InvalidSymbol/],
    ['{"a": 1 /* x', /UnexpectedEndOfComment/],
    ['\n\n  [1 2]', /CommaExpected at line 3, column 6/],
  ])('refuses %j, naming where', (text, err) => {
    expect(() => parseJsonc(text)).toThrow(err);
  });

  it('refuses nesting deeper than 512 with a clear error instead of overflowing the stack', () => {
    expect(valueOf(parseJsonc('['.repeat(512) + ']'.repeat(512)))).toBeInstanceOf(Array);
    for (const text of [
      '['.repeat(513) + ']'.repeat(513),
      '['.repeat(100_000) + ']'.repeat(100_000),
      '{"a":'.repeat(100_000),
      // Read with error recovery, each `[}` opens one more level: a `}` does not close a `[`.
      '[},'.repeat(100_000),
    ])
      expect(() => parseJsonc(text)).toThrow(/nested deeper than 512 at line 1, column \d+/);
  });

  it('does not count brackets in strings and comments as nesting', () => {
    const deep = '['.repeat(1000);
    expect(valueOf(parseJsonc(`// ${deep}\n{"a": "${deep}" /* ${deep} */}`))).toEqual({ a: deep });
  });
});
