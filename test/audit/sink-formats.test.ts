import { describe, expect, it } from 'vitest';
import { parseFrames } from '../sinks/syslog-parse.js';
import { hecBatch, octetFrame, otlpLogs, SD_ID, syslogMessage, type SinkRecord } from '../../src-main/audit/sink-formats.js';

const rec = (seq: number, riskLevel: string | null, extra = ''): SinkRecord => ({
  seq,
  ts: '2026-11-26T12:00:00.123Z',
  type: 'action.decided',
  riskLevel,
  line: `{"action_id":"act_${seq}","actor":"agent:a","data":{"note":"${extra}"},"hash":"${'ab'.repeat(32)}","id":"evt_${seq}","prev_hash":"${'00'.repeat(32)}","seq":${seq},"ts":"2026-11-26T12:00:00.123Z","type":"action.decided"}`,
});

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
