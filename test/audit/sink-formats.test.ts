import { describe, expect, it } from 'vitest';
import { hecBatch, octetFrame, otlpLogs, SD_ID, syslogMessage, type SinkRecord } from '../../src-main/audit/sink-formats.js';

const rec = (seq: number, riskLevel: string | null, extra = ''): SinkRecord => ({
  seq,
  ts: '2026-11-26T12:00:00.123Z',
  type: 'action.decided',
  riskLevel,
  line: `{"action_id":"act_${seq}","actor":"agent:a","data":{"note":"${extra}"},"hash":"${'ab'.repeat(32)}","id":"evt_${seq}","prev_hash":"${'00'.repeat(32)}","seq":${seq},"ts":"2026-11-26T12:00:00.123Z","type":"action.decided"}`,
});

/** A strict RFC 5424 parser for what we send (HEADER SP STRUCTURED-DATA SP MSG), with octet-counted framing. */
function parseFrames(
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

describe('sink wire formats', () => {
  it('syslog: RFC 5424 messages in octet-counted frames, severity from risk, the record as the BOM-prefixed message', () => {
    const frames = Buffer.concat([
      octetFrame(syslogMessage(rec(1, 'critical', 'ünïcode ✓'), { hostname: 'dev box', procId: 4242 })),
      octetFrame(syslogMessage(rec(2, null), { hostname: 'devbox', procId: 1 })),
    ]);
    const [a, b] = parseFrames(frames);
    expect(a).toMatchObject({
      pri: 13 * 8 + 2,
      version: 1,
      ts: '2026-11-26T12:00:00.123Z',
      host: 'dev_box',
      app: 'gatehouse',
      proc: '4242',
      msgid: 'action.decided',
    });
    expect(a!.sd).toMatch(new RegExp(`^\\[${SD_ID} seq="1" version="[^"]+"\\]$`));
    expect(a!.msg.startsWith('\uFEFF')).toBe(true);
    expect(JSON.parse(a!.msg.slice(1))).toMatchObject({ seq: 1, data: { note: 'ünïcode ✓' } });
    expect(b!.pri).toBe(13 * 8 + 6);
  });

  it('HEC: concatenated event objects with epoch seconds and the record as the event', () => {
    const body = hecBatch([rec(1, 'low'), rec(2, 'high')], { host: 'devbox', index: 'agents' });
    const events = body
      .split(/(?<=\})(?=\{"time")/)
      .map((s) => JSON.parse(s) as { time: number; host: string; index: string; event: { seq: number } });
    expect(events.map((e) => e.event.seq)).toEqual([1, 2]);
    expect(events[0]).toMatchObject({ time: 1795694400.123, host: 'devbox', index: 'agents', sourcetype: 'gatehouse:audit' });
  });

  it('OTLP: one resourceLogs with a log record per audit record, nanosecond times, the line as the body', () => {
    const j = JSON.parse(otlpLogs([rec(7, 'medium')], { hostname: 'devbox', installId: 'abc' })) as {
      resourceLogs: { resource: { attributes: { key: string }[] }; scopeLogs: { logRecords: Record<string, unknown>[] }[] }[];
    };
    const lr = j.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
    expect(lr).toMatchObject({ timeUnixNano: '1795694400123000000', severityNumber: 13, severityText: 'WARN' });
    expect(JSON.parse((lr.body as { stringValue: string }).stringValue)).toMatchObject({ seq: 7 });
    expect(j.resourceLogs[0]!.resource.attributes.map((a) => a.key)).toContain('service.name');
  });
});
