/** Small formatting helpers shared by the screens. */

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** "3 min ago", "in 59 min". */
export function relativeTime(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const diff = Date.parse(iso) - now;
  const abs = Math.abs(diff);
  // The shared clock ticks once a second, so a fresh server timestamp can look slightly "future".
  if (abs < 45_000) return diff < 5_000 ? 'just now' : 'in a few seconds';
  if (abs < 3_600_000) return rtf.format(Math.round(diff / 60_000), 'minute');
  if (abs < 86_400_000) return rtf.format(Math.round(diff / 3_600_000), 'hour');
  return rtf.format(Math.round(diff / 86_400_000), 'day');
}

/** Today: "14:03:12"; earlier: "Nov 21, 14:03:12". */
export function shortTime(iso: string): string {
  const d = new Date(iso);
  const today = new Date();
  return d.toDateString() === today.toDateString() ? timeFmt.format(d) : dateTimeFmt.format(d);
}

export function fullTime(iso: string | null | undefined): string {
  return iso ? fullFmt.format(new Date(iso)) : '—';
}

/** 75 → "1:15"; 3725 → "1:02:05". */
export function clockDuration(totalS: number): string {
  const s = Math.max(0, Math.floor(totalS));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** 0.4 → "0.4 s"; 0.02 → "< 0.1 s" (an answer given, never "0.0 s"); 95 → "1m 35s"; 7300 → "2h 2m". */
export function humanDuration(s: number | null | undefined): string {
  if (s == null) return '—';
  if (s > 0 && s < 0.05) return '< 0.1 s';
  if (s < 9.95) return `${s.toFixed(1)} s`;
  // Rounded once, before splitting: 119.7 s is "2m 0s", never "1m 60s".
  const whole = Math.round(s);
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${whole % 60}s`;
  const minutes = Math.round(whole / 60);
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

const nf = new Intl.NumberFormat();
export const num = (n: number): string => nf.format(n);

/**
 * A long value cut in the middle, so that both its start and its end stay visible: two queue
 * entries that differ only at the end of their resource (postgres://prod/customers vs …/orders)
 * must not look alike.
 */
export function middleTruncate(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  const tail = Math.ceil((max - 1) * 0.6);
  return `${chars.slice(0, max - 1 - tail).join('')}…${chars.slice(chars.length - tail).join('')}`;
}

/** "require_approval" → "require approval". */
export const words = (s: string): string => s.replace(/_/g, ' ');

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${num(n)} ${n === 1 ? one : many}`;
}
