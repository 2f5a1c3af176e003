/**
 * Wall-clock arithmetic for calendar triggers, Temporal-free: `Intl.DateTimeFormat` maps an instant
 * to its wall time in a time zone, and {@link wallToInstantMs} maps a wall time back to an instant.
 * Pure functions over plain numbers; formatters are cached per time zone.
 */
import { offsetMs, wallAsUtcMs } from './zone-offset.ts';

/** A calendar date (month 1..12) — no time, no zone. */
export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/** The fields of a calendar interval, each a non-negative integer. */
export interface CalendarInterval {
  years: number;
  months: number;
  weeks: number;
  days: number;
}

const dayMs = 86_400_000;
// The range of a JavaScript Date.
const maxEpochMs = 8.64e15;

/** The calendar date of `ms` in `tz`. */
export function civilDateOf(tz: string, ms: number): CivilDate {
  const wall = new Date(wallAsUtcMs(tz, ms));
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
}

/** Epoch milliseconds of `date` at midnight UTC (years before 100 are not shifted by 1900). */
export function civilDateMs(date: CivilDate): number {
  const utc = new Date(0);
  utc.setUTCFullYear(date.year, date.month - 1, date.day);
  return utc.getTime();
}

/** The number of days of `month` (1..12) in `year`, leap years included. */
export function daysInMonth(year: number, month: number): number {
  return new Date(civilDateMs({ year, month: month + 1, day: 0 })).getUTCDate();
}

/**
 * `anchor` plus `k` times the interval: years and months first, the day of the month clamped to
 * the length of the month reached (Jan 31 + 1 month = Feb 28 or 29), then weeks and days. Always
 * computed from the anchor, never from the previous fire, so the anchor's day comes back
 * (Jan 31 + 2 months = Mar 31).
 */
export function addIntervalTimes(anchor: CivilDate, interval: CalendarInterval, k: number): CivilDate {
  const monthIndex = anchor.year * 12 + (anchor.month - 1) + k * (interval.years * 12 + interval.months);
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12 + 1;
  const day = Math.min(anchor.day, daysInMonth(year, month));
  const shifted = new Date(civilDateMs({ year, month, day }) + k * (interval.weeks * 7 + interval.days) * dayMs);
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/** The average length of the interval in days, to estimate how many intervals fit in a span. */
export function averageIntervalDays(interval: CalendarInterval): number {
  return interval.years * 365.2425 + interval.months * 30.436875 + interval.weeks * 7 + interval.days;
}

/**
 * The instant at which the wall clock of `tz` reads `date` at `secondOfDay`, or null outside the
 * range of a Date.
 *
 * - A wall time that happens twice (the clocks go back): its first occurrence.
 * - A wall time that does not exist (the clocks go forward): the first valid instant after the
 *   gap, i.e. the transition itself (02:30 on 2026-03-29 in Europe/Berlin → 03:00 CEST, 01:00Z).
 */
export function wallToInstantMs(tz: string, date: CivilDate, secondOfDay: number): number | null {
  const localMs = civilDateMs(date) + secondOfDay * 1000;
  if (!Number.isFinite(localMs) || Math.abs(localMs) > maxEpochMs - 2 * dayMs) return null;
  // A zone changes its offset at most once within a day or so: the offsets a day either side are
  // the candidates (equal almost always).
  const before = offsetMs(tz, localMs - dayMs);
  const after = offsetMs(tz, localMs + dayMs);
  const valid = [localMs - before, localMs - after].filter((ms) => offsetMs(tz, ms) === localMs - ms);
  if (valid.length > 0) return Math.min(...valid);
  // In a gap: the instant the offset changes lies between the two readings of the wall time.
  let lowS = Math.floor((localMs - Math.max(before, after)) / 1000);
  let highS = Math.ceil((localMs - Math.min(before, after)) / 1000);
  const lowOffset = offsetMs(tz, lowS * 1000);
  while (highS - lowS > 1) {
    const midS = Math.floor((lowS + highS) / 2);
    if (offsetMs(tz, midS * 1000) === lowOffset) lowS = midS;
    else highS = midS;
  }
  return highS * 1000;
}

const timeOfDay = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

/** `'09:00'` or `'09:00:30'` as seconds since midnight, or null when it is not such a time. */
export function parseTimeOfDay(text: string): number | null {
  const match = timeOfDay.exec(text);
  if (!match) return null;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3] ?? 0);
}

