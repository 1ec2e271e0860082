import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Stats } from '../../../src-shared/index.js';
import { NARROW, useMediaQuery } from '../../hooks/useMediaQuery.js';
import type { ThemeColors } from '../../hooks/useThemeColors.js';
import { num } from '../../lib/format.js';
import { axisFor, thinTicks } from './axis.js';

/** Time labels a phone-wide chart has room for ("09:00 AM" is ~55 px of a ~250 px plot). */
const NARROW_TICKS = 4;

const tooltipStyle = (c: ThemeColors) => ({
  contentStyle: { background: c.surface, border: `1px solid ${c.border}`, borderRadius: 8, color: c.text, fontSize: 12 },
  labelStyle: { color: c.text, fontWeight: 600 },
  itemStyle: { padding: 0 },
  cursor: { fill: c['chart-grid'], opacity: 0.5 },
});

/** Actions per time bucket, stacked by the decision on arrival (allowed green, held for you amber, denied red), on an axis that fits the window. */
export function TimelineChart({ stats, c }: { stats: Stats; c: ThemeColors }) {
  const axis = axisFor(stats.window, stats.timeline, stats.bucket_s);
  const narrow = useMediaQuery(NARROW);
  return (
    <ResponsiveContainer width="100%" height={210}>
      <BarChart data={stats.timeline} margin={{ top: 8, right: 8, bottom: 0, left: -12 }} barCategoryGap="12%">
        <CartesianGrid stroke={c['chart-grid']} vertical={false} />
        <XAxis
          dataKey="t"
          ticks={narrow ? thinTicks(axis.ticks, NARROW_TICKS) : axis.ticks}
          interval={0}
          tickFormatter={axis.format}
          stroke={c['chart-axis']}
          fontSize={11}
          tickLine={false}
        />
        <YAxis allowDecimals={false} stroke={c['chart-axis']} fontSize={11} tickLine={false} axisLine={false} />
        <Tooltip {...tooltipStyle(c)} labelFormatter={(t) => axis.bucketLabel(String(t))} />
        <Bar dataKey="allowed" name="allowed" stackId="d" fill={c['chart-allowed']} isAnimationActive={false} />
        <Bar dataKey="pending" name="held for you" stackId="d" fill={c['chart-pending']} isAnimationActive={false} />
        <Bar dataKey="denied" name="denied" stackId="d" fill={c['chart-denied']} radius={[3, 3, 0, 0]} isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}

/** How many actions fell in each risk level. */
export function RiskChart({ stats, c }: { stats: Stats; c: ThemeColors }) {
  const data = (['low', 'medium', 'high', 'critical'] as const).map((level) => ({
    level,
    count: stats.by_risk_level[level],
    color: c[`risk-${level}`],
  }));
  return (
    <ResponsiveContainer width="100%" height={220}>
      <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -12 }}>
        <CartesianGrid stroke={c['chart-grid']} vertical={false} />
        <XAxis dataKey="level" stroke={c['chart-axis']} fontSize={12} tickLine={false} />
        <YAxis allowDecimals={false} stroke={c['chart-axis']} fontSize={11} tickLine={false} axisLine={false} />
        <Tooltip {...tooltipStyle(c)} formatter={(v) => [num(Number(v)), 'actions']} />
        <Bar dataKey="count" radius={[4, 4, 0, 0]} isAnimationActive={false}>
          {data.map((d) => (
            <Cell key={d.level} fill={d.color} />
          ))}
        </Bar>
      </BarChart>
    </ResponsiveContainer>
  );
}

/** Top N by count as horizontal bars (agents, action types). */
export function TopChart({ data, c, label }: { data: { name: string; count: number }[]; c: ThemeColors; label: string }) {
  const rows = data.slice(0, 8);
  return (
    <ResponsiveContainer width="100%" height={Math.max(120, rows.length * 30 + 20)}>
      <BarChart data={rows} layout="vertical" margin={{ top: 0, right: 24, bottom: 0, left: 0 }}>
        <XAxis type="number" hide allowDecimals={false} domain={[0, 'dataMax']} />
        <YAxis
          type="category"
          dataKey="name"
          width={150}
          stroke={c['chart-axis']}
          fontSize={12}
          tickLine={false}
          axisLine={false}
          tickFormatter={(s: string) => (s.length > 22 ? `${s.slice(0, 21)}…` : s)}
        />
        <Tooltip {...tooltipStyle(c)} formatter={(v) => [num(Number(v)), label]} />
        <Bar
          dataKey="count"
          fill={c['chart-bar']}
          radius={[0, 4, 4, 0]}
          barSize={16}
          isAnimationActive={false}
          label={{ position: 'right', fill: c['chart-axis'], fontSize: 11 }}
        />
      </BarChart>
    </ResponsiveContainer>
  );
}
