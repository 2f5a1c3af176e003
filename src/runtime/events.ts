import type { JsonValue } from '../domain/json.ts';
import type { JobError, JobSnapshot } from '../domain/job.ts';
import type { ScheduleRecord } from '../domain/schedule.ts';
import type { UnreadableField } from '../domain/unreadable.ts';
import type { BreakerForce, BreakerState } from '../store/gate-types.ts';

/**
 * Every event a scheduler emits, in one typed map (`noun.pastVerb`). Events are local: a node
 * emits the transitions it made itself. Jobs are described as `JobSnapshot`s — what the node knew
 * at that moment, without the attempt history (`scheduler.getJob(id)` reads the whole record) —
 * so that the hot path never reads a record back just to announce it.
 */
export interface SchedulerEvents {
  'scheduler.started': { nodeId: string };
  'scheduler.stopped': { nodeId: string };
  'schedule.created': { schedule: ScheduleRecord };
  'schedule.updated': { schedule: ScheduleRecord };
  'schedule.removed': { scheduleId: string };
  'schedule.paused': { schedule: ScheduleRecord };
  'schedule.resumed': { schedule: ScheduleRecord };
  /** A fire created a job (`job.origin` is 'schedule', or 'manual' for a trigger-now). */
  'schedule.fired': { scheduleId: string; fireAtMs: number | null; job: JobSnapshot };
  /** Fires that were not run: later than the misfire grace time, or merged by coalescing. */
  'schedule.missed': { scheduleId: string; task: string; fireAtMs: number[]; reason: 'misfire-grace' | 'coalesced' };
  /** Fires skipped because the schedule already had `maxRunning` active jobs. */
  'schedule.skipped': { scheduleId: string; task: string; fireAtMs: number[]; activeJobs: number; maxRunning: number };
  /**
   * The schedule is gone: its trigger has no more fires, or a handler stopped it. A trigger is
   * exhausted when its last fire becomes a job, which with a look-ahead is before the fire's instant.
   */
  'schedule.ended': { scheduleId: string; reason: 'trigger-exhausted' | 'stopped-by-handler' };
  'job.enqueued': { job: JobSnapshot };
  'job.started': { job: JobSnapshot };
  'job.succeeded': { job: JobSnapshot; result: JsonValue | null; durationMs: number };
  /** An attempt failed and a retry is planned at `retryAtMs`. */
  'job.failed': { job: JobSnapshot; error: JobError; retryAtMs: number };
  /** No attempt left (or a non-retryable error, or an unknown task): the job is dead-lettered. */
  'job.dead': { job: JobSnapshot; error: JobError };
  'job.cancelled': { job: JobSnapshot };
  /** Given back to the queue at shutdown, for another node to run. */
  'job.released': { job: JobSnapshot };
  /** This node lost a job's lease (another node took it over); its handler was aborted. */
  'lease.lost': { jobId: string; fencingToken: number };
  /** This node found a job whose node stopped renewing its lease, and planned its retry. */
  'lease.expired': { job: JobSnapshot; previousOwner: string | null };
  /**
   * A record whose stored fields could not be decoded was isolated: the job dead-lettered (with
   * `CorruptRecordError`, also a `job.dead`), or the schedule paused. Nothing else stops for it.
   */
  'record.quarantined': { kind: 'job' | 'schedule'; id: string; unreadable: UnreadableField[]; error: Error };
  /**
   * A task's circuit breaker changed, by this node's write (every node sees the new state; only
   * the one whose write won emits this) or by an operator (`forceBreaker`, the admin API).
   */
  'breaker.changed': {
    task: string;
    from: BreakerState;
    to: BreakerState;
    reason: 'failure-rate' | 'open-for-passed' | 'probe-takeover' | 'probe-failed' | 'probes-succeeded' | 'operator';
    forced: BreakerForce;
    /** When it opened on its failure rate: the calls counted in the window. */
    calls?: { succeeded: number; failed: number };
  };
  /** Jobs of a task limited per key were given back until their key has a token again (`delayMs` from now). */
  'rateLimit.deferred': { task: string; jobs: number; delayMs: number };
  /** The store opened (`attempts` > 1: after the store was unreachable at start). */
  'store.opened': { attempts: number };
  /** The store could not be reached at start; the node tries again in `retryInMs`. */
  'store.openFailed': { error: Error; attempt: number; retryInMs: number };
  /**
   * Events of the store's cluster event log were trimmed before this node read them: its
   * `scope: 'cluster'` listeners missed the events after `afterSeq` through `trimmedThroughSeq`.
   */
  'cluster.eventsLost': { afterSeq: number; trimmedThroughSeq: number };
  /** Something failed in the background loop (the loop goes on). */
  error: { error: Error; during: string };
}

/** The name of a scheduler event: a key of `SchedulerEvents`. */
export type SchedulerEventName = keyof SchedulerEvents;
/** A listener of the scheduler event `E`, called with its payload (see `Scheduler.on`). */
export type SchedulerEventListener<E extends SchedulerEventName> = (payload: SchedulerEvents[E]) => void;

/** A tiny typed emitter. A throwing listener never breaks the scheduler: it is reported as `error`. */
export class SchedulerEventEmitter {
  readonly #listeners = new Map<SchedulerEventName, Set<(payload: never) => void>>();

  /** Whether anyone listens to `event`: the hot path builds a payload only then. */
  has(event: SchedulerEventName): boolean {
    return (this.#listeners.get(event)?.size ?? 0) > 0;
  }

  on<E extends SchedulerEventName>(event: E, listener: SchedulerEventListener<E>): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  emit<E extends SchedulerEventName>(event: E, payload: SchedulerEvents[E]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    // A copy: a listener that subscribes another one while we iterate must not see it called now.
    // oxlint-disable-next-line unicorn/no-useless-spread
    for (const listener of [...set]) {
      try {
        (listener as SchedulerEventListener<E>)(payload);
      } catch (error) {
        if (event === 'error') continue; // never recurse on a broken error listener
        this.emit('error', { error: toError(error), during: `listener of ${event}` });
      }
    }
  }
}

export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
