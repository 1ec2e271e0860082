import { useEffect, useState } from 'react';

const NAMES = [
  'chart-allowed',
  'chart-denied',
  'chart-pending',
  'chart-grid',
  'chart-axis',
  'chart-bar',
  'risk-low',
  'risk-medium',
  'risk-high',
  'risk-critical',
  'surface',
  'border',
  'text',
] as const;
export type ThemeColors = Record<(typeof NAMES)[number], string>;

function read(): ThemeColors {
  const cs = getComputedStyle(document.documentElement);
  const out = {} as ThemeColors;
  for (const n of NAMES) out[n] = cs.getPropertyValue(`--${n}`).trim() || '#888';
  return out;
}

/** The design tokens as concrete colors (SVG charts need values), updated when the theme changes. */
export function useThemeColors(): ThemeColors {
  const [colors, setColors] = useState(read);
  useEffect(() => {
    const obs = new MutationObserver(() => setColors(read()));
    obs.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => obs.disconnect();
  }, []);
  return colors;
}
