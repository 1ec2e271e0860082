// Durations on the Dashboard's approval latency tile (median, p90, max) and the A/B tests panel:
// rounded once, so a unit never reads its own size ("1m 60s", "1h 60m", "10.0 s").
import { describe, expect, it } from 'vitest';
import { humanDuration } from '../../src-renderer/lib/format.js';

describe('humanDuration', () => {
  it('carries a rounded-up part into the next unit', () => {
    expect(humanDuration(9.97)).toBe('10 s');
    expect(humanDuration(0.02)).toBe('< 0.1 s');
    expect(humanDuration(0)).toBe('0.0 s');
    expect(humanDuration(20)).toBe('20 s');
    expect(humanDuration(90)).toBe('1m 30s');
    expect(humanDuration(59.6)).toBe('1m 0s');
    expect(humanDuration(119.7)).toBe('2m 0s');
    expect(humanDuration(3599.6)).toBe('1h 0m');
    expect(humanDuration(7199)).toBe('2h 0m');
  });

  it('keeps the readings it had', () => {
    expect(humanDuration(null)).toBe('—');
    expect(humanDuration(0.046)).toBe('< 0.1 s');
    expect(humanDuration(4.25)).toBe('4.3 s');
    expect(humanDuration(42.4)).toBe('42 s');
    expect(humanDuration(75)).toBe('1m 15s');
    expect(humanDuration(3725)).toBe('1h 2m');
  });
});
