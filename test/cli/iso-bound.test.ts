import { describe, expect, it } from 'vitest';
import { isoBound } from '../../src-main/cli/commands/audit-cli.js';

describe('audit export --since/--until as a date alone', () => {
  it('is that day’s local midnight', () => {
    expect(isoBound('2026-02-28', '--since')).toBe(new Date(2026, 1, 28).toISOString());
    expect(isoBound('2028-02-29', '--until')).toBe(new Date(2028, 1, 29).toISOString());
  });

  it('refuses a day the month does not have, instead of rolling it into the next month', () => {
    // new Date('2026-02-30T00:00:00') is March 2nd: the export would silently start there.
    for (const day of ['2026-02-30', '2026-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00'])
      expect(() => isoBound(day, '--since'), day).toThrow(`--since ${day} is not a date`);
  });

  it('passes a full ISO time through as given (the server validates it)', () => {
    expect(isoBound('2026-11-28T09:00:00Z', '--until')).toBe('2026-11-28T09:00:00Z');
    expect(isoBound(undefined, '--until')).toBeUndefined();
  });
});
