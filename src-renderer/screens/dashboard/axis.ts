/**
 * Time axes that fit the window (issue 17): ticks on round local times a person reads at a glance,
 * labelled with only what changes between them — minutes within an hour, hours within a day, days
 * within a week or month — never a label per bucket and never a half-hour label on a 30-day chart.
 */
export type StatsWindowName = '1h' | '6h' | '24h' | '7d' | '30d';

interface AxisRule {
  /** Is this bucket start a tick? `prev` is the previous bucket start (null for the first). */
  tick: (d: Date, prev: Date | null) => boolean;
  label: { format: (d: Date) => string };
  /** How a tooltip names a bucket. */
  bucket: { format: (d: Date) => string };
}

const hm = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
const dayNum = new Intl.DateTimeFormat(undefined, { day: 'numeric' });
/** "Thu 26" (Intl's own weekday+day order varies: en-US says "26 Thu"). */
const dayShort = { format: (d: Date) => `${weekday.format(d)} ${dayNum.format(d)}` };
const monthDay = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const dayHour = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const newDay = (d: Date, prev: Date | null) => prev !== null && d.getDate() !== prev.getDate();

const RULES: Record<StatsWindowName, AxisRule> = {
  // 1-minute buckets: every 10 minutes.
  '1h': { tick: (d) => d.getMinutes() % 10 === 0, label: hm, bucket: hm },
  // 10-minute buckets: every hour.
  '6h': { tick: (d) => d.getMinutes() === 0, label: hm, bucket: hm },
  // 30-minute buckets: every 3 hours.
  '24h': { tick: (d) => d.getMinutes() === 0 && d.getHours() % 3 === 0, label: hm, bucket: dayHour },
  // 4-hour buckets: the first bucket of each day, "Thu 26".
  '7d': { tick: newDay, label: dayShort, bucket: dayHour },
  // 12-hour buckets: the first bucket of the 1st, 6th, 11th, 16th, 21st and 26th, "Nov 26".
  '30d': { tick: (d, prev) => newDay(d, prev) && (d.getDate() - 1) % 5 === 0 && d.getDate() < 30, label: monthDay, bucket: dayHour },
};

export interface Axis {
  /** The bucket starts (ISO, as in the timeline) that carry a label. */
  ticks: string[];
  format: (t: string) => string;
  /** "Thu 26, 14:00 – 18:00" for a tooltip. */
  bucketLabel: (t: string) => string;
  /** "per 30 min" — what one bar is. */
  unit: string;
}

const unitOf = (s: number): string => (s < 3600 ? `${s / 60} min` : s < 86_400 ? `${s / 3600} h` : `${s / 86_400} d`);

export function axisFor(window: string, timeline: { t: string }[], bucketS: number): Axis {
  const rule = RULES[(window in RULES ? window : '24h') as StatsWindowName];
  const ticks: string[] = [];
  let prev: Date | null = null;
  for (const { t } of timeline) {
    const d = new Date(t);
    if (rule.tick(d, prev)) ticks.push(t);
    prev = d;
  }
  return {
    ticks,
    format: (t) => rule.label.format(new Date(t)),
    bucketLabel: (t) => {
      const start = new Date(t);
      const end = new Date(start.getTime() + bucketS * 1000);
      return `${rule.bucket.format(start)} – ${hm.format(end)}`;
    },
    unit: unitOf(bucketS),
  };
}

/** At most `max` of `ticks`, evenly spaced from the first (a phone's axis has room for about four labels). */
export function thinTicks(ticks: string[], max: number): string[] {
  const step = Math.ceil(ticks.length / Math.max(1, max));
  return step <= 1 ? ticks : ticks.filter((_, i) => i % step === 0);
}
