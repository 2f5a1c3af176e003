import type { CalendarTriggerSpec } from '../domain/trigger.ts';
import { InvalidArgumentError, UnknownTimeZoneError } from '../errors.ts';
import { type Duration, parseDuration } from '../time/duration.ts';
import { calendarFirstFireAtMs, formatTimeOfDay, parseTimeOfDay } from './calendar-math.ts';
import { zoneFormat } from './zone-offset.ts';
import { type Instant, parseWindow } from './instant.ts';
import { type PreviewableTrigger, withPreview } from './preview.ts';

/**
 * The options of `calendar(options)`: the interval in calendar units, the wall time of day, the time zone
 * and the window.
 *
 * @example
 * calendar({ months: 1, at: '09:00', tz: 'Europe/Berlin' })
 */
export interface CalendarOptions {
  /**
   * Years between fires (a non-negative integer). The interval is `years + months + weeks + days`,
   * and at least one of them must be positive.
   * @defaultValue 0
   */
  years?: number | undefined;
  /**
   * Months between fires. A day of the month that the month reached does not have becomes its
   * last day (Jan 31 → Feb 28, or 29 in a leap year), and the next fire is on the 31st again.
   * @defaultValue 0
   * @example calendar({ months: 1, at: '09:00', tz: 'Europe/Berlin', startAt: '2027-01-31T09:00:00+01:00' })
   */
  months?: number | undefined;
  /**
   * Weeks between fires.
   * @defaultValue 0
   */
  weeks?: number | undefined;
  /**
   * Days between fires.
   * @defaultValue 0
   */
  days?: number | undefined;
  /**
   * The wall time of every fire in `tz`, `'HH:MM'` or `'HH:MM:SS'` (24-hour). Kept across
   * daylight-saving changes; a time in the spring-forward gap fires at the end of the gap (02:30
   * on the spring day in Berlin → 03:00 CEST), a repeated one at its first occurrence.
   * @example '09:00'
   */
  at: string;
  /**
   * IANA time zone of `at` and of the dates, e.g. `'Europe/Berlin'`, stored in its canonical
   * spelling.
   * @defaultValue UTC
   */
  tz?: string | undefined;
  /**
   * The anchor: the fires are on this instant's date (in `tz`) plus whole intervals, at `at`,
   * never before this instant. Its day of the month is the one a monthly trigger comes back to.
   * @defaultValue the day the schedule is created (the next day once `at` has passed); each later
   *   fire is then one interval after the fire before
   */
  startAt?: Instant | undefined;
  /**
   * No fire after this instant (a fire exactly at `endAt` still happens); the schedule then ends.
   * @defaultValue no end
   */
  endAt?: Instant | undefined;
  /**
   * Each job runs a deterministic 0..jitter after its fire time. Must be shorter than the
   * shortest interval (a month counts as 28 days, a day as 23 hours).
   * @defaultValue 0
   */
  jitter?: Duration | undefined;
}

const dayMs = 86_400_000;
const hourMs = 3_600_000;

