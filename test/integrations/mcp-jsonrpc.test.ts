import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  arrayElements,
  duplicateKey,
  echoText,
  idText,
  INVALID_UTF8_LINE,
  LineSplitter,
  memberText,
  parseKeepingNumbers,
  parseLine,
  readLine,
} from '../../src-main/integrations/mcp-proxy/jsonrpc.js';

/** The raw relay's framing: exact texts in, exact texts out, whatever the chunking. */

const ws = fc.constantFrom('', ' ', '\t', '\n ', '  ');

describe('arrayElements', () => {
  it('gives back each element of an array text exactly as written', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 8 }), ws, (values, pad) => {
        const texts = values.map((v) => JSON.stringify(v));
        const text = `${pad}[${pad}${texts.join(`${pad},${pad}`)}${pad}]${pad}`;
        expect(arrayElements(text)).toEqual(texts);
      }),
    );
  });

  it('keeps number forms and escapes as they are', () => {
    expect(arrayElements('[1.0, 9007199254740993, "a\\"]b", {"x":[1,{"y":"]"}]}]')).toEqual([
      '1.0',
      '9007199254740993',
      '"a\\"]b"',
      '{"x":[1,{"y":"]"}]}',
    ]);
  });
});

describe('memberText', () => {
  it('finds a top-level member, never a nested one of the same name', () => {
    const t = '{"params":{"id":1,"_meta":{"progressToken":12345678901234567890}},"id" : 9007199254740993}';
    expect(memberText(t, 'id')).toBe('9007199254740993');
    expect(memberText(memberText(memberText(t, 'params')!, '_meta')!, 'progressToken')).toBe('12345678901234567890');
    expect(memberText(t, 'missing')).toBeUndefined();
  });

  it('echoes an id beyond 2^53 exactly, and a safe one as JSON', () => {
    const [big] = parseLine('{"jsonrpc":"2.0","id":9007199254740993,"method":"x"}')!;
    expect(idText(big!)).toBe('9007199254740993');
    const [small] = parseLine('{"jsonrpc":"2.0","id":"a\\"b","method":"x"}')!;
    expect(idText(small!)).toBe('"a\\"b"');
    expect(echoText(7, () => undefined)).toBe('7');
  });
});

describe('parseLine', () => {
  it('splits a batch into frames that carry their own exact text', () => {
    const frames = parseLine('[{"id":1,"method":"a"} , {"method":"b","params":{"n":1.0}}]')!;
    expect(frames.map((f) => f.raw)).toEqual(['{"id":1,"method":"a"}', '{"method":"b","params":{"n":1.0}}']);
    expect(frames[1]!.msg).toEqual({ method: 'b', params: { n: 1 } });
  });

  it('refuses what is not a JSON-RPC object', () => {
    for (const bad of ['', 'nope', '42', '"x"', '[1,2]', '{"a":', '[{"a":1},3]']) expect(parseLine(bad)).toBeNull();
  });

  it('readLine keeps the object elements of a batch and counts the others (JSON-RPC answers each)', () => {
    expect(readLine('[{"a":1}, 3, "x", null, [], {"b":2.0}]')).toEqual({
      frames: [
        { raw: '{"a":1}', msg: { a: 1 } },
        { raw: '{"b":2.0}', msg: { b: 2 } },
      ],
      batch: true,
      invalid: 4,
    });
    expect(readLine('{"a":1}')).toEqual({ frames: [{ raw: '{"a":1}', msg: { a: 1 } }], batch: false, invalid: 0 });
    for (const bad of ['', '42', '"x"', '{"a":']) expect(readLine(bad)).toBeNull();
  });
});

describe('LineSplitter', () => {
  it('returns the same lines however the bytes are chunked (multi-byte characters split across chunks included)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => s.replace(/\n/g, '')),
          { minLength: 1, maxLength: 6 },
        ),
        fc.array(fc.nat(40), { maxLength: 10 }),
        (lines, cuts) => {
          const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(''));
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const s = new LineSplitter();
          const got: string[] = [];
          let at = 0;
          for (const p of [...points, bytes.length]) {
            got.push(...s.push(bytes.subarray(at, p)));
            at = p;
          }
          expect(got).toEqual(lines);
          expect(s.rest()).toBeNull();
        },
      ),
    );
  });

  it('never decodes invalid UTF-8 into replacement characters: such a line cannot be parsed, so it is never forwarded altered', () => {
    const s = new LineSplitter();
    const [bad, good] = s.push(Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n{"b":"é"}\n')]));
    expect(bad).toBe(INVALID_UTF8_LINE);
    expect(parseLine(bad!)).toBeNull();
    expect(good).toBe('{"b":"é"}');
  });

  it('keeps a trailing \\r and hands back an unterminated last line', () => {
    const s = new LineSplitter();
    expect(s.push(Buffer.from('{"a":1}\r\n{"b":'))).toEqual(['{"a":1}\r']);
    expect(s.push(Buffer.from('2}'))).toEqual([]);
    expect(s.rest()).toBe('{"b":2}');
  });
});

describe('duplicateKey', () => {
  it('finds a key repeated in the same object, at any depth, and nothing else', () => {
    expect(duplicateKey('{"a":1,"b":{"c":1,"c":2}}')).toBe('c');
    expect(duplicateKey('{"params":{"arguments":{"path":"/safe", "path" : "/etc/passwd"}}}')).toBe('path');
    expect(duplicateKey('[{"a":1},{"a":2}]')).toBeNull();
    expect(duplicateKey('{"a":{"a":{"a":1}},"b":["a","a"]}')).toBeNull();
    expect(duplicateKey('{"\\u0061":1,"a":2}')).toBe('a'); // the same key, written two ways
  });

  it('with maxDepth 0 looks at the top-level object only', () => {
    expect(duplicateKey('{"method":"tools/call","params":{},"method":"ping"}', 0)).toBe('method');
    expect(duplicateKey('{"id":1,"params":{"a":1,"a":2},"b":[{"c":1,"c":2}]}', 0)).toBeNull();
    expect(duplicateKey('{"id":1,"params":{"a":1,"a":2}}', 1)).toBe('a');
  });

  it('never reports one in a JSON text without duplicates', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(duplicateKey(JSON.stringify(v))).toBeNull();
      }),
    );
  });
});

describe('parseKeepingNumbers (what the proxy evaluates and reports)', () => {
  it('keeps integers beyond 2^53 and numbers beyond a double as their exact text, and leaves the rest as numbers', () => {
    const v = parseKeepingNumbers(
      '{"n":9007199254740993,"m":-12345678901234567890123,"x":1e400,"ok":9007199254740991,"f":1.0,"s":"9007199254740993 \\" 1e400"}',
    );
    expect(v).toEqual({
      n: '9007199254740993',
      m: '-12345678901234567890123',
      x: '1e400',
      ok: 9007199254740991,
      f: 1,
      s: '9007199254740993 " 1e400',
    });
    expect(parseKeepingNumbers('[1, 2.5, 18446744073709551616]')).toEqual([1, 2.5, '18446744073709551616']);
  });
});
