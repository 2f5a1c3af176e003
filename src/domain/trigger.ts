/**
 * Triggers are plain, serialisable values: a store keeps them as JSON and every node computes the
 * same fire times from them. Build them with `at`, `every` and `cron` (src/triggers).
 */
export interface DateTriggerSpec {
  type: 'date';
  runAtMs: number;
}

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
 * How a cron trigger treats daylight-saving changes in its time zone.
 * - `vixie` (default): as classic cron. A *fixed-time* expression (no wildcard or step in seconds,
 *   minutes and hours: `0 30 2 * * *`, `30 2,14 * * *`) fires once at the first valid time after a
 *   gap, and once (at the first occurrence) on a repeated wall time. Other expressions follow real
 *   time: wall times in a gap do not fire, repeated ones fire on both occurrences.
 * - `strict`: OCPS 1.4 §4.3.1 — every expression skips wall times that do not exist and fires only
 *   once (the first occurrence) for a wall time that happens twice.
 */
export type DstPolicy = 'vixie' | 'strict';

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

export type TriggerSpec = DateTriggerSpec | IntervalTriggerSpec | CronTriggerSpec;
