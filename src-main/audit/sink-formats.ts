import { VERSION } from '../../src-shared/index.js';

/**
 * Wire formats of the SIEM sinks (SPEC 7.8), as pure functions of audit records. Each takes the
 * record's exact JSONL export line (the canonical JCS text, so a receiver can re-verify the hash)
 * and the few fields a collector indexes on. Transports (HTTP, TCP, files) live elsewhere.
 */

export interface SinkRecord {
  seq: number;
  ts: string;
  type: string;
  /** The record's JSONL export line (canonical JSON, hash included), without a newline. */
  line: string;
  /** low | medium | high | critical when the record carries a risk, else null. */
  riskLevel: string | null;
}

// --- Splunk HTTP Event Collector: POST /services/collector/event, `Authorization: Splunk <token>`.

/** A HEC batch: one event object per record, concatenated (HEC's batch form), `event` the record itself. */
export function hecBatch(records: readonly SinkRecord[], o: { host: string; index?: string }): string {
  let out = '';
  for (const r of records) {
    const time = (Date.parse(r.ts) / 1000).toFixed(3);
    const meta = `"time":${time},"host":${JSON.stringify(o.host)},"source":"gatehouse","sourcetype":"gatehouse:audit"${o.index ? `,"index":${JSON.stringify(o.index)}` : ''}`;
    out += `{${meta},"event":${r.line}}`;
  }
  return out;
}

// --- Syslog, RFC 5424 over TCP with octet-counting framing (RFC 6587 §3.4.1).

/** Facility 13 ("log audit"); severity from the record's risk. */
const FACILITY = 13;
const SEVERITY: Record<string, number> = { critical: 2, high: 3, medium: 4, low: 6 };
/** RFC 5424's example private enterprise number space is not ours to use; 32473 is IANA's documentation number (RFC 5612). */
export const SD_ID = 'gatehouse@32473';

const sdEscape = (v: string): string => v.replace(/[\\"\]]/g, (c) => `\\${c}`);
/** PRINTUSASCII without spaces, at most `max` characters; `-` when empty (RFC 5424 NILVALUE). */
const header = (v: string, max: number): string => v.replace(/[^\x21-\x7e]/g, '_').slice(0, max) || '-';

/** One RFC 5424 message: `<PRI>1 TIMESTAMP HOST gatehouse PROCID MSGID [SD] BOM JSON`. */
export function syslogMessage(r: SinkRecord, o: { hostname: string; procId: number | string }): string {
  const pri = FACILITY * 8 + (r.riskLevel ? (SEVERITY[r.riskLevel] ?? 6) : 6);
  const sd = `[${SD_ID} seq="${r.seq}" version="${sdEscape(VERSION)}"]`;
  return `<${pri}>1 ${r.ts} ${header(o.hostname, 255)} gatehouse ${header(String(o.procId), 128)} ${header(r.type, 32)} ${sd} \uFEFF${r.line}`;
}

/** Octet-counting frame: the message's length in bytes, a space, the message. */
export function octetFrame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

// --- OTLP/HTTP logs, JSON encoding: POST /v1/logs.

const OTEL_SEVERITY: Record<string, [number, string]> = {
  low: [9, 'INFO'],
  medium: [13, 'WARN'],
  high: [17, 'ERROR'],
  critical: [21, 'FATAL'],
};

/** An ExportLogsServiceRequest carrying the records as log records (body = the JSONL line). */
export function otlpLogs(records: readonly SinkRecord[], o: { hostname: string; installId: string }): string {
  const logRecords = records.map((r) => {
    const nanos = `${BigInt(Date.parse(r.ts)) * 1_000_000n}`;
    const [severityNumber, severityText] = r.riskLevel ? (OTEL_SEVERITY[r.riskLevel] ?? [9, 'INFO']) : [9, 'INFO'];
    return {
      timeUnixNano: nanos,
      observedTimeUnixNano: nanos,
      severityNumber,
      severityText,
      body: { stringValue: r.line },
      attributes: [
        { key: 'gatehouse.seq', value: { intValue: String(r.seq) } },
        { key: 'gatehouse.type', value: { stringValue: r.type } },
      ],
    };
  });
  return JSON.stringify({
    resourceLogs: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'gatehouse' } },
            { key: 'service.version', value: { stringValue: VERSION } },
            { key: 'host.name', value: { stringValue: o.hostname } },
            { key: 'service.instance.id', value: { stringValue: o.installId } },
          ],
        },
        scopeLogs: [{ scope: { name: 'gatehouse.audit', version: VERSION }, logRecords }],
      },
    ],
  });
}