/**
 * A trigger that fires every so many years, months, weeks and days of calendar time, at the same
 * wall time in `tz` — "every month on the 31st at 09:00 in Berlin", "every 2 weeks at 07:30".
 *
 * Semantics (fire k is on the anchor date + k intervals, at `at`):
 * - Years and months are added first, then weeks and days, as APScheduler's CalendarIntervalTrigger
 *   orders them (apscheduler/triggers/calendarinterval.py).
 * - A day of the month that does not exist is clamped to the month's last day, as Quartz's
 *   CalendarIntervalTrigger does (java.util.Calendar.add): Jan 31 + 1 month = Feb 28/29. Unlike
 *   Quartz, which adds to the previous fire and then stays on the 28th ("each subsequent firing will
 *   occur on the 28th", CalendarIntervalTrigger javadoc), every fire is computed from the anchor, so
 *   March fires on the 31st again. APScheduler instead skips the months without that day
 *   (Jan 31 → Mar 31): Sundial fires in every month.
 * - The time of day is kept across daylight-saving changes, as Quartz's
 *   `preserveHourOfDayAcrossDaylightSavings(true)` does. A wall time in a spring-forward gap fires
 *   at the first valid instant after it (Quartz with `skipDayIfHourDoesNotExist(false)`; APScheduler
 *   skips that day). A repeated wall time fires once, at its first occurrence (as APScheduler).
 *
 * @throws InvalidArgumentError for no interval, a negative or fractional field, a bad `at`, an
 *   empty window, or a jitter not shorter than the interval. UnknownTimeZoneError for a `tz` the
 *   runtime does not know.
 * @returns The spec (plain JSON), with a non-enumerable `nextFires(count)` to preview it.
 *
 * @example
 * await scheduler.schedule({ id: 'invoices', task: 'send-invoices', trigger: calendar({ months: 1, at: '09:00', tz: 'Europe/Berlin' }) });
 */
export function calendar(options: CalendarOptions): PreviewableTrigger<CalendarTriggerSpec> {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError(`Expected calendar() options such as { months: 1, at: '09:00' }, got ${String(options)}`);
  }
  const years = intervalField(options.years, 'years');
  const months = intervalField(options.months, 'months');
  const weeks = intervalField(options.weeks, 'weeks');
  const days = intervalField(options.days, 'days');
  if (years + months + weeks + days === 0) {
    throw new InvalidArgumentError('Expected at least one of `years`, `months`, `weeks` or `days` to be positive, got no interval');
  }
  const secondOfDay = typeof options.at === 'string' ? parseTimeOfDay(options.at.trim()) : null;
  if (secondOfDay === null) {
    throw new InvalidArgumentError(`Expected \`at\` to be a time of day 'HH:MM' or 'HH:MM:SS' (24-hour), got ${JSON.stringify(options.at)}`);
  }
  const tz = options.tz === undefined || options.tz === null ? null : canonicalZone(options.tz);
  const { startAtMs, endAtMs } = parseWindow(options);
  const jitterMs = options.jitter === undefined ? 0 : parseDuration(options.jitter, 'jitter', { allowZero: true });
  const shortestMs = (years * 365 + months * 28 + weeks * 7 + days) * dayMs - hourMs;
  if (jitterMs >= shortestMs) {
    throw new InvalidArgumentError(
      `Expected \`jitter\` to be shorter than the interval's shortest length (${shortestMs}ms), got ${JSON.stringify(options.jitter)} (${jitterMs}ms)`,
    );
  }
  const spec: CalendarTriggerSpec = { type: 'calendar', years, months, weeks, days, at: formatTimeOfDay(secondOfDay), tz, startAtMs, endAtMs, jitterMs };
  if (startAtMs !== null && endAtMs !== null && calendarFirstFireAtMs(spec, startAtMs) === null) {
    throw new InvalidArgumentError('Expected the calendar trigger to fire between `startAt` and `endAt`, but it never does');
  }
  return withPreview(spec);
}

function intervalField(value: unknown, name: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > 10_000) {
    throw new InvalidArgumentError(`Expected \`${name}\` to be a whole number from 0 to 10000, got ${JSON.stringify(value)}`);
  }
  return value;
}

function canonicalZone(tz: unknown): string {
  if (typeof tz === 'string') {
    try {
      return zoneFormat(tz).resolvedOptions().timeZone;
    } catch (error) {
      throw new UnknownTimeZoneError(`Expected \`tz\` to be an IANA time zone such as 'Europe/Berlin' or 'UTC', got ${JSON.stringify(tz)}`, {
        cause: error,
      });
    }
  }
  throw new UnknownTimeZoneError(`Expected \`tz\` to be an IANA time zone such as 'Europe/Berlin' or 'UTC', got ${JSON.stringify(tz)}`);
}
