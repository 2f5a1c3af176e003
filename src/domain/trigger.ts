/**
 * Triggers are plain, serialisable values: a store keeps them as JSON and every node computes the
 * same fire times from them. Build them with `at`, `every`, `cron` and `calendar` (src/triggers).
 */
export interface DateTriggerSpec {
  type: 'date';
  runAtMs: number;
}

/** Fires every `everyMs` milliseconds from `startAtMs`, until `endAtMs`. Build it with `every('5m')`. */
export interface IntervalTriggerSpec {
  type: 'interval';
  everyMs: number;
  /** First fire; later fires are `startAtMs + k * everyMs`. Null: first fire one interval after the schedule is created. */
  startAtMs: number | null;
  /** No fire after this instant; the schedule then ends. */
  endAtMs: number | null;
  /** Each job's `runAtMs` is its fire time plus a deterministic 0..jitterMs offset. */
  jitterMs: number;
}

/**
 * How a cron trigger treats daylight-saving changes in its time zone: wall times that do not exist
 * (a gap: the UTC offset grows) and wall times that happen twice (a repeat: the offset drops), for
 * a shift of any size (30 min, 1 h, 2 h) and across midnight. Full rules and examples:
 * src/triggers/next-fire.ts.
 * - `vixie` (default): as classic cron. A *fixed-time* expression (no wildcard or step in seconds,
 *   minutes and hours: `0 30 2 * * *`, `30 2,14 * * *`) fires once, at the first valid instant after
 *   a gap, for a matching wall time in it (also when the gap ends on the next day: America/Nuuk,
 *   2024-03-30 23:30 fires at 2024-03-31 00:00 -01), and once (at the first occurrence) on a
 *   repeated wall time. Other expressions follow real time: wall times in a gap do not fire,
 *   repeated ones fire on both occurrences.
 * - `strict`: OCPS 1.4 §4.3.1 — every expression skips wall times that do not exist (nothing fires
 *   for them) and fires only once (the first occurrence) for a wall time that happens twice. An
 *   every-minute expression keeps firing after the repeat; it is never ended by a DST change.
 * @defaultValue 'vixie'
 */
export type DstPolicy = 'vixie' | 'strict';

/**
 * Fires at the instants a cron expression matches in a time zone. Build it with `cron('0 9 * * 1-5', { tz })`.
 */
export interface CronTriggerSpec {
  type: 'cron';
  /** 5 or 6 fields (seconds first when 6), as croner reads them. */
  expr: string;
  /** IANA time zone the expression is read in. Null: UTC. */
  tz: string | null;
  /** Absent in specs stored before the option existed: read as 'vixie'. */
  dst?: DstPolicy;
  startAtMs: number | null;
  endAtMs: number | null;
  jitterMs: number;
}

/**
 * Fires every `years`/`months`/`weeks`/`days` of calendar time at the wall time `at` in `tz`: the
 * k-th fire is on the anchor date plus k intervals (years and months first, the day of the month
 * clamped to the month's length, then weeks and days), so the anchor's day of the month comes back
 * after a short month and the time of day survives daylight-saving changes. See `calendar()`.
 */
export interface CalendarTriggerSpec {
  type: 'calendar';
  /** Non-negative integers, at least one of them positive. */
  years: number;
  months: number;
  weeks: number;
  days: number;
  /** Wall time of every fire, `'HH:MM:SS'` (24-hour). */
  at: string;
  /** IANA time zone of `at` and of the dates. Null: UTC. */
  tz: string | null;
  /**
   * The anchor: fires are on its date (in `tz`) plus k intervals, none before it. Null: the first
   * fire is on the day the schedule is created (the next day once `at` has passed), and each later
   * fire is one interval after the fire before.
   */
  startAtMs: number | null;
  endAtMs: number | null;
  jitterMs: number;
}

/** When a schedule fires: any of the trigger specs, told apart by `type`. Plain JSON, stored as is. */
export type TriggerSpec = DateTriggerSpec | IntervalTriggerSpec | CronTriggerSpec | CalendarTriggerSpec;
