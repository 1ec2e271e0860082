import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** One measured figure, the shape every bench writes to bench/results/<name>.json. */
export interface Figure {
  id: string;
  label: string;
  value: number;
  unit: string;
  target?: number;
  better: 'higher' | 'lower';
  note?: string;
}

/** bench/ (from a bundle in out/bench, scripts/bench.mjs says where it is). */
export const benchDir = process.env.GATEHOUSE_BENCH_DIR ?? dirname(fileURLToPath(import.meta.url));

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/**
 * Latencies in log-spaced buckets 0.1 % wide (from 1 µs to ~2.7 hours), for a phase that times a
 * million operations: percentiles within 0.1 % of the exact ones (the bucket's upper bound is
 * reported) and the exact maximum, in under 0.1 MB. A Float64Array of a million latencies was 8 MB held
 * through the storage bench and counted in the peak RSS it measures of the store.
 */
export class LatencyHistogram {
  private static readonly STEP = Math.log(1.001);
  private static readonly MIN_MS = 0.001;
  private readonly counts = new Uint32Array(Math.ceil(Math.log(1e10) / LatencyHistogram.STEP) + 1);
  private n = 0;
  max = 0;

  record(ms: number): void {
    const at = ms <= LatencyHistogram.MIN_MS ? 0 : Math.ceil(Math.log(ms / LatencyHistogram.MIN_MS) / LatencyHistogram.STEP);
    this.counts[Math.min(at, this.counts.length - 1)]!++;
    this.n++;
    if (ms > this.max) this.max = ms;
  }

  /** The p-th percentile (as `percentile` defines it over the sorted values), to the bucket's upper bound, never above the maximum. */
  percentile(p: number): number {
    if (this.n === 0) return NaN;
    const rank = Math.min(this.n, Math.max(1, Math.ceil((p / 100) * this.n)));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, LatencyHistogram.MIN_MS * Math.exp(i * LatencyHistogram.STEP));
    }
    return this.max;
  }
}

export function writeResults(name: string, figures: Figure[]): void {
  const dir = join(benchDir, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify({ name, figures }, null, 2)}\n`);
  const rows = figures.map((f) => {
    const met = f.target === undefined ? '' : (f.better === 'higher' ? f.value >= f.target : f.value <= f.target) ? 'met' : 'MISSED';
    return `  ${f.label.padEnd(58)} ${fmt(f.value).padStart(12)} ${f.unit.padEnd(9)} ${f.target === undefined ? '' : `target ${f.better === 'higher' ? '≥' : '≤'} ${fmt(f.target)}`.padEnd(18)} ${met}`;
  });
  console.log(`\n${name}\n${rows.join('\n')}\n`);
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(3);
}

/** A small deterministic PRNG (mulberry32), so a bench generates the same workload every run. */
export function seeded(initial: number): { rand: (n: number) => number; pick: <T>(xs: readonly T[]) => T } {
  let seed = initial;
  const rand = (n: number): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * n);
  };
  return { rand, pick: <T>(xs: readonly T[]): T => xs[rand(xs.length)] as T };
}

/**
 * The longest event-loop stall while `fn` runs, two ways: `stallMs`, the longest delay of a 1 ms
 * timer (monitorEventLoopDelay: wall time, so it also counts time the OS did not run this process,
 * which on a shared, loaded machine is most of it), and `busyMs`, the longest delay during which
 * this thread was actually running (process.threadCpuUsage: the stall Gatehouse's own code caused).
 */
export async function stallDuring<T>(fn: () => Promise<T>): Promise<{ value: T; stallMs: number; busyMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  let busyMs = 0;
  let lastWall = performance.now();
  let lastCpu = process.threadCpuUsage();
  const timer = setInterval(() => {
    const wall = performance.now();
    const cpu = process.threadCpuUsage();
    const cpuMs = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
    // Within one tick the thread ran for min(wall, cpu) of the gap.
    busyMs = Math.max(busyMs, Math.min(wall - lastWall, cpuMs));
    lastWall = wall;
    lastCpu = cpu;
  }, 1);
  try {
    const value = await fn();
    // The gap up to now counts too.
    const cpu = process.threadCpuUsage();
    busyMs = Math.max(busyMs, Math.min(performance.now() - lastWall, (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000));
    return { value, stallMs: h.max / 1e6, busyMs };
  } finally {
    clearInterval(timer);
    h.disable();
  }
}
