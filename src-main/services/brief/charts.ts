/**
 * Inline SVG charts for the brief: drawn here from numbers, so the file needs no script, font or
 * network fetch to show them (in a browser, a mail client's preview, or the PDF).
 */

export interface Series {
  label: string;
  color: string;
  values: number[];
}

export interface LineSeries {
  label: string;
  color: string;
  values: (number | null)[];
  /** The right axis runs 0..max. */
  max: number;
}

const FONT = "font-family='system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif'";
const GRID = '#e3e6ea';
const AXIS = '#6b7280';
const INK = '#374151';

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A round upper bound and its whole-number tick step (1, 2 or 5 × 10^k). */
export function niceScale(max: number, ticks = 4): { top: number; step: number } {
  if (max <= 0) return { top: ticks, step: 1 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  // Counts: whole-number steps of 1, 2 or 5 × 10^k.
  const step = Math.max(1, ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag);
  return { top: Math.ceil(max / step) * step, step };
}

const fmt = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(1));
const r1 = (n: number) => Math.round(n * 10) / 10;

/** Stacked bars per label, optionally with a line on a 0..max right axis. */
export function stackedBars(o: {
  title: string;
  /** One per bar, for its tooltip. */
  labels: string[];
  /** What to print under each bar ('' for none); default: every few labels. */
  ticks?: string[];
  series: Series[];
  line?: LineSeries;
  width?: number;
  height?: number;
  emptyText?: string;
}): string {
  const width = o.width ?? 680;
  const height = o.height ?? 220;
  const m = { l: 46, r: o.line ? 40 : 12, t: 12, b: 34 };
  const pw = width - m.l - m.r;
  const ph = height - m.t - m.b;
  const n = o.labels.length;
  const sums = o.labels.map((_, i) => o.series.reduce((a, s) => a + (s.values[i] ?? 0), 0));
  const { top, step } = niceScale(Math.max(0, ...sums));
  const y = (v: number) => m.t + ph - (v / top) * ph;
  const slot = n ? pw / n : pw;
  const bw = Math.max(1, Math.min(28, slot * 0.72));
  const parts: string[] = [];
  for (let v = 0; v <= top + 1e-9; v += step) {
    parts.push(`<line x1='${m.l}' x2='${m.l + pw}' y1='${r1(y(v))}' y2='${r1(y(v))}' stroke='${GRID}' stroke-width='1'/>`);
    parts.push(`<text x='${m.l - 6}' y='${r1(y(v) + 3.5)}' text-anchor='end' font-size='10' fill='${AXIS}'>${fmt(v)}</text>`);
  }
  for (let i = 0; i < n; i++) {
    let base = 0;
    const x = m.l + i * slot + (slot - bw) / 2;
    for (const s of o.series) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      const y0 = y(base);
      const y1 = y(base + v);
      parts.push(
        `<rect x='${r1(x)}' y='${r1(y1)}' width='${r1(bw)}' height='${r1(Math.max(0.5, y0 - y1))}' fill='${s.color}'><title>${esc(`${o.labels[i]}: ${s.label} ${fmt(v)}`)}</title></rect>`,
      );
      base += v;
    }
  }
  const every = Math.max(1, Math.ceil(n / 8));
  const ticks = o.ticks ?? o.labels.map((l, i) => (i % every === 0 ? l : ''));
  ticks.forEach((tick, i) => {
    if (!tick) return;
    const cx = m.l + i * slot + slot / 2;
    parts.push(`<text x='${r1(cx)}' y='${height - m.b + 14}' text-anchor='middle' font-size='10' fill='${AXIS}'>${esc(tick)}</text>`);
  });
  parts.push(`<line x1='${m.l}' x2='${m.l + pw}' y1='${m.t + ph}' y2='${m.t + ph}' stroke='${AXIS}' stroke-width='1'/>`);
  if (o.line) {
    const L = o.line;
    const yl = (v: number) => m.t + ph - (v / L.max) * ph;
    for (const v of [0, L.max / 2, L.max]) {
      parts.push(`<text x='${m.l + pw + 6}' y='${r1(yl(v) + 3.5)}' font-size='10' fill='${L.color}'>${fmt(v)}</text>`);
    }
    let seg: string[] = [];
    const flush = () => {
      if (seg.length > 1)
        parts.push(`<polyline points='${seg.join(' ')}' fill='none' stroke='${L.color}' stroke-width='2' stroke-linejoin='round'/>`);
      seg = [];
    };
    L.values.forEach((v, i) => {
      const cx = m.l + i * slot + slot / 2;
      if (v === null) return flush();
      seg.push(`${r1(cx)},${r1(yl(v))}`);
      parts.push(
        `<circle cx='${r1(cx)}' cy='${r1(yl(v))}' r='2.2' fill='${L.color}'><title>${esc(`${o.labels[i]}: ${L.label} ${fmt(v)}`)}</title></circle>`,
      );
    });
    flush();
  }
  if (sums.every((s) => s === 0) && o.emptyText) {
    parts.push(
      `<text x='${m.l + pw / 2}' y='${m.t + ph / 2}' text-anchor='middle' font-size='12' fill='${AXIS}'>${esc(o.emptyText)}</text>`,
    );
  }
  return svg(width, height, o.title, parts);
}

/** Vertical bars with a label under each and the count above. */
export function bars(o: {
  title: string;
  items: { label: string; value: number; color: string }[];
  width?: number;
  height?: number;
}): string {
  const width = o.width ?? 330;
  const height = o.height ?? 200;
  const m = { l: 12, r: 12, t: 18, b: 34 };
  const pw = width - m.l - m.r;
  const ph = height - m.t - m.b;
  const max = Math.max(1, ...o.items.map((i) => i.value));
  const slot = pw / Math.max(1, o.items.length);
  const bw = Math.min(44, slot * 0.66);
  const parts = o.items.map((it, i) => {
    const h = (it.value / max) * ph;
    const x = m.l + i * slot + (slot - bw) / 2;
    const cx = m.l + i * slot + slot / 2;
    return [
      `<rect x='${r1(x)}' y='${r1(m.t + ph - h)}' width='${r1(bw)}' height='${r1(Math.max(it.value ? 1 : 0, h))}' fill='${it.color}'/>`,
      `<text x='${r1(cx)}' y='${r1(m.t + ph - h - 4)}' text-anchor='middle' font-size='11' fill='${INK}'>${fmt(it.value)}</text>`,
      `<text x='${r1(cx)}' y='${height - m.b + 14}' text-anchor='middle' font-size='10' fill='${AXIS}'>${esc(it.label)}</text>`,
    ].join('');
  });
  parts.push(`<line x1='${m.l}' x2='${m.l + pw}' y1='${m.t + ph}' y2='${m.t + ph}' stroke='${AXIS}' stroke-width='1'/>`);
  return svg(width, height, o.title, parts);
}

function svg(width: number, height: number, title: string, parts: string[]): string {
  return `<svg role='img' aria-label='${esc(title)}' viewBox='0 0 ${width} ${height}' width='${width}' height='${height}' style='width:100%;max-width:${width}px;height:auto' ${FONT}><title>${esc(title)}</title>${parts.join('')}</svg>`;
}
