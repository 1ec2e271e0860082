import { afterEach, describe, expect, it } from 'vitest';
import { EXPORT_RECORDS_HEADER } from '../../src-shared/index.js';
import { openTestCore, type TestCore } from '../helpers/core.js';
import { cleanupDirs } from '../storage/helpers.js';
import { addRecords } from './records.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

let core: TestCore | null = null;
afterEach(async () => {
  await core?.close();
  core = null;
  cleanupDirs();
});

/** The announced count and the records the body holds (lines; CSV's header line not counted). */
async function exported(t: TestCore, query: string): Promise<{ header: string | null; records: number }> {
  const res = await t.req('GET', `/api/v1/audit/export?${query}`);
  expect(res.status).toBe(200);
  const text = await res.text();
  const lines = text === '' ? 0 : text.split('\n').length - 1; // every line ends with \n (CSV's with \r\n)
  return { header: res.headers.get(EXPORT_RECORDS_HEADER), records: query.includes('format=csv') ? lines - 1 : lines };
}

/** A log spread over days 0, 2 and 4, so since/until windows cut it. */
async function spreadLog() {
  const clock = { t: T0 };
  const now = { now: () => clock.t };
  const t = await openTestCore({ clock: now, store: { clock: now }, checkpoints: { enabled: false } });
  await addRecords(t, 40);
  clock.t += 2 * DAY;
  await addRecords(t, 30);
  clock.t += 2 * DAY;
  await addRecords(t, 20);
  return { t, clock };
}

describe(`GET /api/v1/audit/export announces its record count (${EXPORT_RECORDS_HEADER})`, () => {
  it('equals the records exported, in every format, with and without since/until (an empty window: 0)', async () => {
    const { t } = await spreadLog();
    core = t;
    const windows = [
      '',
      `&since=${iso(T0 + DAY)}`,
      `&until=${iso(T0 + 3 * DAY)}`,
      `&since=${iso(T0 + DAY)}&until=${iso(T0 + 3 * DAY)}`,
      `&since=${iso(T0 + 10 * DAY)}`,
      `&until=${iso(T0 - DAY)}`,
    ];
    const counts: number[] = [];
    for (const w of windows)
      for (const format of ['jsonl', 'csv', 'cef']) {
        const e = await exported(t, `format=${format}${w}`);
        expect(e.header, `${format}${w}`).toBe(String(e.records));
        if (format === 'jsonl') counts.push(e.records);
      }
    // The windows really cut the log: 40+ (with the start's own records), 30, 20, nothing.
    expect(counts[0]).toBeGreaterThanOrEqual(90);
    expect(counts.slice(1)).toEqual([50, counts[0]! - 20, 30, 0, 0]);
  });

  it('with include_archive=true: archived plus live records; within a time window, no header (not known up front)', async () => {
    const { t, clock } = await spreadLog();
    core = t;
    await t.g.checkpoints.sign();
    clock.t += 40 * DAY;
    expect((await t.json('PUT', '/api/v1/settings', { body: { retention_days: 30 } })).status).toBe(200);
    await addRecords(t, 10);
    const archived = (await t.g.retention.run()).archived;
    expect(archived).toMatchObject({ first: 1 });

    const whole = await exported(t, 'format=jsonl&include_archive=true');
    expect(whole.records).toBeGreaterThan(archived!.last);
    expect(whole.header).toBe(String(whole.records));
    const csv = await exported(t, 'format=csv&include_archive=true');
    expect(csv.header).toBe(String(csv.records));
    // The live part alone, as before.
    const live = await exported(t, 'format=jsonl');
    expect(live.header).toBe(String(live.records));
    expect(live.records).toBe(whole.records - archived!.last);
    // Archives in a window would have to be read to be counted: no header, the body as ever.
    const windowed = await t.req('GET', `/api/v1/audit/export?format=jsonl&include_archive=true&since=${iso(T0 + DAY)}`);
    expect(windowed.headers.get(EXPORT_RECORDS_HEADER)).toBeNull();
    const since = iso(T0 + DAY);
    const expected = (await (await t.req('GET', '/api/v1/audit/export?format=jsonl&include_archive=true')).text())
      .trimEnd()
      .split('\n')
      .filter((l) => (JSON.parse(l) as { ts: string }).ts >= since);
    expect((await windowed.text()).trimEnd().split('\n')).toEqual(expected);
  });

  it('is documented in the route’s OpenAPI entry', async () => {
    core = await openTestCore();
    const doc = (
      await core.json<{ paths: Record<string, { get: { responses: { 200: { headers?: Record<string, unknown> } } } }> }>(
        'GET',
        '/api/openapi.json',
      )
    ).body;
    expect(doc.paths['/api/v1/audit/export']!.get.responses[200].headers).toEqual({
      [EXPORT_RECORDS_HEADER]: { description: expect.stringContaining('How many records') as string, schema: { type: 'integer' } },
    });
  });
});
