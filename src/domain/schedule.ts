import type { JsonValue } from './json.ts';
import type { TriggerSpec } from './trigger.ts';
import type { UnreadableField } from './unreadable.ts';

/**
 * After downtime, which of the fires still within the misfire grace time run:
 * `latest` (one job, for the newest fire), `earliest` (one job, for the oldest) or `all` (one job each).
 * The others are recorded as coalesced. Same words as APScheduler 4's CoalescePolicy.
 */
export type CoalescePolicy = 'latest' | 'earliest' | 'all';

/**
 * What a fire does when it comes due while the schedule has `maxRunning` active jobs (Temporal
 * Schedules' overlap policies):
 * - `skip`: it is skipped (counted in `skippedCount`).
 * - `bufferOne`: it is kept as one buffered job (status `waiting`, its parents the active jobs)
 *   that starts once they have ended; while one is buffered, later fires are skipped.
 * - `bufferAll`: every such fire is buffered, in fire order, each waiting for the active and the
 *   earlier buffered jobs: they run one after another.
 * - `cancelOther`: the active jobs are cancelled (running ones asked to abort) and the fire is
 *   created waiting for them, so it starts once they have ended.
 */
export type OverlapPolicy = 'skip' | 'bufferOne' | 'bufferAll' | 'cancelOther';

export const overlapPolicies = ['skip', 'bufferOne', 'bufferAll', 'cancelOther'] as const satisfies readonly OverlapPolicy[];

/** The catch-up limit of a schedule written without one (`ScheduleWrite.catchUpLimit`). */
export const defaultCatchUpLimit = 1000;

/** A schedule as a store holds it. */
export interface ScheduleRecord {
  id: string;
  task: string;
  data: JsonValue;
  trigger: TriggerSpec;
  /** Priority of the jobs it creates. */
  priority: number;
  /** Most active (queued, running, or failed awaiting retry) jobs of this schedule at once; null = no limit. */
  maxRunning: number | null;
  /** A fire later than this past its time is missed, not run. Null = no limit. */
  misfireGraceMs: number | null;
  coalesce: CoalescePolicy;
  /**
   * Most due fires considered one by one after a downtime (see `planFires`): older ones are
   * counted missed without being listed. A positive integer; 1,000 for a schedule written before
   * the field existed.
   */
  catchUpLimit: number;
  /** What a fire does while `maxRunning` jobs are active ('skip' for a schedule written before the field existed). */
  overlap: OverlapPolicy;
  paused: boolean;
  /** The next nominal fire time; null once the trigger has no more fires. */
  nextFireAtMs: number | null;
  lastFireAtMs: number | null;
  createdAtMs: number;
  updatedAtMs: number;
  /** Lease of the node currently computing this schedule's fires (see Store.acquireDueSchedules). */
  leaseOwner: string | null;
  leaseExpiresAtMs: number | null;
  /** Bumped on every acquire; releasing under an older token is refused. */
  leaseToken: number;
  /** Fires that created a job. */
  firedCount: number;
  /** Fires skipped because `maxRunning` jobs were still active. */
  skippedCount: number;
  /** Fires that came later than the misfire grace time, or were merged by coalescing. */
  missedCount: number;
  /** The trace context of its last write (`ScheduleWrite.traceContext`); absent when none. */
  traceContext?: string;
  /**
   * Present only when the store could not decode some fields (they hold stand-ins): the schedule
   * is quarantined — paused, never fired — until it is scheduled again with a sound definition.
   */
  unreadable?: UnreadableField[];
}

/** The definition part of a schedule, as `Store.upsertSchedule` writes it. */
export interface ScheduleWrite {
  id: string;
  task: string;
  data: JsonValue;
  trigger: TriggerSpec;
  priority: number;
  maxRunning: number | null;
  misfireGraceMs: number | null;
  coalesce: CoalescePolicy;
  /**
   * Most due fires considered one by one after a downtime (`ScheduleRecord.catchUpLimit`); no part
   * of the definition that reservations depend on. Absent: 1,000 (`defaultCatchUpLimit`).
   */
  catchUpLimit?: number;
  /**
   * What a fire does while `maxRunning` jobs are active (`ScheduleRecord.overlap`); no part of the
   * definition that reservations depend on. Absent: 'skip'.
   */
  overlap?: OverlapPolicy;
  /** Null keeps the stored flag (a new schedule starts unpaused): an operator's pause made meanwhile stands. */
  paused: boolean | null;
  nextFireAtMs: number | null;
  /**
   * Keep the stored nextFireAtMs when the stored trigger is this same trigger, decided by the
   * store in the same atomic write: another node may have fired the schedule since the caller
   * read it, and writing back the fire it read would rewind the schedule (a fire decided twice).
   */
  keepNextFire?: boolean;
  nowMs: number;
  /**
   * The trace context the schedule was written in (see `NewJob.traceContext`): its fires' jobs
   * carry it. Replaced by every write (absent or null: none).
   */
  traceContext?: string | null;
}
