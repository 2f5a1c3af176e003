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

export interface CronTriggerSpec {
  type: 'cron';
  /** 5 or 6 fields (seconds first when 6), as croner reads them. */
  expr: string;
  /** IANA time zone the expression is read in. Null: UTC. */
  tz: string | null;
  startAtMs: number | null;
  endAtMs: number | null;
  jitterMs: number;
}

export type TriggerSpec = DateTriggerSpec | IntervalTriggerSpec | CronTriggerSpec;
