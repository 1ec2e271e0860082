import { describe, expect, it } from 'vitest';
import { applyEdits, JsonNumber, parseJsonc, printJson, valueOf } from '../../src-main/integrations/shared/jsonc.js';

/** The JSONC reader `mcp wrap` edits other programs' configs with. */
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

  it.each([
    ['', /value expected at line 1, column 1/],
    ['{"a": 1} x', /invalid symbol at line 1, column 10/],
    ['{"a" 1}', /colon expected at line 1, column 6/],
    ['{,}', /value expected at line 1, column 2/],
    ['[1,,2]', /value expected at line 1, column 4/],
    ['{"a": "x\ny"}', /unexpected end of string at line 1, column 7/],
    ['{"a": 01}', /comma expected/],
    ['{"a": 1 /* x', /unexpected end of comment/],
    ["{'a': 1}", /invalid symbol at line 1, column 2/],
    ['['.repeat(600), /nested more than 512 deep/],
    ['['.repeat(200_000), /nested more than 512 deep/],
  ])('refuses %j', (text, err) => {
    expect(() => parseJsonc(text)).toThrow(err);
  });
});

describe('applyEdits', () => {
  it('replaces ranges and keeps every other byte', () => {
    expect(
      applyEdits('0123456789', [
        { start: 1, end: 3, text: 'ab' },
        { start: 7, end: 8, text: '' },
      ]),
    ).toBe('0ab345689');
  });
  it('refuses overlapping edits', () => {
    expect(() =>
      applyEdits('0123', [
        { start: 0, end: 2, text: '' },
        { start: 1, end: 3, text: '' },
      ]),
    ).toThrow(/overlapping/i);
  });
});
