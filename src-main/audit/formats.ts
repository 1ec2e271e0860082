import type { JsonObject } from '../../src-shared/index.js';
import { VERSION } from '../../src-shared/version.js';
import type { AuditRow } from '../storage/types.js';

/** CSV (RFC 4180): a header, then one CRLF-terminated row per record, `data` as its JSON. */
export const CSV_HEADER = 'seq,id,ts,type,actor,action_id,data,prev_hash,hash\r\n';

const csvField = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export function csvRow(row: AuditRow, prevHash: string): string {
  return `${row.seq},${csvField(row.id)},${csvField(row.ts)},${csvField(row.type)},${csvField(row.actor)},${csvField(row.action_id ?? '')},${csvField(row.data)},${prevHash},${row.hash}\r\n`;
}

// --- CEF (ArcSight Common Event Format)

/** Header fields escape `\` and `|`; they cannot hold line breaks. */
const cefHeader = (v: string): string =>
  v
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ');
/** Extension values escape `\` and `=`, and encode each CR as \r and each LF as \n (a CRLF keeps both). */
const cefValue = (v: string): string => v.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r/g, '\\r').replace(/\n/g, '\\n');

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);
const obj = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

const LEVEL_SEVERITY: Record<string, number> = { low: 3, medium: 5, high: 8, critical: 10 };

/** Severity from the record's risk: level low 3, medium 5, high 8, critical 10 (a bare score uses SPEC 2.4's bands); else 1. */
export function cefSeverity(data: JsonObject): number {
  const risk = obj(data.risk);
  const level = text(risk?.level) ?? text(data.risk_level);
  if (level && LEVEL_SEVERITY[level] !== undefined) return LEVEL_SEVERITY[level];
  const score = typeof risk?.score === 'number' ? risk.score : typeof data.risk_score === 'number' ? data.risk_score : null;
  if (score === null) return 1;
  return score >= 90 ? 10 : score >= 70 ? 8 : score >= 30 ? 5 : 3;
}

/** A readable event name: `Action decided: database.delete (denied)`, `Policy created`, ... */
export function cefName(type: string, data: JsonObject): string {
  const words = type.replace(/[._]/g, ' ');
  const base = words.charAt(0).toUpperCase() + words.slice(1);
  const what = text(data.action_type) ?? text(data.tool_name) ?? text(obj(data.policy)?.id) ?? text(data.name);
  const outcome = text(data.decision) ?? text(data.status);
  return `${base}${what ? `: ${what}` : ''}${outcome ? ` (${outcome})` : ''}`;
}

export function cefLine(row: AuditRow, tsMs: number): string {
  const data = JSON.parse(row.data) as JsonObject;
  const risk = obj(data.risk);
  const policy = obj(data.policy);
  const ext: [string, string | null][] = [
    ['rt', String(tsMs)],
    ['externalId', row.id],
    ['act', text(data.decision)],
    ['outcome', text(data.status)],
    ['suser', text(data.agent_id) ?? row.actor],
    ['cs1Label', 'action_id'],
    ['cs1', row.action_id],
    ['cs2Label', 'seq'],
    ['cs2', String(row.seq)],
    ['cs3Label', 'hash'],
    ['cs3', row.hash],
    ['cs4Label', 'policy'],
    ['cs4', text(policy?.id) ?? text(data.policy_id)],
    ['cs5Label', 'resource'],
    ['cs5', text(data.resource)],
    ['cs6Label', 'actor'],
    ['cs6', row.actor],
    ['cn1Label', 'risk_score'],
    ['cn1', typeof risk?.score === 'number' ? String(risk.score) : null],
    ['msg', text(data.reason) ?? text(data.description) ?? text(data.comment)],
  ];
  // A label is only written when its value is.
  const parts: string[] = [];
  for (let i = 0; i < ext.length; i++) {
    const [k, v] = ext[i]!;
    if (k.endsWith('Label')) {
      const value = ext[i + 1]![1];
      if (value !== null) parts.push(`${k}=${cefValue(v!)}`);
      continue;
    }
    if (v !== null) parts.push(`${k}=${cefValue(v)}`);
  }
  const header = ['CEF:0', 'Gatehouse', 'Gatehouse', VERSION, row.type, cefName(row.type, data), String(cefSeverity(data))].map(cefHeader);
  return `${header.join('|')}|${parts.join(' ')}\n`;
}
