import { expect } from 'vitest';

/** A strict RFC 5424 parser for what we send (HEADER SP STRUCTURED-DATA SP MSG), with octet-counted framing. */
export function parseFrames(
  buf: Buffer,
): { pri: number; version: number; ts: string; host: string; app: string; proc: string; msgid: string; sd: string; msg: string }[] {
  const out = [];
  let at = 0;
  while (at < buf.length) {
    const sp = buf.indexOf(0x20, at);
    const len = Number(buf.subarray(at, sp).toString('ascii'));
    expect(Number.isInteger(len) && len > 0).toBe(true);
    const msg = buf.subarray(sp + 1, sp + 1 + len).toString('utf8');
    at = sp + 1 + len;
    const m = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) (\[(?:[^\]\\]|\\.)*\]|-) ([\s\S]*)$/.exec(msg);
    expect(m, msg).not.toBeNull();
    out.push({
      pri: Number(m![1]),
      version: Number(m![2]),
      ts: m![3]!,
      host: m![4]!,
      app: m![5]!,
      proc: m![6]!,
      msgid: m![7]!,
      sd: m![8]!,
      msg: m![9]!,
    });
  }
  return out;
}
