import type { NormalizedAction, Risk } from '../../src-shared/index.js';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Local wall-clock facts a condition or risk factor can read (SPEC 3.2 `time.*`, 2.4 off-hours). */
export interface LocalTime {
  hour: number;
  minute: number;
  weekday: Weekday;
}

export function localTimeOf(now: Date): LocalTime {
  return { hour: now.getHours(), minute: now.getMinutes(), weekday: WEEKDAYS[now.getDay()] ?? 'sun' };
}

/**
 * What a condition is evaluated against: the action, its risk once computed (absent while the risk
 * rules themselves run) and the local time.
 */
export interface Subject {
  readonly action: NormalizedAction;
  risk: Risk | undefined;
  readonly time: LocalTime;
}
