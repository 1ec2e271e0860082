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

const SEPARATOR = /[/\\:@#?&=\s]/;

/**
 * A value split for a cut in the middle (components/MiddleEllipsis): the end that must always show
 * and the head that may shrink behind an ellipsis. The end is the value's last part, from its last
 * separator (`/customers`, `:8443`, ` build/`), at most `max` characters; without a separator in
 * reach, its last `max / 2`. Two entries whose resources differ only at their end
 * (postgres://prod/…/customers vs …/orders) must never look alike, at any width. A value of `max`
 * characters or fewer is all head.
 */
export function splitEnd(s: string, max = 24, separator: RegExp = SEPARATOR): [head: string, end: string] {
  const chars = [...s];
  if (chars.length <= max) return [s, ''];
  const window = chars.slice(chars.length - max);
  let at = -1;
  for (let i = window.length - 2; i >= 0; i--)
    if (separator.test(window[i]!)) {
      // The end is shown on one line, its spaces kept: it starts after a line break, at any other separator.
      at = window[i] === '\n' || window[i] === '\r' ? i + 1 : i;
      break;
    }
  const keep = at >= 0 ? window.length - at : Math.ceil(max / 2);
  return [chars.slice(0, chars.length - keep).join(''), chars.slice(chars.length - keep).join('')];
}

/** "require_approval" → "require approval". */
export const words = (s: string): string => s.replace(/_/g, ' ');

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${num(n)} ${n === 1 ? one : many}`;
}