/** Seconds since midnight as `'HH:MM:SS'`. */
export function formatTimeOfDay(secondOfDay: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(secondOfDay / 3600))}:${pad(Math.floor(secondOfDay / 60) % 60)}:${pad(secondOfDay % 60)}`;
}

/** What the fire computations need of a calendar spec. */
export interface CalendarGrid extends CalendarInterval {
  /** `'HH:MM:SS'` (or `'HH:MM'`) wall time of every fire. */
  at: string;
  /** Null: UTC. */
  tz: string | null;
  startAtMs: number | null;
  endAtMs: number | null;
}

/**
 * The first fire of a new schedule created at `nowMs`: with `startAtMs`, the first fire of the grid
 * anchored on the date of `startAtMs` that is not before `startAtMs` nor `nowMs`; without, today
 * (in the zone) at `at`, or tomorrow when that has passed. Null after `endAtMs`.
 */
export function calendarFirstFireAtMs(grid: CalendarGrid, nowMs: number): number | null {
  if (grid.startAtMs !== null) return calendarFireAtOrAfterMs(grid, grid.startAtMs, Math.max(nowMs, grid.startAtMs));
  const tz = grid.tz ?? 'UTC';
  const secondOfDay = parseTimeOfDay(grid.at) ?? 0;
  const today = civilDateOf(tz, nowMs);
  let fireMs = wallToInstantMs(tz, today, secondOfDay);
  if (fireMs !== null && fireMs < nowMs) {
    fireMs = wallToInstantMs(tz, addIntervalTimes(today, { years: 0, months: 0, weeks: 0, days: 1 }, 1), secondOfDay);
  }
  return fireMs === null || (grid.endAtMs !== null && fireMs > grid.endAtMs) ? null : fireMs;
}

/**
 * The first fire strictly after `afterMs`, on the grid anchored on the date (in the zone) of
 * `startAtMs`, or of `previousFireMs` without one (the grid then continues from the fire before, as
 * an interval trigger's does). Null after `endAtMs`.
 */
export function calendarNextFireAfterMs(grid: CalendarGrid, previousFireMs: number, afterMs: number): number | null {
  return calendarFireAtOrAfterMs(grid, grid.startAtMs ?? previousFireMs, afterMs + 1);
}

/** Enough steps to correct the estimate of `k` (it is off by one or two at most). */
const maxSteps = 64;

/** The first fire `>= atOrAfterMs` (and `>= startAtMs`) of the grid anchored on the date of `anchorMs`. */
function calendarFireAtOrAfterMs(grid: CalendarGrid, anchorMs: number, atOrAfterMs: number): number | null {
  const tz = grid.tz ?? 'UTC';
  const secondOfDay = parseTimeOfDay(grid.at) ?? 0;
  const floorMs = Math.max(atOrAfterMs, grid.startAtMs ?? Number.NEGATIVE_INFINITY);
  const anchor = civilDateOf(tz, anchorMs);
  // The k-th fire is on anchor + k intervals: estimate k from the days in between, then correct it.
  const elapsedDays = (civilDateMs(civilDateOf(tz, floorMs)) - civilDateMs(anchor)) / dayMs;
  let k = Math.max(0, Math.floor(elapsedDays / averageIntervalDays(grid)) - 1);
  const fireAt = (n: number) => wallToInstantMs(tz, addIntervalTimes(anchor, grid, n), secondOfDay);
  for (let step = 0; k > 0 && step < maxSteps; step++) {
    const previous = fireAt(k - 1);
    if (previous === null || previous < floorMs) break;
    k--;
  }
  for (let step = 0; step < maxSteps; step++, k++) {
    const fireMs = fireAt(k);
    if (fireMs === null) return null;
    if (fireMs >= floorMs) return grid.endAtMs !== null && fireMs > grid.endAtMs ? null : fireMs;
  }
  return null;
}
